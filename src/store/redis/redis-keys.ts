/**
 * The store's keys. They share one hash tag, `{q}`, so that a Redis Cluster keeps them on one slot
 * and the Lua scripts that touch several at once stay atomic there. Every script gets the same
 * fixed list (`KEYS[1..n]` below, named in `LUA_KEYS`); only the inbox adds one key per event uuid.
 */
export const KEY_NAMES = [
  "seq", // counter: enqueue order
  "token", // counter: fencing tokens
  "pending", // hash: user -> the pending change (JSON)
  "all:live", // zset: users pending in the live lane, by enqueue time
  "all:bulk",
  "ready:live", // zset: due users of the lane, by enqueue order
  "ready:bulk",
  "waiting", // zset: leased or backing-off users, by the time they become due
  "dead", // hash: user -> dead letter (JSON)
  "dead:at", // zset: dead letters by time
  "users", // hash: user -> what was written to Genesys (JSON)
  "runs", // hash: reconcile run id -> run (JSON)
  "runs:order", // zset: runs by start time
  "runs:unfinished", // string: the id of the run that has not finished
  "snapshot", // hash: Genesys id -> user JSON, for the unfinished run
  "snapshot:matched", // set: Genesys ids an Okta user claimed
  "snapshot:run", // string: the run the snapshot belongs to
  "groups", // hash: Okta group id -> the pending group (JSON)
  "owners", // hash: Genesys id -> Okta user id (checked against `users` when read)
] as const;

export function storeKeys(prefix: string): string[] {
  return KEY_NAMES.map((name) => `${prefix}{q}:${name}`);
}

/** The key that remembers an event uuid for deduplication, in the same slot as the rest. */
export function eventKey(prefix: string, uuid: string): string {
  return `${prefix}{q}:evt:${uuid}`;
}

/** Lua names for the fixed keys, as locals every script starts with. */
export const LUA_KEYS = `local K = {}
${KEY_NAMES.map((name, i) => `K[${JSON.stringify(name)}] = KEYS[${i + 1}]`).join("\n")}
`;
