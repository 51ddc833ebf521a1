import type { Clock } from "../clock.ts";
import { ThrottledError, UpstreamUnavailableError } from "../errors.ts";
import type { Upstream, UpstreamResponse } from "../upstream-response.ts";
import type { AnswerHandler } from "./answer-handler.ts";
import type { DispatchLoop } from "./dispatch-loop.ts";
import type { Lane } from "../lane.ts";

export interface SendWithRetriesOptions {
  upstream: Upstream;
  clock: Clock;
  loop: DispatchLoop;
  answers: AnswerHandler;
  pausedUntil(): number;
  maxTransientAttempts: number;
  maxThrottledAttempts: number;
  /** The wait before retry number `attempt` (from 0) after a 5xx or a network error. */
  backoffMs(attempt: number): number;
}

const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);

/**
 * One request's attempts: wait for the dispatch loop's permission, send, let the answer handler
 * learn from the answer, then return it, or retry it at the front of its lane (after the shared
 * pause on 429, after its own full-jitter backoff on a 5xx or a network error) until a retry
 * budget is spent. See RateController.run.
 */
export function sendWithRetries(o: SendWithRetriesOptions) {
  const { upstream, clock, loop, answers, maxTransientAttempts, maxThrottledAttempts } = o;
  const backoff = (attempt: number, signal: AbortSignal | undefined) =>
    clock.sleep(
      o.backoffMs(attempt),
      signal === undefined ? loop.closed : AbortSignal.any([signal, loop.closed]),
    );

  return async function run(
    lane: Lane,
    send: () => Promise<UpstreamResponse>,
    runOptions: { signal?: AbortSignal } = {},
  ): Promise<UpstreamResponse> {
    const { signal } = runOptions;
    let throttledAttempts = 0;
    let transientAttempts = 0;
    let front = false;
    for (;;) {
      const ticket = await loop.acquire(lane, front, signal);
      front = true;
      let response: UpstreamResponse | undefined;
      try {
        response = await send();
      } catch (error) {
        loop.release(ticket);
        answers.settle(ticket, undefined, clock.now());
        loop.pump();
        transientAttempts += 1;
        if (transientAttempts >= maxTransientAttempts) {
          throw new UpstreamUnavailableError(
            upstream,
            `${upstream} request failed ${transientAttempts} times, last: ${describe(error)}`,
          );
        }
        await backoff(transientAttempts - 1, signal);
        continue;
      }
      const now = clock.now();
      loop.release(ticket);
      const reading = answers.settle(ticket, response, now);
      if (response.status === 429) {
        answers.throttled(ticket, response, reading, now);
        loop.pump();
        throttledAttempts += 1;
        if (throttledAttempts >= maxThrottledAttempts) {
          throw new ThrottledError(
            `${upstream} answered 429 to ${throttledAttempts} attempts of one request`,
            Math.max(o.pausedUntil(), now + 1000),
          );
        }
        continue;
      }
      if (TRANSIENT_STATUSES.has(response.status)) {
        loop.pump();
        transientAttempts += 1;
        if (transientAttempts >= maxTransientAttempts) {
          throw new UpstreamUnavailableError(
            upstream,
            `${upstream} answered ${response.status} to ${transientAttempts} attempts`,
          );
        }
        await backoff(transientAttempts - 1, signal);
        continue;
      }
      answers.accepted(ticket, now);
      loop.pump();
      return response;
    }
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
