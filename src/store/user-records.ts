/** What the bridge knows of a user in Genesys. */
export interface UserRecord {
  oktaUserId: string;
  genesysId: string | undefined;
  /** Hash of the last SCIM body written, so that an unchanged profile costs no request. */
  bodyHash: string | undefined;
  deleted: boolean;
  /**
   * The owned attributes as Genesys held them after the last write (JSON, opaque to the store), so
   * the next write PATCHes only what changed since. Absent: the user is read from Genesys first.
   */
  written?: string;
  /** The Genesys version (ETag) after that write, sent as If-Match with the next PATCH. */
  version?: string;
}

/** Okta user id → what was last written to Genesys for that user. */
export interface UserRecords {
  getUser(oktaUserId: string): Promise<UserRecord | undefined>;
  saveUser(record: UserRecord): Promise<void>;
  /** Genesys id → Okta user id, for the given ids the bridge knows (deleted users left out). */
  ownersOf(genesysIds: readonly string[]): Promise<Map<string, string>>;
}
