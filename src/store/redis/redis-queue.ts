import type { RedisScript, ScriptArg } from "../../redis/redis-script.ts";
import type { DeadLetter, DeadLetters } from "../dead-letters.ts";
import type { EventInbox, InboxDelivery } from "../event-inbox.ts";
import type { UserChange } from "../user-change.ts";
import type { LeaseOutcome, PendingWork, WorkQueue } from "../work-queue.ts";

/** A change as the Lua side reads it (pending-lua.ts). */
export interface LuaChange {
  u: string;
  a: string;
  l: string;
  p: string;
  c: 0 | 1;
}

export const toLua = (change: UserChange): LuaChange => ({
  u: change.oktaUserId,
  a: change.action,
  l: change.lane,
  p: change.published,
  c: change.created ? 1 : 0,
});

interface StoredPending {
  a: PendingWork["action"];
  l: PendingWork["lane"];
  v: number;
  c: number;
  eq: number;
  n: number;
  t: number;
  lu: number;
}

export interface QueueScripts {
  accept: RedisScript;
  enqueue: RedisScript;
  claim: RedisScript;
  holderStep: RedisScript;
  retryDead: RedisScript;
  listDead: RedisScript;
  stats: RedisScript;
}

export interface RedisQueueOptions {
  scripts: QueueScripts;
  keys: readonly string[];
  eventKey: (uuid: string) => string;
  now: () => number;
  eventRetentionMs: number;
  /** coalescer.ts's coalesceChanges: changes that arrive together fold into one per user first. */
  coalesce: (changes: Iterable<UserChange>) => Map<string, UserChange>;
}

/** The inbox, the work queue and the dead letters on Redis: one Lua script per step (store-scripts.ts). */
export function createRedisQueue(options: RedisQueueOptions): EventInbox & WorkQueue & DeadLetters {
  const { scripts, keys, now } = options;
  const step = async (name: string, work: PendingWork, ...rest: ScriptArg[]) =>
    String(await scripts.holderStep.run(keys, [name, now(), work.oktaUserId, work.lease.token, ...rest]));

  return {
    async accept(delivery: InboxDelivery) {
      const events = delivery.events.map((e) => ({
        ...(e.change === undefined ? {} : toLua(e.change)),
        ...(e.group === undefined ? {} : { g: { i: e.group.oktaGroupId, n: e.group.name } }),
      }));
      const eventKeys = delivery.events.map((e) => options.eventKey(e.uuid));
      const [stored, queued, duplicates] = (await scripts.accept.run(
        [...keys, ...eventKeys],
        [now(), options.eventRetentionMs, delivery.id, JSON.stringify(events)],
      )) as [number, number, number];
      return { stored, queued, duplicates };
    },
    async enqueue(changes) {
      const merged = [...options.coalesce(changes).values()].map(toLua);
      if (merged.length > 0) await scripts.enqueue.run(keys, [now(), JSON.stringify(merged)]);
    },
    async claim({ limit, leaseMs, lane }) {
      const reply = await scripts.claim.run(keys, [now(), limit, leaseMs, lane ?? ""]);
      return (JSON.parse(String(reply)) as [string, StoredPending][]).map(([oktaUserId, p]) => ({
        oktaUserId,
        action: p.a,
        lane: p.l,
        version: p.v,
        created: p.c === 1,
        attempts: p.n,
        enqueuedAt: p.eq,
        lease: { token: p.t, expiresAt: p.lu },
      }));
    },
    async renew(work, leaseMs) {
      const reply = await step("renew", work, leaseMs);
      return reply === "lost" ? undefined : { token: work.lease.token, expiresAt: Number(reply) };
    },
    async complete(work) {
      return (await step("complete", work, work.version)) as LeaseOutcome;
    },
    async reschedule(work, notBefore, countAttempt) {
      return (await step("reschedule", work, notBefore, countAttempt ? 1 : 0)) === "ok";
    },
    async release(work) {
      return (await step("release", work)) === "ok";
    },
    async pendingInLane(lane) {
      const counts = await queueCounts(scripts.stats, keys);
      return lane === "live" ? counts.live : counts.bulk;
    },
    async deadLetter(work, status, reason, at) {
      return (await step("dead", work, work.version, status ?? "", reason, at)) as LeaseOutcome;
    },
    async listDeadLetters(limit) {
      const reply = await scripts.listDead.run(keys, [limit]);
      return (JSON.parse(String(reply)) as [string, Omit<DeadLetter, "oktaUserId">][]).map(
        ([oktaUserId, d]) => ({
          oktaUserId,
          action: d.action,
          status: d.status ?? undefined,
          reason: d.reason,
          attempts: d.attempts,
          at: d.at,
        }),
      );
    },
    async retryDeadLetters(oktaUserId, at) {
      return Number(await scripts.retryDead.run(keys, [now(), new Date(at).toISOString(), oktaUserId ?? ""]));
    },
  };
}

/** Pending users per lane (leased included), the oldest enqueue time, and dead letters. */
export async function queueCounts(stats: RedisScript, keys: readonly string[]) {
  const [live, bulk, oldestLive, oldestBulk, dead] = (await stats.run(keys, [])) as [
    number,
    number,
    string,
    string,
    number,
  ];
  const oldest = [oldestLive, oldestBulk].filter((v) => v !== "").map(Number);
  return {
    live,
    bulk,
    oldestEnqueuedAt: oldest.length === 0 ? undefined : Math.min(...oldest),
    deadLetters: dead,
  };
}
