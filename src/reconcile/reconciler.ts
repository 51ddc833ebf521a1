import { randomUUID } from "node:crypto";
import { systemClock, type Clock } from "../clock.ts";
import { RetryLaterError } from "../errors.ts";
import { SCIM_MAX_PAGE, type GenesysClient } from "../genesys/genesys-client.ts";
import type { ScimUserResource } from "../genesys/scim-user.ts";
import type { Logger } from "../log.ts";
import type { OktaClient } from "../okta/okta-client.ts";
import type { Store, UserChange, UserRecord } from "../store/store.ts";
import type { Dispatcher } from "../sync/dispatcher.ts";
import type { SyncResult } from "../sync/sync-user.ts";
import type { UserDirectory } from "../sync/user-directory.ts";
import { fullJitterBackoffMs } from "../throttle/backoff.ts";
import type { RateController } from "../throttle/rate-controller.ts";
import { GenesysSnapshot } from "./genesys-snapshot.ts";
import { initialCheckpoint, parseCheckpoint, type ReconcileCheckpoint } from "./reconcile-checkpoint.ts";
import { emptyPlan, judgeUser, tally, tallyUnknown, type Verdict } from "./reconcile-plan.ts";
import { remainingRequests, type ReconcileProgress } from "./reconcile-progress.ts";
import type { ReconcileReport } from "./reconcile-report.ts";

export interface ReconcilerOptions {
  store: Store;
  okta: OktaClient;
  genesys: GenesysClient;
  /** The directory the dispatcher's syncs use: its cache must see what the reconcile learns. */
  users: UserDirectory;
  log: Logger;
  clock?: Clock;
  /** Read for the 429s seen while a run goes on. */
  genesysController?: Pick<RateController, "state">;
  /** Woken when the run queues changes; tells the run of every bulk sync, so it can count its writes. */
  dispatcher: Pick<Dispatcher, "notify" | "onSynced">;
  /** Users per Okta page. Default 200 (Okta's maximum). */
  oktaPageSize?: number;
  /** How often the apply phase looks at the bulk lane. Default 100 ms. */
  pollMs?: number;
  /** Tries per listing page when Okta or Genesys keep failing transiently. Default 8. */
  maxPageAttempts?: number;
  newRunId?: () => string;
}

export interface ReconcileRunOptions {
  /** Compute and report the plan; write nothing (not to Genesys, not to the store). */
  dryRun?: boolean;
  /** Changes shown per kind in the plan. Default 10. */
  sample?: number;
  /** Stops the run; a real (not dry) run resumes from its checkpoint next time. */
  signal?: AbortSignal;
}

export interface StartedRun {
  runId: string;
  resumed: boolean;
  report: Promise<ReconcileReport>;
}

export interface Reconciler {
  /**
   * Lists Okta and Genesys, queues the users that differ in the bulk lane and resolves once the
   * dispatcher has applied them (a dry run resolves with the plan). Resumes an interrupted run
   * instead of starting anew; a dry run never resumes and is never resumed.
   */
  run(options?: ReconcileRunOptions): Promise<ReconcileReport>;
  /** Like run(), but resolves as soon as the run has an id (the admin API answers 202 with it). */
  start(options?: ReconcileRunOptions): Promise<StartedRun>;
  progress(): ReconcileProgress;
  /** Interrupts a running run (its checkpoint stays for the next one) and waits for it to stop. */
  stop(): Promise<void>;
}

/** A run is already going on: one at a time, since both would spend the same quota on the same users. */
export class ReconcileBusyError extends Error {
  override name = "ReconcileBusyError";
  constructor(readonly runId: string | undefined) {
    super(`a reconcile is already running${runId ? ` (${runId})` : ""}`);
  }
}

