import { describeFlag, type HeldVersionDto, type PackageDto, type PreviousVersion, type VersionDto } from '@flock/core';
import { Csrf } from './account-page.js';

/** What was unusual about this version's publish, in plain words (nothing when it was usual). */
export function UnusualCard({ version, previous }: { version: VersionDto; previous: PreviousVersion | null }) {
  if (version.flags.length === 0) return null;
  return (
    <div class="card" id="unusual">
      <span class="badge private">unusual</span> This publish was unusual:
      <ul>
        {version.flags.map((flag) => (
          <li class="unusual-flag" data-flag={flag}>{describeFlag(flag, previous)}</li>
        ))}
      </ul>
    </div>
  );
}

/** For owners: the versions held for approval, each with Approve and Reject forms. */
export function HeldCard({ pkg, held, csrf }: { pkg: PackageDto; held: HeldVersionDto[]; csrf: string }) {
  const pending = held.filter((h) => h.rejectedAt === null);
  if (pending.length === 0) return null;
  return (
    <div class="card" id="held">
      <div>Held for approval</div>
      {pending.map((h) => (
        <div class="held-version" id={`held-${h.version}`}>
          <p>
            <strong>{h.version}</strong> by {h.publisher}
            {h.provenance?.commit ? <> from <code>{h.provenance.commit.slice(0, 12)}</code></> : null}
          </p>
          <ul>
            {h.flags.map((flag) => <li>{describeFlag(flag)}</li>)}
          </ul>
          <form method="post" action={`/flock/${pkg.org}/${pkg.name}/${h.version}/approve`}>
            <Csrf value={csrf} />
            <button type="submit">Approve {h.version}</button>
          </form>
          <form method="post" action={`/flock/${pkg.org}/${pkg.name}/${h.version}/reject`} class="spaced">
            <Csrf value={csrf} />
            <button type="submit" class="danger">Reject {h.version}</button>
          </form>
        </div>
      ))}
    </div>
  );
}
