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
              <div><label for="store-endpoint">Endpoint</label><input id="store-endpoint" name="endpoint" type="url" required placeholder="https://s3.eu-west-1.amazonaws.com" value={store.endpoint ?? ''} /></div>
              <div><label for="store-bucket">Bucket</label><input id="store-bucket" name="bucket" type="text" required value={store.bucket ?? ''} /></div>
              <div><label for="store-region">Region</label><input id="store-region" name="region" type="text" required value={store.region ?? 'us-east-1'} /></div>
              <div><label for="store-prefix">Prefix (optional)</label><input id="store-prefix" name="prefix" type="text" value={store.prefix ?? ''} /></div>
            </div>
            <div class="row">
              <div><label for="store-key-id">Access key id</label><input id="store-key-id" name="accessKeyId" type="text" required autocomplete="off" /></div>
              <div><label for="store-secret">Secret access key</label><input id="store-secret" name="secretAccessKey" type="password" required autocomplete="new-password" /></div>
            </div>
            <p class="muted">The registry writes and deletes a probe object to check the store, then keeps the secret encrypted; it is never shown again.</p>
            <button type="submit">{store.configured ? 'Replace store' : 'Use this store'}</button>
          </form>
          {store.configured ? (
            <form method="post" action={`/flock/${org}/store/remove`} class="spaced">
              <Csrf value={csrf} />
              <button type="submit" class="danger">Go back to the registry's store</button>
            </form>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