interface Session {
  runId: string;
  dryRun: boolean;
  cp: ReconcileCheckpoint;
  snapshot: GenesysSnapshot;
  state: ReconcileProgress["state"];
  error: string | null;
  startedAt: number;
  /** Genesys requests the run had spent before this session, for the session's rate. */
  requestsBefore: number;
  throttledBefore: number;
  controllerThrottledAtStart: number;
  /** Bulk changes still queued, as last counted. */
  pending: number;
  lastCount: number;
  abort: AbortController;
  settled: Promise<unknown>;
}

interface PageOutcome {
  changes: Pick<UserChange, "oktaUserId" | "created">[];
  /** Records for users the bridge knew nothing of: saved with the page. */
  users: UserRecord[];
  matched: string[];
}

type GenesysPage = Awaited<ReturnType<GenesysClient["listUsers"]>>;

/** Genesys listing pages requested ahead of the one being saved. */
const LISTING_PAGES_AHEAD = 4;

const WRITES: ReadonlySet<SyncResult> = new Set(["created", "updated", "deleted"]);

/**
 * Full reconcile of Okta and Genesys. Genesys requests are the scarce resource: the run spends the
 * listing pages (25 users each, active and inactive lists) and one write per differing user, nothing
 * more — it records every Genesys id it learns and the body hash of every user already in step, so
 * that neither the writes it queues nor later syncs need a lookup. All its requests and the changes
 * it queues go in the bulk lane, behind live Okta events, under the one rate controller per upstream.
 */
