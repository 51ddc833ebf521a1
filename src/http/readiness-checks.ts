import type { GenesysToken } from "../genesys/genesys-token.ts";
import type { Store } from "../store/store.ts";
import type { ReadinessCheck } from "./health.ts";

/**
 * What the bridge needs to take work: a store it can write (else events would be refused) and a
 * Genesys token (else every sync would fail). Okta is not checked: without it events still queue.
 */
export function readinessChecks(
  store: Pick<Store, "writable">,
  token: Pick<GenesysToken, "get">,
): ReadinessCheck[] {
  return [
    {
      name: "store",
      check: async () => ((await store.writable()) ? undefined : "the store cannot be written"),
    },
    {
      name: "genesys",
      check: async () => {
        await token.get();
        return undefined;
      },
    },
  ];
}
