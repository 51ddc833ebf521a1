import type { Database } from "better-sqlite3";

/** Reserves `count` numbers of a named sequence kept in the file; returns the first. Call inside a transaction. */
export type ReserveNumbers = (name: "seq" | "lease", count: number) => number;

export function createCounters(db: Database): ReserveNumbers {
  const bump = db.prepare("UPDATE counters SET value = value + ? WHERE name = ? RETURNING value").pluck();
  return (name, count) => (bump.get(count, name) as number) - count + 1;
}
