import type { Database } from "better-sqlite3";
import type { UserRecord, UserRecords } from "../user-records.ts";

interface UserRow {
  genesys_id: string | null;
  body_hash: string | null;
  deleted: number;
  written: string | null;
  version: string | null;
}

/** Also used inside the reconcile's page transaction, hence the synchronous `save`. */
export function createSqliteUserRecords(db: Database): UserRecords & { save(record: UserRecord): void } {
  const select = db.prepare(
    "SELECT genesys_id, body_hash, deleted, written, version FROM users WHERE okta_user_id = ?",
  );
  const upsert = db.prepare(
    `INSERT INTO users (okta_user_id, genesys_id, body_hash, deleted, written, version) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (okta_user_id) DO UPDATE SET genesys_id = excluded.genesys_id,
       body_hash = excluded.body_hash, deleted = excluded.deleted,
       written = excluded.written, version = excluded.version`,
  );
  const save = (record: UserRecord) => {
    upsert.run(
      record.oktaUserId,
      record.genesysId ?? null,
      record.bodyHash ?? null,
      record.deleted ? 1 : 0,
      record.written ?? null,
      record.version ?? null,
    );
  };
  const owners = db.prepare(
    "SELECT value AS genesys_id, okta_user_id FROM json_each(?) JOIN users ON users.genesys_id = value WHERE deleted = 0",
  );
  return {
    save,
    async ownersOf(genesysIds) {
      const rows = owners.all(JSON.stringify(genesysIds)) as { genesys_id: string; okta_user_id: string }[];
      return new Map(rows.map((row) => [row.genesys_id, row.okta_user_id]));
    },
    async getUser(oktaUserId) {
      const row = select.get(oktaUserId) as UserRow | undefined;
      if (!row) return undefined;
      return {
        oktaUserId,
        genesysId: row.genesys_id ?? undefined,
        bodyHash: row.body_hash ?? undefined,
        deleted: row.deleted === 1,
        ...(row.written === null ? {} : { written: row.written }),
        ...(row.version === null ? {} : { version: row.version }),
      };
    },
    async saveUser(record) {
      save(record);
    },
  };
}
