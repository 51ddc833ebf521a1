import { readFileSync } from "node:fs";

/**
 * How much CPU everything else on the machine took during a run, in cores: on a shared two-core box
 * another job's test run is enough to skew a makespan, and the table should say so. Linux only
 * (/proc/stat); elsewhere it reports nothing.
 */
export function watchOtherLoad(): { stop(): number | undefined } {
  const start = { system: systemBusyMs(), own: ownMs(), at: performance.now() };
  return {
    stop() {
      const system = systemBusyMs();
      if (system === undefined || start.system === undefined) return undefined;
      const wallMs = performance.now() - start.at;
      const others = system - start.system - (ownMs() - start.own);
      return wallMs > 0 ? Math.max(0, others / wallMs) : undefined;
    },
  };
}

function ownMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Busy time of all CPUs since boot, in ms (USER_HZ is 100 on Linux). */
function systemBusyMs(): number | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 10;
  } catch {
    return undefined;
  }
}

/**
 * Waits (up to `maxWaitMs`) until other processes use less than `threshold` cores over a second,
 * so that a run does not start in the middle of someone else's test suite. Returns the ms waited and
 * the last load seen.
 */
export async function waitForQuiet(
  maxWaitMs: number,
  threshold = 0.3,
): Promise<{ waitedMs: number; load: number | undefined }> {
  const started = performance.now();
  for (;;) {
    const watch = watchOtherLoad();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const load = watch.stop();
    const waitedMs = performance.now() - started;
    if (load === undefined || load < threshold || waitedMs >= maxWaitMs) return { waitedMs, load };
  }
}
