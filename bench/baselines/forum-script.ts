import type { RequiredWrite } from "../workload.ts";
import { retryAfterSeconds, type ScimWriter } from "./scim-writer.ts";

/** What forum answers propose: five tries, then move on. */
const MAX_TRIES = 5;

/**
 * The script every "Genesys 429" forum thread converges on: one request at a time; on a 429 sleep
 * Retry-After when it is there and above 0, else `2^attempt + random()` seconds; give up after five
 * tries (a given-up write is a lost update).
 */
export async function runForumScript(writer: ScimWriter): Promise<void> {
  await runWorkers(writer, 1);
}

/** `workers` copies of the forum script's loop sharing one queue (each phase in turn). */
export async function runWorkers(writer: ScimWriter, workers: number): Promise<void> {
  for (const phase of writer.phases) {
    let next = 0;
    const worker = async () => {
      for (let write = phase[next++]; write !== undefined; write = phase[next++]) {
        await writeWithRetries(writer, write);
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
  }
}

async function writeWithRetries(writer: ScimWriter, write: RequiredWrite): Promise<void> {
  for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
    const answer = await writer.send(write);
    if (answer === "blocked" || answer.status !== 429 || attempt === MAX_TRIES) return;
    const told = retryAfterSeconds(answer);
    const seconds = told !== undefined && told > 0 ? told : 2 ** attempt + Math.random();
    await writer.sleep(seconds * 1000);
  }
}
