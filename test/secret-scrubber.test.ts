import assert from "./support/assert.ts";
import { test } from "node:test";
import { createSecretScrubber, isSecretName } from "../src/secret-scrubber.ts";

test("every known secret is blanked out of a text, also where JSON escaped it", () => {
  const scrub = createSecretScrubber(['pa"ss\\word-1', "token-abcdef"]);
  const json = JSON.stringify({ message: 'login with pa"ss\\word-1 failed', header: "SSWS token-abcdef" });
  const out = scrub(json);
  assert.equal(out, JSON.stringify({ message: "login with [redacted] failed", header: "SSWS [redacted]" }));
  assert.equal(scrub('raw pa"ss\\word-1'), "raw [redacted]");
});

test("a secret that contains another is blanked whole, and secrets too short to hide are left", () => {
  const scrub = createSecretScrubber(["abcd", "abcdefgh", "xyz"]);
  assert.equal(scrub("key=abcdefgh; short=abcd; tiny=xyz"), "key=[redacted]; short=[redacted]; tiny=xyz");
});

test("secret-looking field names are recognised, ordinary ones are not", () => {
  for (const name of ["clientSecret", "access_token", "Authorization", "apiKey", "api_key", "password"]) {
    assert.equal(isSecretName(name), true, name);
  }
  for (const name of ["done", "total", "phase", "userName"]) assert.equal(isSecretName(name), false, name);
});
