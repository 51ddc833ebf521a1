import { runWorkers } from "./forum-script.ts";
import type { ScimWriter } from "./scim-writer.ts";

/** The forum script's usual speed-up: the same loop in five parallel workers, each backing off on its own. */
export async function runParallelWorkers(writer: ScimWriter): Promise<void> {
  await runWorkers(writer, 5);
}
