import assert from "./support/assert.ts";
import { test } from "node:test";
import { createGroupCommit } from "../src/store/group-commit.ts";

test("calls made while a commit is pending share it, and each gets its own result", async () => {
  const commits: number[][] = [];
  const add = createGroupCommit((items: readonly number[]) => {
    commits.push([...items]);
    return items.map((n) => n * 10);
  });
  const results = await Promise.all([add(1), add(2), add(3)]);
  assert.deepEqual(results, [10, 20, 30]);
  assert.deepEqual(commits, [[1, 2, 3]]);
  assert.equal(await add(4), 40);
  assert.deepEqual(commits, [[1, 2, 3], [4]], "a later call gets a commit of its own");
});

test("no caller is answered before the commit that carries its item has finished", async () => {
  let finish: (() => void) | undefined;
  const add = createGroupCommit(async (items: readonly string[]) => {
    await new Promise<void>((resolve) => (finish = resolve));
    return items.map(() => "stored");
  });
  let answered = false;
  const pending = add("a").then((r) => {
    answered = true;
    return r;
  });
  while (finish === undefined) await new Promise((r) => setImmediate(r));
  assert.equal(answered, false);
  finish();
  assert.equal(await pending, "stored");
});

test("a failed commit rejects its own callers only; the next commit goes ahead", async () => {
  let fail = true;
  const add = createGroupCommit((items: readonly number[]) => {
    if (fail) throw new Error("disk full");
    return [...items];
  });
  const failed = await Promise.allSettled([add(1), add(2)]);
  assert.deepEqual(
    failed.map((r) => r.status),
    ["rejected", "rejected"],
  );
  fail = false;
  assert.equal(await add(3), 3);
});

test("a commit carries at most maxItems; the rest follow in the next", async () => {
  const sizes: number[] = [];
  const add = createGroupCommit(
    (items: readonly number[]) => {
      sizes.push(items.length);
      return [...items];
    },
    { maxItems: 2 },
  );
  assert.deepEqual(await Promise.all([1, 2, 3, 4, 5].map(add)), [1, 2, 3, 4, 5]);
  assert.deepEqual(sizes, [2, 2, 1]);
});
