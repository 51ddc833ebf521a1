import type { Redis } from "../../redis/redis-connection.ts";
import type { UserRecord, UserRecords } from "../user-records.ts";

interface StoredUser {
  g?: string;
  h?: string;
  d?: 1;
  w?: string;
  v?: string;
}

/** A user record as the `users` hash keeps it (short names: there is one per user). */
export function userJson(record: UserRecord): string {
  const stored: StoredUser = {};
  if (record.genesysId !== undefined) stored.g = record.genesysId;
  if (record.bodyHash !== undefined) stored.h = record.bodyHash;
  if (record.deleted) stored.d = 1;
  if (record.written !== undefined) stored.w = record.written;
  if (record.version !== undefined) stored.v = record.version;
  return JSON.stringify(stored);
}

/**
 * `owners` (Genesys id → Okta user id) is written with each record and never cleaned: a reader checks
 * every hit against the user's current record, so an entry left by a changed or deleted user is ignored.
 */
export function createRedisUserRecords(redis: Redis, usersKey: string, ownersKey: string): UserRecords {
  return {
    async ownersOf(genesysIds) {
      const owners = new Map<string, string>();
      if (genesysIds.length === 0) return owners;
      const candidates = await redis.hmget(ownersKey, ...genesysIds);
      const hits = genesysIds.flatMap((g, i) => (candidates[i] ? [[g, candidates[i]] as const] : []));
      if (hits.length === 0) return owners;
      const records = await redis.hmget(usersKey, ...hits.map(([, u]) => u));
      hits.forEach(([genesysId, oktaUserId], i) => {
        const raw = records[i];
        const stored = raw ? (JSON.parse(raw) as StoredUser) : undefined;
        if (stored?.g === genesysId && stored.d !== 1) owners.set(genesysId, oktaUserId);
      });
      return owners;
    },
    async getUser(oktaUserId) {
      const raw = await redis.hget(usersKey, oktaUserId);
      if (raw === null) return undefined;
      const stored = JSON.parse(raw) as StoredUser;
      return {
        oktaUserId,
        genesysId: stored.g,
        bodyHash: stored.h,
        deleted: stored.d === 1,
        ...(stored.w === undefined ? {} : { written: stored.w }),
        ...(stored.v === undefined ? {} : { version: stored.v }),
      };
    },
    async saveUser(record) {
      const write = redis.multi().hset(usersKey, record.oktaUserId, userJson(record));
      if (record.genesysId !== undefined && !record.deleted)
        write.hset(ownersKey, record.genesysId, record.oktaUserId);
      await write.exec();
    },
  };
}
