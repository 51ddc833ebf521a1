/** What the bridge knows of a user in Genesys. */
export interface UserRecord {
  oktaUserId: string;
  genesysId: string | undefined;
  /** Hash of the last SCIM body written, so that an unchanged profile costs no request. */
  bodyHash: string | undefined;
  deleted: boolean;
}

/** Okta user id → what was last written to Genesys for that user. */
export interface UserRecords {
  getUser(oktaUserId: string): Promise<UserRecord | undefined>;
  saveUser(record: UserRecord): Promise<void>;
}
