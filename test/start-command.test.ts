import assert from "./support/assert.ts";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { startNodeOptions } from "../bench/bridge-process.ts";

test("the Docker image runs the bridge with the node options of npm start, which bound the heap", () => {
  const dockerfile = readFileSync(new URL("../Dockerfile", import.meta.url), "utf8");
  const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
  assert.ok(cmd, "the Dockerfile has a CMD in exec form");
  assert.deepEqual(JSON.parse(cmd), ["node", ...startNodeOptions(), "dist/main.js"]);
  assert.ok(startNodeOptions().some((option) => option.startsWith("--max-old-space-size=")));
});
