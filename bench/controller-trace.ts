import type { RateControllerState } from "../src/throttle/rate-controller.ts";

/** One sample of the bridge's Genesys rate controller and of what the simulator saw, `t` ms into the run. */
export interface TracePoint {
  t: number;
  rate: number;
  concurrency: number;
  inFlight: number;
  waiting: number;
  paused: boolean;
  learnedQuota?: number;
  cuts: number;
  writes: number;
  throttled: number;
}

/** When the bridge run passed its milestones, ms into the run. */
export interface PhaseTimes {
  createsDelivered?: number;
  createsWritten?: number;
  updatesDelivered?: number;
}

const seconds = (ms: number | undefined) => (ms === undefined ? "—" : `${(ms / 1000).toFixed(2)} s`);
const ratio = (value: number | undefined) => (value === undefined ? "—" : `${value.toFixed(2)}×`);

/**
 * What the trace says about the controller, in the figures its tuner asks about: how fast it got
 * going, how close to the quota it ran, where its 429s came (one burst or many) and how deep it cut.
 */
export function controllerDiagnostics(
  trace: readonly TracePoint[],
  phases: PhaseTimes,
  quota: number,
  state: RateControllerState,
): Record<string, string> {
  const last = trace.at(-1);
  const firstWrite = trace.find((p) => p.writes > 0)?.t;
  const firstCut = trace.find((p) => p.cuts > 0);
  const afterCut = firstCut === undefined ? [] : trace.filter((p) => p.t >= firstCut.t);
  const bursts: { t: number; lastT: number; size: number }[] = [];
  let pauses = 0;
  let pausedMs = 0;
  let starved = 0;
  let capped = 0;
  for (let i = 1; i < trace.length; i++) {
    const p = trace[i] as TracePoint;
    const q = trace[i - 1] as TracePoint;
    const new429 = p.throttled - q.throttled;
    if (new429 > 0) {
      const open = bursts.at(-1);
      // 429s less than 100 ms apart are one burst: one congestion signal, as the controller should see it.
      if (open !== undefined && p.t - open.lastT <= 100) {
        open.size += new429;
        open.lastT = p.t;
      } else bursts.push({ t: p.t, lastT: p.t, size: new429 });
    }
    if (p.paused && !q.paused) pauses += 1;
    if (p.paused) pausedMs += p.t - q.t;
    if (p.waiting > 0 && p.inFlight === 0 && !p.paused) starved += 1;
    if (p.waiting > 0 && p.inFlight >= p.concurrency) capped += 1;
  }
  const busy = trace.filter((p) => p.waiting > 0).length || 1;
  const end = last?.t ?? 0;
  const phase2 =
    phases.updatesDelivered === undefined || phases.createsWritten === undefined
      ? undefined
      : trace.find(
          (p) =>
            p.t >= (phases.createsWritten ?? 0) && p.writes > (writesAt(trace, phases.createsWritten) ?? 0),
        )?.t;
  // Hook → store → dispatcher → Okta read before the first write, and again when the update burst
  // arrives: fixed latency of the pipeline, not of the controller, and a larger share of a scaled run.
  const pipelineMs =
    (firstWrite ?? 0) +
    (phase2 !== undefined && phases.createsWritten !== undefined ? phase2 - phases.createsWritten : 0);
  return {
    "first write": seconds(firstWrite),
    "creates written (phase 1)": seconds(phases.createsWritten),
    "first update write": seconds(phase2),
    "pipeline latency (first write + phase gap)": seconds(pipelineMs),
    "writes/s ÷ quota": ratio(
      firstWrite === undefined || last === undefined
        ? undefined
        : (last.writes * 1000) / (end - firstWrite) / quota,
    ),
    "learned quota ÷ quota": ratio(last?.learnedQuota === undefined ? undefined : last.learnedQuota / quota),
    "rate ÷ quota (end)": ratio(last === undefined ? undefined : last.rate / quota),
    "min rate ÷ quota after 1st cut": ratio(
      afterCut.length === 0 ? undefined : Math.min(...afterCut.map((p) => p.rate)) / quota,
    ),
    cuts: String(state.cuts),
    "429 bursts (largest)": `${bursts.length} (${Math.max(0, ...bursts.map((b) => b.size))})`,
    "429 burst times": bursts
      .slice(0, 8)
      .map((b) => `${(b.t / 1000).toFixed(1)}s×${b.size}`)
      .join(" "),
    "pauses (time)": `${pauses} (${seconds(pausedMs)})`,
    "nothing in flight while work waits": `${((starved / busy) * 100).toFixed(0)}%`,
    "in-flight cap reached": `${((capped / busy) * 100).toFixed(0)}%`,
  };
}

function writesAt(trace: readonly TracePoint[], t: number | undefined): number | undefined {
  if (t === undefined) return undefined;
  let writes: number | undefined;
  for (const p of trace) {
    if (p.t > t) break;
    writes = p.writes;
  }
  return writes;
}
