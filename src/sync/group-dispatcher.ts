import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import { PermanentError, RetryLaterError, ThrottledError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { GroupQueue, PendingGroupWork } from "../store/store.ts";
import { fullJitterBackoffMs } from "../throttle/backoff.ts";
import type { GroupStatus } from "./group-status.ts";
import type { GroupSyncResult } from "./sync-group.ts";

export interface GroupDispatcherOptions {
  store: GroupQueue;
  sync: (work: PendingGroupWork) => Promise<GroupSyncResult>;
  status: GroupStatus;
  log: Logger;
  metrics?: Metrics;
  clock?: Clock;
  /** Groups synced at once: each reads a whole membership, and there are few groups. */
  concurrency?: number;
  /**
   * A group first queued is left this long for the rest of a burst to arrive (an import or a group
   * rule adds hundreds of members in seconds): the burst then costs one PATCH, not one per delivery.
   */
  settleMs?: number;
  pollMs?: number;
  leaseMs?: number;
}

export interface GroupDispatcher {
  start(): void;
  notify(): void;
  stop(): Promise<void>;
  /** Resolves when no group is pending or in flight (demo, tests, benchmark). */
  idle(): Promise<void>;
}

/**
 * Pulls pending groups from the store and syncs each, one worker per group at a time (leases).
 * One closure, longer than most, on purpose: the pump's flags, the active set, the timer and the idle waiters are
 * shared by every method below; split apart they would travel as mutable state.
 */
export function createGroupDispatcher(options: GroupDispatcherOptions): GroupDispatcher {
  const { store, log, status, metrics } = options;
  const clock = options.clock ?? systemClock;
  const concurrency = options.concurrency ?? 2;
  const settleMs = options.settleMs ?? 1_000;
  const leaseMs = options.leaseMs ?? 15 * 60_000;
  const active = new Map<string, Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let stopping = true;
  let pumping = false;
  let idleWaiters: (() => void)[] = [];

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (!stopping && active.size < concurrency) {
        const batch = await store.claimGroups({ limit: concurrency - active.size, leaseMs });
        if (batch.length === 0) break;
        for (const work of batch) {
          const running = run(work).finally(() => {
            active.delete(work.oktaGroupId);
            if (!stopping) void pump();
          });
          active.set(work.oktaGroupId, running);
        }
      }
    } catch (error) {
      log.error({ err: error }, "claiming pending groups failed");
    } finally {
      pumping = false;
    }
    if (active.size === 0 && idleWaiters.length > 0 && (await store.pendingGroups()) === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  async function run(work: PendingGroupWork): Promise<void> {
    const due = work.enqueuedAt + settleMs;
    if (work.attempts === 0 && clock.now() < due) {
      await store.rescheduleGroup(work, due, false);
      return;
    }
    try {
      const result = await options.sync(work);
      status.record(work.name, result, clock.now());
      metrics?.groupSyncs.inc({ result: result.kind });
      if (result.kind === "waiting") {
        log.info(
          { group: work.name, waitingFor: result.waitingFor.length },
          "group waits for members to be created",
        );
        await store.rescheduleGroup(
          work,
          clock.now() + fullJitterBackoffMs(work.attempts, 1_000, 60_000),
          true,
        );
        return;
      }
      if (result.kind === "missing") {
        log.warn(
          { group: work.name, genesysGroup: result.genesysGroup },
          "the Genesys group does not exist (SCIM cannot create groups): create it in Genesys; skipped",
        );
      } else log.info({ group: work.name, ...result }, "group synced");
      await store.completeGroup(work);
    } catch (error) {
      await failed(work, error);
    }
  }

  async function failed(work: PendingGroupWork, error: unknown): Promise<void> {
    const reason = (error as Error).message;
    metrics?.groupSyncs.inc({ result: "failed" });
    if (error instanceof RetryLaterError) {
      const notBefore = error.retryAt ?? clock.now() + fullJitterBackoffMs(work.attempts, 1_000, 300_000);
      await store.rescheduleGroup(work, notBefore, !(error instanceof ThrottledError));
      return;
    }
    // A group cannot be a dead letter: the failure is shown on the status page, and the next
    // membership event (or a reconcile) tries again.
    if (error instanceof PermanentError || work.attempts + 1 >= 8) {
      log.error({ group: work.name, reason }, "group sync failed; left until the group changes again");
      status.record(work.name, { kind: "failed", reason }, clock.now());
      await store.completeGroup(work);
      return;
    }
    log.warn({ group: work.name, reason }, "group sync failed; will retry");
    await store.rescheduleGroup(work, clock.now() + fullJitterBackoffMs(work.attempts, 1_000, 300_000), true);
  }

  return {
    start() {
      stopping = false;
      timer = setInterval(() => void pump(), options.pollMs ?? 250);
      timer.unref();
      void pump();
    },
    notify() {
      if (!stopping) void pump();
    },
    async stop() {
      stopping = true;
      if (timer) clearInterval(timer);
      await Promise.allSettled([...active.values()]);
    },
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        void pump();
      });
    },
  };
}
