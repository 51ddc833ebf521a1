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

export function createRedisUserRecords(redis: Redis, usersKey: string): UserRecords {
  return {
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
      await redis.hset(usersKey, record.oktaUserId, userJson(record));
    },
  };
}
