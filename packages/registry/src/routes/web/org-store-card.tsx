import type { OrgStoreStatus } from '../../services/org-stores.js';
import { Csrf } from './account-page.js';

/** The org's Catalog Store on its page: status for members, the settings form for owners. Never a credential. */
export function OrgStoreCard({ org, store, owner, csrf }: { org: string; store: OrgStoreStatus; owner: boolean; csrf: string }) {
  return (
    <div class="card" id="store">
      <h2>Catalog Store</h2>
      {store.configured ? (
        <p id="store-status">
          Packages of {org} are stored in <code>s3://{store.bucket}{store.prefix ? `/${store.prefix}` : ''}</code> at <code>{store.endpoint}</code> ({store.region}):
          configured, last checked <time datetime={store.checkedAt}>{store.checkedAt?.replace('T', ' ').slice(0, 16)}</time>. Downloads come straight from it.
        </p>
      ) : (
        <p class="muted" id="store-status">Packages of {org} are stored by the registry.</p>
      )}
      {owner ? (
        <>
          <form method="post" action={`/flock/${org}/store`}>
            <Csrf value={csrf} />
            <div class="row">
              <label>Endpoint<input name="endpoint" type="url" required placeholder="https://s3.eu-west-1.amazonaws.com" value={store.endpoint ?? ''} /></label>
              <label>Bucket<input name="bucket" required value={store.bucket ?? ''} /></label>
              <label>Region<input name="region" required value={store.region ?? 'us-east-1'} /></label>
              <label>Prefix (optional)<input name="prefix" value={store.prefix ?? ''} /></label>
            </div>
            <div class="row">
              <label>Access key id<input name="accessKeyId" required autocomplete="off" /></label>
              <label>Secret access key<input name="secretAccessKey" type="password" required autocomplete="new-password" /></label>
            </div>
            <p class="muted">The registry writes and deletes a probe object to check the store, then keeps the secret encrypted; it is never shown again.</p>
            <button type="submit">{store.configured ? 'Replace store' : 'Use this store'}</button>
          </form>
          {store.configured ? (
            <form method="post" action={`/flock/${org}/store/remove`}>
              <Csrf value={csrf} />
              <button type="submit" class="danger">Go back to the registry's store</button>
            </form>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
