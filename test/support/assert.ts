import strict from "node:assert/strict";

/**
 * node:assert/strict with one change: `ok` (and `assert(value)`) without a message gets one. When a
 * messageless ok() fails, Node builds the message by re-parsing the caller's source at the failing
 * column; under the TypeScript loader a test file runs as one long line, and that parse took
 * exponential time: a failing assertion hung the test file at full CPU instead of failing it.
 */
function ok(value: unknown, message?: string | Error): asserts value {
  strict.ok(value, message ?? "expected a truthy value (the stack below gives the line)");
}

const assert: typeof strict = Object.assign(ok, strict, { ok });
export default assert;
