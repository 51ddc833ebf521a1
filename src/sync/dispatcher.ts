import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { Lane } from "../lane.ts";
import type { PendingWork, Store } from "../store/store.ts";
import { settleFailedSync } from "./sync-failure.ts";
import type { SyncResult } from "./sync-user.ts";

export interface DispatcherOptions {
  store: Store;
  sync: (work: PendingWork) => Promise<SyncResult>;
  log: Logger;
  metrics?: Metrics;
  clock?: Clock;
  /** Users synced at once. Each mostly waits for the rate controller, so this is about keeping it fed. */
  concurrency: number;
  /**
   * Slots bulk (reconcile) work may never take, so that a live Okta event finds a free slot at once
   * even while thousands of bulk changes are queued. Default: a quarter of `concurrency`, at least 1.
   */
  liveReserve?: number;
  /** How often due work (retries whose time has come) is looked for when nothing wakes the dispatcher. */
  pollMs?: number;
  /**
   * How long a claimed user stays ours without renewal; renewed every third of it while the sync runs.
   * Work of a process that died is claimed again once its leases expire, so this bounds that delay.
   */
  leaseMs?: number;
  /** Unexpected errors (not transient, not permanent) dead-letter after this many tries. */
  maxUnexpectedAttempts?: number;
}

export interface Dispatcher {
  start(): void;
  /** New work was stored: look for it now rather than at the next poll. */
  notify(): void;
  /** Stops claiming, waits up to `graceMs` for syncs in flight, then gives the rest back to the store. */
  stop(graceMs: number): Promise<void>;
  inFlight(): number;
  /** Resolves when nothing is pending or in flight (demo, tests, benchmark). */
  idle(): Promise<void>;
  /** Calls `listener` with the result of every successful sync of work in `lane` (the reconcile counts its writes). */
  onSynced(lane: Lane, listener: (result: SyncResult) => void): void;
}

/**
 * Pulls coalesced user changes from the store and runs one sync per user at a time (the store
 * leases a user to one worker; an event that arrives meanwhile bumps the row's version, so the
 * user is synced once more afterwards and the newest state wins).
 * One closure, longer than most, on purpose: the slots in use, the pump's re-entry flags and the
 * timers are shared by every method below; split apart they would travel as mutable state.
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { store, log, metrics } = options;
  const clock = options.clock ?? systemClock;
  const pollMs = options.pollMs ?? 250;
  const leaseMs = options.leaseMs ?? 10_000;
  const maxUnexpected = options.maxUnexpectedAttempts ?? 8;
  const liveReserve = options.liveReserve ?? Math.max(1, Math.floor(options.concurrency / 4));
  // At least one slot, or bulk work would never run when concurrency is 1.
  const bulkLimit = Math.max(1, options.concurrency - liveReserve);
  const active = new Map<string, { work: PendingWork; running: Promise<void> }>();
  let bulkActive = 0;
  let started = false;
  let stopping = false;
  let pumping = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let renewTimer: NodeJS.Timeout | undefined;
  let idleWaiters: (() => void)[] = [];
  const syncedListeners: { lane: Lane; listener: (result: SyncResult) => void }[] = [];

  /** The store refused the last claim (Redis away): said once, and once more when it answers again. */
  let claimsFailing = false;

  async function pump(): Promise<void> {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        while (!stopping && active.size < options.concurrency) {
          const batch = await claim(options.concurrency - active.size);
          let started = 0;
          for (const work of batch) {
            if (active.has(work.oktaUserId)) continue; // our own lease, renewed: already running
            started++;
            const bulk = work.lane === "bulk";
            if (bulk) bulkActive++;
            const running = run(work).finally(() => {
              active.delete(work.oktaUserId);
              if (bulk) bulkActive--;
              if (!stopping) void pump();
            });
            active.set(work.oktaUserId, { work, running });
          }
          if (started === 0) break;
        }
      } while (again && !stopping);
      if (claimsFailing) log.info("claiming pending work again: syncs resume");
      claimsFailing = false;
    } catch (error) {
      // Every poll fails alike while the store is away: one line per outage, not four a second.
      if (!claimsFailing) log.error({ err: error }, "claiming pending work failed: syncs wait for the store");
      claimsFailing = true;
    } finally {
      pumping = false;
    }
    if (active.size === 0 && idleWaiters.length > 0) await checkIdle();
  }

  /** Live work first; bulk work only into the slots outside the live reserve. */
  async function claim(free: number): Promise<PendingWork[]> {
    const bulkRoom = Math.max(0, bulkLimit - bulkActive);
    if (bulkRoom >= free) return store.claim({ limit: free, leaseMs });
    const live = await store.claim({ limit: free, leaseMs, lane: "live" });
    const room = Math.min(free - live.length, bulkRoom);
    if (room <= 0) return live;
    return [...live, ...(await store.claim({ limit: room, leaseMs, lane: "bulk" }))];
  }

  async function checkIdle() {
    const stats = await store.stats();
    if (stats.pending === 0 && active.size === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  async function run(work: PendingWork): Promise<void> {
    try {
      const result = await options.sync(work);
      metrics?.syncs.inc({ result });
      for (const l of syncedListeners) if (l.lane === work.lane) l.listener(result);
      const outcome = await store.complete(work);
      log.debug({ user: work.oktaUserId, result, outcome }, "user synced");
    } catch (error) {
      await handleFailure(work, error);
    }
  }

  async function handleFailure(work: PendingWork, error: unknown): Promise<void> {
    if (stopping) await store.release(work);
    else
      await settleFailedSync(work, error, clock.now(), {
        store,
        log,
        metrics,
        maxUnexpectedAttempts: maxUnexpected,
      });
  }

  return {
    start() {
      started = true;
      stopping = false;
      timer = setInterval(() => void pump(), pollMs);
      timer.unref();
      renewTimer = setInterval(
        () => void renewLeases([...active.values()], { store, log, leaseMs }),
        leaseMs / 3,
      );
      renewTimer.unref();
      void pump();
    },
    notify() {
      if (started && !stopping) void pump();
    },
    async stop(graceMs) {
      stopping = true;
      if (timer) clearInterval(timer);
      const settled = await settledWithin(
        [...active.values()].map((a) => a.running),
        graceMs,
      );
      if (renewTimer) clearInterval(renewTimer);
      if (!settled) {
        log.warn({ inFlight: active.size }, "shutdown grace over; leaving the rest pending");
        // Given back so the next start syncs them at once; these syncs can no longer commit anything.
        await Promise.allSettled([...active.values()].map(({ work }) => store.release(work)));
      }
    },
    inFlight: () => active.size,
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        void pump();
      });
    },
    onSynced(lane, listener) {
      syncedListeners.push({ lane, listener });
    },
  };
}

/** Keeps the leases of the syncs in flight; a lost one is logged, and its sync's outcome is refused. */
async function renewLeases(
  syncs: readonly { work: PendingWork }[],
  deps: { store: Pick<Store, "renew">; log: Logger; leaseMs: number },
): Promise<void> {
  for (const { work } of syncs) {
    const lease = await deps.store.renew(work, deps.leaseMs).catch((error: unknown) => {
      deps.log.error({ err: error, user: work.oktaUserId }, "renewing a lease failed");
      return work.lease;
    });
    if (lease === undefined) deps.log.warn({ user: work.oktaUserId }, "lease lost while syncing");
    else work.lease = lease;
  }
}

/** True when every promise settled within `ms`; false when the time ran out first. */
async function settledWithin(promises: readonly Promise<unknown>[], ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const all = Promise.allSettled(promises).then(() => true as const);
  try {
    return await Promise.race([all, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
