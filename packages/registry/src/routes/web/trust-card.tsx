import { formatClaimRules, type PublishersDto, type TrustedPublisherDto } from '@flock/core';
import type { OrgSettingsDto } from '../../services/publish-settings.js';
import { Csrf } from './account-page.js';

/** What an owner sees of a package's publishing: who can publish it, its trusted publishers, its setting. */
export interface PackagePublishingView {
  publishers: PublishersDto;
  /** The registry's origin: the audience `flock publish` asks CI issuers for. */
  audience: string;
  csrf: string;
  error: string | null;
}

/** The org-wide trusted publishers and the org's publishing settings, for its owners (form errors show at the page's top). */
export interface OrgPublishingView {
  publishers: TrustedPublisherDto[];
  settings: OrgSettingsDto;
  audience: string;
  csrf: string;
}

const rules = (p: TrustedPublisherDto) => formatClaimRules(p.claims);
const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '—');

function PublisherTable({ publishers, base, csrf, removable }: { publishers: TrustedPublisherDto[]; base: string; csrf: string; removable: (p: TrustedPublisherDto) => boolean }) {
  if (publishers.length === 0) return <p class="muted" id="no-trusted-publishers">No trusted publishers.</p>;
  return (
    <div class="scroll">
      <table id="trusted-publishers">
        <tr><th>Package</th><th>Issuer</th><th>Audience</th><th>Claim rules</th><th><span class="sr-only">Actions</span></th></tr>
        {publishers.map((p) => (
          <tr data-publisher={p.id}>
            <td>{p.package ?? 'any package'}{p.pending ? <span class="badge">pending</span> : null}</td>
            <td><code>{p.issuer}</code></td>
            <td><code>{p.audience}</code></td>
            <td><code>{rules(p)}</code></td>
            <td class="nowrap">
              {/* An org-wide publisher listed on a package page is removed on the org page, which owns it. */}
              {removable(p) ? (
                <form class="inline" method="post" action={`${base}/trusted-publishers/${p.id}/remove`}>
                  <Csrf value={csrf} /><button class="danger small" type="submit">Remove</button>
                </form>
              ) : <a href={`/flock/${p.org}#trust`}>org-wide</a>}
            </td>
          </tr>
        ))}
      </table>
    </div>
  );
}

function AddPublisherForm({ base, audience, csrf }: { base: string; audience: string; csrf: string }) {
  return (
    <form method="post" action={`${base}/trusted-publishers`} class="spaced" id="add-trusted-publisher">
      <Csrf value={csrf} />
      <div class="row">
        <div><label for="tp-issuer">Issuer</label><input id="tp-issuer" name="issuer" type="url" required placeholder="https://token.actions.githubusercontent.com" /></div>
        <div><label for="tp-audience">Audience</label><input id="tp-audience" name="audience" type="text" required value={audience} /></div>
      </div>
      <div>
        <label for="tp-claims">Claim rules, one <code>name=value</code> a line</label>
        <textarea id="tp-claims" name="claims" rows={3} cols={50} required placeholder={'repository=acme/palette\nref=refs/heads/main'}></textarea>
      </div>
      <button type="submit">Add trusted publisher</button>
    </form>
  );
}

function WhoCanPublish({ list }: { list: PublishersDto }) {
  return (
    <div id="who-can-publish">
      <h3>Who can publish</h3>
      <p>People (any member may publish with a browser session or a token they mint):</p>
      <ul id="publish-people">{list.people.map((p) => <li data-user={p.username}>{p.username}{p.role === 'owner' ? <span class="badge">owner</span> : null}</li>)}</ul>
      <p>Tokens:</p>
      {!list.tokenPublishes ? <p class="muted" id="tokens-refused">None: trusted publishing only is on, so token publishes are refused.</p>
        : list.tokens.length === 0 ? <p class="muted" id="no-publish-tokens">None.</p> : (
          <div class="scroll">
            <table id="publish-tokens">
              <tr><th>Name</th><th>Owner</th><th>Scopes</th><th>Last used</th><th>Expires</th></tr>
              {list.tokens.map((t) => <tr data-token={t.id}><td>{t.name}</td><td>{t.owner}</td><td>{t.scopes.join(', ')}</td><td>{day(t.lastUsedAt)}</td><td>{t.expiresAt ? day(t.expiresAt) : 'never'}</td></tr>)}
            </table>
          </div>
        )}
      {list.shortLivedTokens.length > 0 ? (
        <>
          <p>Short-lived tokens from trusted publishers, not used yet:</p>
          <ul id="short-lived-tokens">{list.shortLivedTokens.map((t) => <li data-oidc-token={t.id}>{t.publisher}, expires <time datetime={t.expiresAt}>{t.expiresAt.replace('T', ' ').slice(0, 19)}</time></li>)}</ul>
        </>
      ) : null}
    </div>
  );
}

/** A package page's publishing section, for org owners only. */
export function PackagePublishingCard({ view }: { view: PackagePublishingView }) {
  const { publishers: list, csrf } = view;
  const base = `/flock/${list.package}`;
  return (
    <section class="card" id="publishing">
      <h2>Publishing</h2>
      {view.error ? <p class="notice error" id="error">{view.error}</p> : null}
      <WhoCanPublish list={list} />
      <h3>Trusted publishers</h3>
      <PublisherTable publishers={list.trustedPublishers} base={base} csrf={csrf} removable={(p) => p.package !== null} />
      <AddPublisherForm base={base} audience={view.audience} csrf={csrf} />
      <form method="post" action={`${base}/settings`} class="spaced" id="package-settings">
        <Csrf value={csrf} />
        <div class="checks">
          <label><input type="checkbox" name="trustedPublishingOnly" value="on" checked={list.settings.trustedPublishingOnly} />Trusted publishing only: refuse publishes with a token or a session</label>
        </div>
        {list.settings.orgTrustedPublishingOnly ? <p class="muted">The org's own setting refuses them for every package already.</p> : null}
        <button type="submit" class="secondary">Save</button>
      </form>
    </section>
  );
}

/** The org page's trusted publishing section, for owners only. */
export function OrgPublishingCard({ org, view }: { org: string; view: OrgPublishingView }) {
  const base = `/flock/${org}`;
  return (
    <div class="card" id="trust">
      <h2>Trusted publishing</h2>
      <p class="muted">CI identities that may publish any package of {org} without a token. Per-package ones are on each package's page.</p>
      <PublisherTable publishers={view.publishers} base={base} csrf={view.csrf} removable={() => true} />
      <AddPublisherForm base={base} audience={view.audience} csrf={view.csrf} />
      <form method="post" action={`${base}/settings`} class="spaced" id="org-settings">
        <Csrf value={view.csrf} />
        <div class="checks">
          <label><input type="checkbox" name="trustedPublishingOnly" value="on" checked={view.settings.trustedPublishingOnly} />Trusted publishing only, for every package</label>
          <label><input type="checkbox" name="holdUnusual" value="on" checked={view.settings.holdUnusual} />Hold unusual publishes for an owner's approval</label>
        </div>
        <button type="submit" class="secondary">Save settings</button>
      </form>
    </div>
  );
}
