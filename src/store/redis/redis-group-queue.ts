import type { RedisScript } from "../../redis/redis-script.ts";
import type { GroupQueue, PendingGroupWork } from "../group-queue.ts";
import type { LeaseOutcome } from "../work-queue.ts";

export interface GroupScripts {
  enqueue: RedisScript;
  claim: RedisScript;
  step: RedisScript;
  count: () => Promise<number>;
}

interface StoredGroup {
  n: string;
  v: number;
  e: number;
  a: number;
  t: number;
  lu: number;
}

/** The group queue on Redis: one Lua script per step (group-scripts.ts). */
export function createRedisGroupQueue(
  scripts: GroupScripts,
  keys: readonly string[],
  now: () => number,
): GroupQueue {
  const step = async (name: string, work: PendingGroupWork, ...rest: number[]) =>
    String(await scripts.step.run(keys, [name, now(), work.oktaGroupId, work.lease.token, ...rest]));
  return {
    async enqueueGroups(changes) {
      const groups = [...changes].map((c) => ({ i: c.oktaGroupId, n: c.name }));
      if (groups.length > 0) await scripts.enqueue.run(keys, [now(), JSON.stringify(groups)]);
    },
    async claimGroups({ limit, leaseMs }) {
      const reply = await scripts.claim.run(keys, [now(), limit, leaseMs]);
      return (JSON.parse(String(reply)) as [string, StoredGroup][]).map(([oktaGroupId, g]) => ({
        oktaGroupId,
        name: g.n,
        version: g.v,
        attempts: g.a,
        enqueuedAt: g.e,
        lease: { token: g.t, expiresAt: g.lu },
      }));
    },
    async completeGroup(work) {
      return (await step("complete", work, work.version)) as LeaseOutcome;
    },
    async rescheduleGroup(work, notBefore, countAttempt) {
      return (await step("reschedule", work, notBefore, countAttempt ? 1 : 0)) === "ok";
    },
    async releaseGroup(work) {
      return (await step("release", work)) === "ok";
    },
    pendingGroups: scripts.count,
  };
}