export function createReconciler(options: ReconcilerOptions): Reconciler {
  const { store, okta, genesys, users, log } = options;
  const clock = options.clock ?? systemClock;
  const oktaPageSize = options.oktaPageSize ?? 200;
  const pollMs = options.pollMs ?? 100;
  const maxPageAttempts = options.maxPageAttempts ?? 8;
  const newRunId = options.newRunId ?? (() => `rec_${randomUUID()}`);
  const controllerThrottled = () => options.genesysController?.state().throttled ?? 0;

  let busy = false;
  let session: Session | undefined;
  let lastReport: ReconcileReport | null = null;
  // What the store remembers, so that the status page shows the last run (or an interrupted one,
  // waiting to be resumed) after a restart.
  void store.latestReconcileRun().then(
    (run) => {
      if (run === undefined || session !== undefined) return;
      if (run.report !== undefined) lastReport = JSON.parse(run.report) as ReconcileReport;
      const cp = run.finishedAt === undefined ? parseCheckpoint(run.checkpoint) : undefined;
      if (cp) session = { ...dormant(run.id, cp), abort: new AbortController(), settled: Promise.resolve() };
    },
    () => undefined,
  );

  const save = (s: Session) => {
    refreshUsage(s);
    return store.saveReconcileCheckpoint(s.runId, JSON.stringify(s.cp));
  };
  const refreshUsage = (s: Session) => {
    s.cp.usage.throttled = s.throttledBefore + controllerThrottled() - s.controllerThrottledAtStart;
  };
  const countPending = async (s: Session) => {
    s.lastCount = clock.now();
    s.pending = await store.pendingInLane("bulk");
  };

  /** One listing page; throttling and outages are waited out, a permanent error ends the run. */
  async function page<T>(what: string, send: () => Promise<T>, signal: AbortSignal): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      signal.throwIfAborted();
      try {
        return await send();
      } catch (error) {
        if (!(error instanceof RetryLaterError) || attempt >= maxPageAttempts) throw error;
        const waitMs =
          error.retryAt === undefined
            ? fullJitterBackoffMs(attempt - 1, 1_000, 60_000, Math.random)
            : Math.max(0, error.retryAt - clock.now());
        log.warn({ what, attempt, waitMs, reason: error.message }, "reconcile listing will retry");
        await clock.sleep(waitMs, signal);
      }
    }
  }

  /**
   * Genesys pages of 25 (more may be refused), active users then inactive ones. Once a list's total
   * is known, a few pages are requested ahead so that the listing keeps up with the quota rather than
   * with the round trip; they are still taken, and saved with the cursor, strictly in order.
   */
  async function listGenesys(s: Session, signal: AbortSignal): Promise<void> {
    const g = s.cp.genesys;
    const ahead = new Map<string, Promise<GenesysPage>>();
    const fetchPage = (pass: "active" | "inactive", startIndex: number) => {
      const key = `${pass}:${startIndex}`;
      let pending = ahead.get(key);
      if (pending === undefined) {
        const filter = pass === "inactive" ? "active eq false" : undefined;
        pending = page(
          `Genesys ${pass} users from ${startIndex}`,
          () => genesys.listUsers(filter, startIndex, SCIM_MAX_PAGE, "bulk"),
          signal,
        ).then((answer) => {
          s.cp.usage.listingRequests += 1;
          return answer;
        });
        pending.catch(() => undefined); // awaited below, or dropped when the run stops
        ahead.set(key, pending);
      }
      return pending;
    };
    try {
      while (s.cp.phase === "genesys") {
        const { pass, startIndex } = g;
        const total = g.totals[pass];
        for (let i = 1; total !== null && i < LISTING_PAGES_AHEAD; i++) {
          const next = startIndex + i * SCIM_MAX_PAGE;
          if (next > total) break;
          void fetchPage(pass, next);
        }
        const answer = await fetchPage(pass, startIndex);
        ahead.delete(`${pass}:${startIndex}`);
        g.pages += 1;
        g.totals[pass] = answer.totalResults;
        g.listed[pass] += answer.users.length;
        const listed = answer.users.map(withoutMeta);
        for (const user of listed) s.snapshot.add(pass === "inactive" ? { ...user, active: false } : user);
        const next = startIndex + answer.users.length;
        if (answer.users.length > 0 && next <= answer.totalResults) g.startIndex = next;
        else if (pass === "active") Object.assign(g, { pass: "inactive", startIndex: 1 });
        else s.cp.phase = "okta";
        if (s.dryRun) continue;
        refreshUsage(s);
        await store.addReconcileGenesysPage(
          s.runId,
          listed.map((u) => ({ genesysId: u.id, json: JSON.stringify(u) })),
          JSON.stringify(s.cp),
        );
      }
    } finally {
      // Pages requested ahead that the list turned out not to need (it shrank meanwhile, or the run
      // stopped): let them land rather than leave requests behind.
      await Promise.allSettled(ahead.values());
    }
  }

  async function compareOkta(s: Session, signal: AbortSignal): Promise<void> {
    const o = s.cp.okta;
    while (s.cp.phase === "okta") {
      const deprovisioned = o.pass === "deprovisioned";
      const answer = await page(
        `Okta ${o.pass} users`,
        () =>
          okta.listUsersPage("bulk", {
            deprovisioned,
            pageSize: oktaPageSize,
            ...(o.next === null ? {} : { from: o.next }),
          }),
        signal,
      );
      const outcome: PageOutcome = { changes: [], users: [], matched: [] };
      for (const user of answer.users) {
        const verdict = judgeUser(user, s.snapshot);
        tally(s.cp.plan, verdict);
        const claimed = claimedGenesysId(verdict, s.snapshot);
        if (claimed !== undefined) {
          s.snapshot.match(claimed);
          outcome.matched.push(claimed);
        }
        if (!s.dryRun) await prepare(verdict, outcome);
      }
      const published = new Date(clock.now()).toISOString();
      const changes = outcome.changes.map((c): UserChange => ({
        ...c,
        lane: "bulk",
        action: "sync",
        published,
      }));
      o.pages += 1;
      o.users += answer.users.length;
      s.cp.enqueued += changes.length;
      if (answer.next !== undefined) o.next = answer.next;
      else if (!deprovisioned) Object.assign(o, { pass: "deprovisioned", next: null });
      else {
        tallyUnknown(s.cp.plan, s.snapshot);
        s.cp.phase = "applying";
      }
      if (s.dryRun) continue;
      refreshUsage(s);
      await store.commitReconcileOktaPage(s.runId, {
        changes,
        users: outcome.users,
        matchedGenesysIds: outcome.matched,
        checkpoint: JSON.stringify(s.cp),
      });
      if (changes.length > 0) options.dispatcher.notify();
      await countPending(s);
    }
  }

  /**
   * Records what the run learned so the sync it queues goes straight to the write: the Genesys id
   * (a PUT with no lookup), and for a user already in step the body hash (a later unchanged update
   * costs nothing). For a user to update, any stored hash is dropped: it may say "in step" about a
   * Genesys user someone changed since. A user the bridge has no record of is not in the directory's
   * cache either, so its record can be saved with the page (one transaction); a record that changes
   * goes through the directory, whose cache the dispatcher's syncs read.
   */
  async function prepare(verdict: Verdict, page: PageOutcome): Promise<void> {
    const { oktaUserId } = verdict;
    if (verdict.kind === "skipped" || verdict.kind === "conflict") return;
    const current = await users.get(oktaUserId);
    if (verdict.kind === "create") {
      page.changes.push({ oktaUserId, created: current === undefined });
      return;
    }
    const wanted: UserRecord = {
      oktaUserId,
      genesysId: verdict.genesysId,
      bodyHash: verdict.kind === "unchanged" ? verdict.bodyHash : undefined,
      deleted: false,
    };
    if (current === undefined) page.users.push(wanted);
    else if (
      current.deleted ||
      current.genesysId !== wanted.genesysId ||
      current.bodyHash !== wanted.bodyHash
    ) {
      await users.save(wanted);
    }
    if (verdict.kind !== "unchanged") page.changes.push({ oktaUserId, created: false });
  }

  async function awaitApplied(s: Session, signal: AbortSignal): Promise<void> {
    let lastSave = clock.now();
    for (;;) {
      await countPending(s);
      if (s.pending === 0) return;
      if (clock.now() - lastSave >= 2_000) {
        lastSave = clock.now();
        await save(s);
      }
      await clock.sleep(pollMs, signal);
    }
  }

  async function report(s: Session): Promise<ReconcileReport> {
    const { cp } = s;
    refreshUsage(s);
    const finishedAt = clock.now();
    const deadLetters = s.dryRun ? 0 : (await store.stats()).deadLetters - cp.deadLettersAtStart;
    return {
      runId: s.runId,
      dryRun: s.dryRun,
      resumes: cp.resumes,
      startedAt: new Date(cp.startedAt).toISOString(),
      finishedAt: new Date(finishedAt).toISOString(),
      durationSeconds: (finishedAt - cp.startedAt) / 1000,
      okta: { users: cp.okta.users, pages: cp.okta.pages },
      genesys: {
        users: cp.genesys.listed.active + cp.genesys.listed.inactive,
        active: cp.genesys.listed.active,
        inactive: cp.genesys.listed.inactive,
        pages: cp.genesys.pages,
      },
      plan: cp.plan,
      applied: { enqueued: cp.enqueued, writes: cp.usage.writes, deadLetters: Math.max(0, deadLetters) },
      genesysRequests: {
        listing: cp.usage.listingRequests,
        writes: cp.usage.writes,
        total: cp.usage.listingRequests + cp.usage.writes,
      },
      throttled: cp.usage.throttled,
    };
  }

  async function execute(s: Session, signal: AbortSignal): Promise<ReconcileReport> {
    try {
      if (s.cp.phase === "genesys") await listGenesys(s, signal);
      if (s.cp.phase === "okta") await compareOkta(s, signal);
      if (!s.dryRun) await awaitApplied(s, signal);
      const done = await report(s);
      if (!s.dryRun) await store.finishReconcileRun(s.runId, clock.now(), JSON.stringify(done));
      s.state = "done";
      lastReport = done;
      log.info(
        {
          runId: s.runId,
          dryRun: s.dryRun,
          counts: done.plan.counts,
          genesysRequests: done.genesysRequests.total,
        },
        "reconcile finished",
      );
      return done;
    } catch (error) {
      s.state = signal.aborted ? "interrupted" : "failed";
      s.error = error instanceof Error ? error.message : String(error);
      if (s.state === "failed") log.error({ runId: s.runId, err: error }, "reconcile failed");
      else log.info({ runId: s.runId, phase: s.cp.phase }, "reconcile interrupted; the next run resumes it");
      if (!s.dryRun) await save(s).catch(() => undefined); // the page checkpoints are saved already
      throw error;
    }
  }

  function dormant(runId: string, cp: ReconcileCheckpoint): Omit<Session, "abort" | "settled"> {
    return {
      runId,
      dryRun: false,
      cp,
      snapshot: new GenesysSnapshot(),
      state: "interrupted",
      error: null,
      startedAt: clock.now(),
      requestsBefore: cp.usage.listingRequests + cp.usage.writes,
      throttledBefore: cp.usage.throttled,
      controllerThrottledAtStart: controllerThrottled(),
      pending: cp.enqueued,
      lastCount: 0,
    };
  }

  async function open(dryRun: boolean, sample: number): Promise<Omit<Session, "abort" | "settled">> {
    const now = clock.now();
    const snapshot = new GenesysSnapshot();
    const fresh = (runId: string, cp: ReconcileCheckpoint): Omit<Session, "abort" | "settled"> => ({
      ...dormant(runId, cp),
      dryRun,
      snapshot,
      state: "running",
      startedAt: now,
    });
    if (dryRun) return fresh(newRunId(), initialCheckpoint(now, sample, 0));
    const saved = await store.unfinishedReconcileRun();
    const cp = saved && parseCheckpoint(saved.checkpoint);
    if (saved && cp) {
      cp.resumes += 1;
      if (cp.phase !== "applying") {
        for (const user of await store.reconcileSnapshot(saved.id)) {
          snapshot.add(JSON.parse(user.json) as ScimUserResource, user.matched);
        }
      }
      await store.saveReconcileCheckpoint(saved.id, JSON.stringify(cp));
      log.info({ runId: saved.id, phase: cp.phase, resumes: cp.resumes }, "reconcile resumed");
      return fresh(saved.id, cp);
    }
    const runId = newRunId();
    const started = initialCheckpoint(now, sample, (await store.stats()).deadLetters);
    await store.beginReconcileRun(runId, now, JSON.stringify(started));
    log.info({ runId }, "reconcile started");
    return fresh(runId, started);
  }

  options.dispatcher.onSynced("bulk", (result) => {
    const s = session;
    if (s === undefined || s.dryRun || s.state === "done" || !WRITES.has(result)) return;
    s.cp.usage.writes += 1;
    // A stopped run's queued changes are still being applied (a shutdown drains them, a restart
    // picks them up): the count must reach the checkpoint without the run's own saves.
    if (s.state !== "running") void save(s).catch(() => undefined);
    // Keeps "done" moving between pages without a count per sync.
    else if (clock.now() - s.lastCount >= 200) void countPending(s).catch(() => undefined);
  });

  const reconciler: Reconciler = {
    async start(runOptions = {}) {
      if (busy) throw new ReconcileBusyError(session?.state === "running" ? session.runId : undefined);
      busy = true;
      try {
        const abort = new AbortController();
        const signal = runOptions.signal ? AbortSignal.any([runOptions.signal, abort.signal]) : abort.signal;
        const opened = await open(runOptions.dryRun ?? false, runOptions.sample ?? 10);
        const s: Session = { ...opened, abort, settled: Promise.resolve() };
        session = s;
        const result = execute(s, signal).finally(() => {
          busy = false;
        });
        s.settled = result.catch(() => undefined); // also marks the rejection handled for start() callers
        return { runId: s.runId, resumed: s.cp.resumes > 0, report: result };
      } catch (error) {
        busy = false;
        throw error;
      }
    },
    async run(runOptions) {
      return (await reconciler.start(runOptions)).report;
    },
    progress() {
      const s = session;
      if (s === undefined) return idleProgress(lastReport);
      if (s.state === "running" && !s.dryRun) refreshUsage(s);
      const { cp } = s;
      const requests = cp.usage.listingRequests + cp.usage.writes;
      const elapsed = (clock.now() - s.startedAt) / 1000;
      const rate = elapsed >= 1 ? (requests - s.requestsBefore) / elapsed : 0;
      const pending = Math.min(cp.enqueued, s.pending);
      const remaining = s.state === "running" ? remainingRequests(cp, pending, s.dryRun) : 0;
      return {
        runId: s.runId,
        state: s.state,
        dryRun: s.dryRun,
        phase: s.state === "done" ? "done" : cp.phase,
        resumes: cp.resumes,
        startedAt: new Date(cp.startedAt).toISOString(),
        elapsedSeconds: (clock.now() - cp.startedAt) / 1000,
        listed: {
          genesysUsers: cp.genesys.listed.active + cp.genesys.listed.inactive,
          genesysPages: cp.genesys.pages,
          oktaUsers: cp.okta.users,
          oktaPages: cp.okta.pages,
        },
        plan: { ...cp.plan.counts },
        done: cp.enqueued - pending,
        total: cp.enqueued,
        writes: cp.usage.writes,
        genesysRequests: requests,
        throttled: cp.usage.throttled,
        ratePerSecond: rate,
        fraction: requests + remaining > 0 ? requests / (requests + remaining) : s.state === "done" ? 1 : 0,
        etaSeconds: s.state !== "running" ? null : remaining === 0 ? 0 : rate > 0 ? remaining / rate : null,
        error: s.error,
        report: lastReport,
      };
    },
    async stop() {
      const s = session;
      if (s?.state !== "running") return;
      s.abort.abort(new Error("reconcile stopped"));
      await s.settled;
    },
  };
  return reconciler;
}

