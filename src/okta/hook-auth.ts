import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Okta authenticates event hook deliveries only with a static header it was configured with (no
 * signature exists for event hooks). Both sides are hashed first so the comparison takes the same
 * time whatever the length or content of what was sent — a missing header and a wrong one are
 * indistinguishable from outside.
 */
export function createSecretCheck(secret: string): (presented: string | undefined) => boolean {
  const expected = createHash("sha256").update(secret).digest();
  return (presented) => {
    const actual = createHash("sha256")
      .update(presented ?? "")
      .digest();
    return timingSafeEqual(expected, actual) && presented !== undefined;
  };
}
