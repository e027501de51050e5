import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { AccountStore, Flavor } from './store.js';

interface Entry {
  payload: AdapterPayload;
  expiresAt: number | undefined;
}

/** In-memory storage of oidc-provider's short-lived artifacts, shared by all models of one issuer. */
class ArtifactStorage {
  readonly entries = new Map<string, Entry>();
  readonly byUserCode = new Map<string, string>();
  readonly byUid = new Map<string, string>();
  readonly byGrant = new Map<string, Set<string>>();

  get(key: string): AdapterPayload | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }
}

/**
 * An oidc-provider adapter: artifacts (sessions, codes, grants, refresh tokens) in memory;
 * `Client` looks service accounts up in the account store on every request, so a rotated,
 * revoked or deleted account fails client authentication at once.
 */
export function adapterFactory(flavor: Flavor, accounts: AccountStore): (name: string) => Adapter {
  const storage = new ArtifactStorage();
  return (name: string): Adapter => {
    const key = (id: string) => `${name}:${id}`;
    if (name === 'Client') {
      return {
        async find(id) {
          const account = accounts.byClientId(flavor, id);
          if (!account || account.status !== 'active') return undefined;
          return {
            client_id: account.clientId,
            // The hash, not the secret: the issuer compares hashes (see issuer.ts).
            client_secret: account.secretHash,
            grant_types: account.grantTypes,
            response_types: [],
            redirect_uris: [],
            token_endpoint_auth_method: 'client_secret_post',
            scope: [...new Set(['openid', ...account.scopes])].join(' '),
          };
        },
        async upsert() {},
        async findByUid() {
          return undefined;
        },
        async findByUserCode() {
          return undefined;
        },
        async consume() {},
        async destroy() {},
        async revokeByGrantId() {},
      };
    }
    return {
      async upsert(id, payload, expiresIn) {
        storage.entries.set(key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
        if (payload.userCode) storage.byUserCode.set(payload.userCode, id);
        if (payload.uid) storage.byUid.set(payload.uid, id);
        if (payload.grantId) {
          const set = storage.byGrant.get(payload.grantId) ?? new Set<string>();
          set.add(key(id));
          storage.byGrant.set(payload.grantId, set);
        }
      },
      async find(id) {
        return storage.get(key(id));
      },
      async findByUserCode(userCode) {
        const id = storage.byUserCode.get(userCode);
        return id === undefined ? undefined : storage.get(key(id));
      },
      async findByUid(uid) {
        const id = storage.byUid.get(uid);
        return id === undefined ? undefined : storage.get(key(id));
      },
      async consume(id) {
        const payload = storage.get(key(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        storage.entries.delete(key(id));
      },
      async revokeByGrantId(grantId) {
        for (const k of storage.byGrant.get(grantId) ?? []) storage.entries.delete(k);
        storage.byGrant.delete(grantId);
      },
    };
  };
}
