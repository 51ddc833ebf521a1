import { LRUCache } from "lru-cache";
import type { GenesysClient } from "../genesys/genesys-client.ts";
import { scimString } from "../genesys/genesys-client.ts";
import type { Lane } from "../lane.ts";
import type { ManagerReference } from "./scim-mapping.ts";
import type { UserDirectory } from "./user-directory.ts";

export interface ManagerResolver {
  /** The manager's Genesys id, or undefined while the manager is not in Genesys. */
  resolve(manager: ManagerReference, lane: Lane): Promise<string | undefined>;
}

/**
 * Turns the manager as Okta names it into a Genesys id. By Okta id, the bridge's own records answer
 * without a request for every manager it has written; otherwise one lookup, remembered (bounded), as
 * a team shares its manager. Only found managers are remembered: a missing one may appear any time.
 */
export function createManagerResolver(
  genesys: GenesysClient,
  users: UserDirectory,
  options: { max?: number } = {},
): ManagerResolver {
  const found = new LRUCache<string, string>({ max: options.max ?? 5_000 });
  return {
    async resolve(manager, lane) {
      if (manager.matchBy === "oktaId") {
        const record = await users.get(manager.value);
        if (record?.genesysId && !record.deleted) return record.genesysId;
      }
      const key = `${manager.matchBy}:${manager.value}`;
      const cached = found.get(key);
      if (cached !== undefined) return cached;
      const attribute = manager.matchBy === "oktaId" ? "externalId" : manager.matchBy;
      const id = (await genesys.findUsers(`${attribute} eq ${scimString(manager.value)}`, lane))[0]?.id;
      if (id !== undefined) found.set(key, id);
      return id;
    },
  };
}