/** The Genesys user an Okta user accounts for: it is not "unknown", whatever else happens to it. */
function claimedGenesysId(verdict: Verdict, snapshot: GenesysSnapshot): string | undefined {
  switch (verdict.kind) {
    case "conflict":
      return verdict.ownGenesysId;
    case "skipped":
      return snapshot.withExternalId(verdict.oktaUserId).find((u) => !u.matched)?.resource.id;
    default:
      return verdict.genesysId;
  }
}

/** meta changes with every write and is not compared: not worth a byte of the snapshot. */
function withoutMeta(user: ScimUserResource): ScimUserResource {
  const { meta: _meta, ...rest } = user;
  return rest;
}

function idleProgress(report: ReconcileReport | null): ReconcileProgress {
  return {
    runId: report?.runId ?? null,
    state: report ? "done" : "idle",
    dryRun: report?.dryRun ?? false,
    phase: report ? "done" : null,
    resumes: report?.resumes ?? 0,
    startedAt: report?.startedAt ?? null,
    elapsedSeconds: report?.durationSeconds ?? 0,
    listed: {
      genesysUsers: report?.genesys.users ?? 0,
      genesysPages: report?.genesys.pages ?? 0,
      oktaUsers: report?.okta.users ?? 0,
      oktaPages: report?.okta.pages ?? 0,
    },
    plan: { ...(report?.plan ?? emptyPlan(0)).counts },
    done: report?.applied.enqueued ?? 0,
    total: report?.applied.enqueued ?? 0,
    writes: report?.applied.writes ?? 0,
    genesysRequests: report?.genesysRequests.total ?? 0,
    throttled: report?.throttled ?? 0,
    ratePerSecond: 0,
    fraction: report ? 1 : 0,
    etaSeconds: null,
    error: null,
    report,
  };
}
