/**
 * Gathers the calls made while a commit is under way into the next commit, so that one durable write
 * (an fsync, a Redis round trip) serves many callers. Each caller's promise settles only after the
 * commit that carried its item: acknowledging earlier would acknowledge what is not yet durable.
 */
export function createGroupCommit<I, O>(
  commit: (items: readonly I[]) => Promise<readonly O[]> | readonly O[],
  options: { maxItems?: number } = {},
): (item: I) => Promise<O> {
  const maxItems = options.maxItems ?? 1_000;
  let waiting: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  let running = false;

  async function drain(): Promise<void> {
    running = true;
    // Yield once so that the requests already read from the sockets join this commit.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (waiting.length > 0) {
      const batch = waiting.slice(0, maxItems);
      waiting = waiting.slice(batch.length);
      try {
        const results = await commit(batch.map((w) => w.item));
        batch.forEach((w, i) => w.resolve(results[i] as O));
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    running = false;
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (!running) void drain();
    });
}
