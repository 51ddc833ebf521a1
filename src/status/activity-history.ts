import { systemClock, type Clock } from "../clock.ts";

/** Running totals the history turns into per-bucket counts (each only ever grows). */
export interface ActivityTotals {
  /** Users written to Genesys (created, updated, deleted). */
  writes: number;
  /** Requests sent to Genesys, whatever the answer. */
  requests: number;
  /** 429s Genesys answered. */
  throttled: number;
}

export interface ActivityBucket extends ActivityTotals {
  /** Epoch ms the bucket starts at. */
  start: number;
}

export interface ActivityHistoryOptions {
  /** Reads the totals now: counters, not rates, so a missed tick loses nothing. */
  read: () => ActivityTotals | Promise<ActivityTotals>;
  clock?: Clock;
  /** Width of one bucket. Default 10 s. */
  bucketMs?: number;
  /** Buckets kept. Default 90 (15 minutes of 10 s buckets). */
  buckets?: number;
  /** How often the totals are read. Default 1 s, so the bucket being filled moves live. */
  sampleMs?: number;
}

export interface ActivityHistory {
  readonly bucketMs: number;
  /** Reads the totals now and adds what changed to the current bucket. */
  sample(): Promise<void>;
  /** Every kept bucket, oldest first, the current one last; buckets with no activity are zeros. */
  buckets(): ActivityBucket[];
  /** The totals as last read. */
  totals(): ActivityTotals;
  close(): void;
}

const FIELDS = ["writes", "requests", "throttled"] as const;
const zero = (): ActivityTotals => ({ writes: 0, requests: 0, throttled: 0 });

/**
 * What the status page charts: a fixed ring of buckets filled by sampling counters on an unref'd
 * timer, so the memory it takes is bounded whatever the traffic and it never keeps the process alive.
 */
export function createActivityHistory(options: ActivityHistoryOptions): ActivityHistory {
  const clock = options.clock ?? systemClock;
  const bucketMs = Math.max(1, options.bucketMs ?? 10_000);
  const size = Math.max(1, options.buckets ?? 90);
  const ring: (ActivityBucket | undefined)[] = new Array<ActivityBucket | undefined>(size);
  let last: ActivityTotals | undefined;
  // Samples run one after another: each delta is taken against the reading before it.
  let queue = Promise.resolve();

  const bucketAt = (now: number): ActivityBucket => {
    const index = Math.floor(now / bucketMs);
    const slot = ((index % size) + size) % size;
    const start = index * bucketMs;
    const existing = ring[slot];
    if (existing?.start === start) return existing;
    const fresh = { start, ...zero() };
    ring[slot] = fresh;
    return fresh;
  };

  const takeSample = async () => {
    const current = await options.read();
    const bucket = bucketAt(clock.now());
    if (last !== undefined) {
      for (const field of FIELDS) bucket[field] += Math.max(0, current[field] - last[field]);
    }
    last = { ...current };
  };

  const sample = () => {
    queue = queue.then(takeSample).catch(() => undefined);
    return queue;
  };

  void sample();
  const timer = setInterval(() => void sample(), Math.max(10, options.sampleMs ?? 1_000));
  timer.unref();

  return {
    bucketMs,
    sample,
    buckets() {
      const newest = Math.floor(clock.now() / bucketMs);
      const out: ActivityBucket[] = [];
      for (let index = newest - size + 1; index <= newest; index++) {
        const start = index * bucketMs;
        const kept = ring[((index % size) + size) % size];
        out.push(kept?.start === start ? { ...kept } : { start, ...zero() });
      }
      return out;
    },
    totals: () => ({ ...(last ?? zero()) }),
    close: () => clearInterval(timer),
  };
}
