import { DefaultRateLimiter } from "@smithy/util-retry";
import type { RequiredWrite } from "../workload.ts";
import type { ScimWriter } from "./scim-writer.ts";

/**
 * The AWS SDK's "adaptive" retry mode: smithy's DefaultRateLimiter (a token bucket, off until the
 * first throttle, then CUBIC) gates every request; each answer updates it, a 429 as a throttling
 * error. Throttled requests retry with the SDK's backoff (full jitter, 500 ms base, 20 s cap) up to
 * five tries. The SDK's retry-token quota is left out (it would only give up sooner). Concurrency
 * is the application's: twenty workers, as many as the fixed-rate baseline may have in flight.
 */
const WORKERS = 20;
const MAX_TRIES = 5;
const THROTTLING_BASE_MS = 500;
const MAX_DELAY_MS = 20_000;

export async function runAwsAdaptive(writer: ScimWriter): Promise<void> {
  const limiter = new DefaultRateLimiter();
  for (const phase of writer.phases) {
    let next = 0;
    const worker = async () => {
      for (let write = phase[next++]; write !== undefined; write = phase[next++]) {
        await writeAdaptively(writer, limiter, write);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
  }
}

async function writeAdaptively(writer: ScimWriter, limiter: DefaultRateLimiter, write: RequiredWrite) {
  for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
    await limiter.getSendToken();
    const answer = await writer.send(write);
    if (answer === "blocked") return;
    const throttled = answer.status === 429;
    limiter.updateClientSendingRate(throttled ? { $metadata: { httpStatusCode: 429 } } : {});
    if (!throttled || attempt === MAX_TRIES) return;
    const delayMs = Math.min(MAX_DELAY_MS, Math.random() * 2 ** attempt * THROTTLING_BASE_MS);
    await writer.sleep(delayMs);
  }
}
