import type { RequiredWrite } from "../workload.ts";
import { retryAfterSeconds, type ScimWriter } from "./scim-writer.ts";

/**
 * Bottleneck as @octokit/plugin-throttling sets it up: request starts at least `minTime` apart
 * (1 / the documented quota), at most `MAX_CONCURRENT` in flight; a 429 makes that one request wait
 * Retry-After (60 s when there is none usable, plugin-throttling's fallback) and go through the
 * limiter again, while the others keep going. Five tries, like the other baselines.
 */
// 20, not the usual 5: with 20–60 ms answers 5 in flight cap a client near 125 requests/s, below the
// benchmark's quota, and the comparison is about pacing, not about too few connections.
const MAX_CONCURRENT = 20;
const MAX_TRIES = 5;
const FALLBACK_SECONDS = 60;

export async function runFixedRate(writer: ScimWriter): Promise<void> {
  const minTime = 1000 / writer.documentedRate;
  let lastStart = Number.NEGATIVE_INFINITY;
  for (const phase of writer.phases) {
    const queue = phase.map((write) => ({ write, tries: 0 }));
    let inFlight = 0;
    let waiting = 0;
    let wake: (() => void) | undefined;
    const changed = () => new Promise<void>((resolve) => (wake = resolve));
    const notify = () => wake?.();
    writer.signal.addEventListener("abort", notify, { once: true });

    const attempt = async (job: { write: RequiredWrite; tries: number }) => {
      job.tries += 1;
      const answer = await writer.send(job.write);
      inFlight -= 1;
      if (answer !== "blocked" && answer.status === 429 && job.tries < MAX_TRIES) {
        const told = retryAfterSeconds(answer);
        waiting += 1;
        notify();
        await writer.sleep((told !== undefined && told > 0 ? told : FALLBACK_SECONDS) * 1000);
        waiting -= 1;
        queue.unshift(job);
      }
      notify();
    };

    const running: Promise<void>[] = [];
    while (queue.length > 0 || inFlight > 0 || waiting > 0) {
      writer.signal.throwIfAborted();
      if (queue.length === 0 || inFlight >= MAX_CONCURRENT) {
        await changed();
        continue;
      }
      const due = lastStart + minTime - performance.now();
      if (due > 0) await writer.sleep(due);
      const job = queue.shift();
      if (job === undefined) continue;
      lastStart = performance.now();
      inFlight += 1;
      const sending = attempt(job);
      // Once the run's time is up the loop stops awaiting: its sends' rejections are expected then.
      sending.catch(() => {});
      running.push(sending);
    }
    await Promise.all(running);
  }
}
