/**
 * Removes credentials from a URL-style remote so a token in a remote URL never
 * reaches the registry: for http(s) the whole `user[:password]@` (tokens are
 * often put in the user part), for other schemes (ssh://git@…) only a
 * `:password`, since the user name is needed to clone and is no secret.
 * scp-style (`git@host:org/repo`) and local paths carry no password.
 */
export function stripCredentials(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/@]*)@(.*)$/i.exec(url);
  if (!match) return url;
  const [, scheme, userinfo, rest] = match as unknown as [string, string, string, string];
  if (/^https?$/i.test(scheme)) return `${scheme}://${rest}`;
  const user = userinfo.split(':')[0]!;
  return user === '' ? `${scheme}://${rest}` : `${scheme}://${user}@${rest}`;
}

/** A full git commit hash, lowercase hex: SHA-1 (40) or SHA-256 (64). Anything else is never passed to git. */
export function isCommitHash(value: string): boolean {
  return /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(value);
}
