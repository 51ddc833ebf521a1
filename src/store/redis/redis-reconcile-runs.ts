import type { RedisScript } from "../../redis/redis-script.ts";
import type { ReconcileRunRecord, ReconcileRuns } from "../reconcile-runs.ts";
import type { UserChange } from "../user-change.ts";
import { toLua } from "./redis-queue.ts";
import { userJson } from "./redis-user-records.ts";

export interface ReconcileScripts {
  begin: RedisScript;
  checkpoint: RedisScript;
  genesysPage: RedisScript;
  snapshot: RedisScript;
  oktaPage: RedisScript;
  finish: RedisScript;
  read: RedisScript;
}

interface StoredRun {
  id: string;
  startedAt: number;
  finishedAt?: number;
  checkpoint: string;
  report?: string;
}

/** Reconcile runs on Redis; every page is one script, so a crash resumes from a consistent checkpoint. */
export function createRedisReconcileRuns(
  scripts: ReconcileScripts,
  keys: readonly string[],
  now: () => number,
  coalesce: (changes: Iterable<UserChange>) => Map<string, UserChange>,
): ReconcileRuns {
  const read = async (which: "unfinished" | "latest"): Promise<ReconcileRunRecord | undefined> => {
    const reply = await scripts.read.run(keys, [which]);
    if (reply === null) return undefined;
    const run = JSON.parse(String(reply)) as StoredRun;
    return {
      id: run.id,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      checkpoint: run.checkpoint,
      report: run.report,
    };
  };
  return {
    unfinishedReconcileRun: () => read("unfinished"),
    latestReconcileRun: () => read("latest"),
    async beginReconcileRun(id, startedAt, checkpoint) {
      await scripts.begin.run(keys, [id, startedAt, checkpoint]);
    },
    async saveReconcileCheckpoint(id, checkpoint) {
      await scripts.checkpoint.run(keys, [id, checkpoint]);
    },
    async addReconcileGenesysPage(id, users, checkpoint) {
      const pairs = users.map((u) => [u.genesysId, u.json]);
      await scripts.genesysPage.run(keys, [id, checkpoint, JSON.stringify(pairs)]);
    },
    async reconcileSnapshot(id) {
      const rows = JSON.parse(String(await scripts.snapshot.run(keys, [id]))) as [string, string, number][];
      return rows.map(([genesysId, json, matched]) => ({ genesysId, json, matched: matched === 1 }));
    },
    async commitReconcileOktaPage(id, page) {
      const changes = [...coalesce(page.changes).values()].map(toLua);
      const users = page.users.map((u) => [u.oktaUserId, userJson(u)]);
      await scripts.oktaPage.run(keys, [
        id,
        page.checkpoint,
        now(),
        JSON.stringify(changes),
        JSON.stringify(users),
        JSON.stringify(page.matchedGenesysIds),
      ]);
    },
    async finishReconcileRun(id, finishedAt, report) {
      await scripts.finish.run(keys, [id, finishedAt, report]);
    },
  };
}
