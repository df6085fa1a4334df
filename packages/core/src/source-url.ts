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
