import { LRUCache } from "lru-cache";
import type { Store, UserRecord } from "../store/store.ts";

export interface UserDirectory {
  get(oktaUserId: string): Promise<UserRecord | undefined>;
  save(record: UserRecord): Promise<void>;
}

/**
 * What the bridge knows of each user in Genesys (its id, the hash of the last body written), with an
 * LRU in front of the durable table: hot users — the ones a burst of updates hits again and again —
 * cost no store read. Bounded; an evicted user is read back from the store on demand.
 */
export function createUserDirectory(store: Store, options: { max?: number } = {}): UserDirectory {
  const max = options.max ?? 20_000;
  // max 0: no cache, every read goes to the store (shared with other replicas, so never stale).
  if (max === 0) return { get: (id) => store.getUser(id), save: (record) => store.saveUser(record) };
  const cache = new LRUCache<string, UserRecord>({ max });
  return {
    async get(oktaUserId) {
      const cached = cache.get(oktaUserId);
      if (cached) return cached;
      const record = await store.getUser(oktaUserId);
      if (record) cache.set(oktaUserId, record);
      return record;
    },
    async save(record) {
      await store.saveUser(record);
      cache.set(record.oktaUserId, record);
    },
  };
}
