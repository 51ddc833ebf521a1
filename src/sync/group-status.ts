import type { Metrics } from "../metrics.ts";
import type { GroupSyncResult } from "./sync-group.ts";

/** One synced group as the status page shows it. */
export interface GroupState {
  okta: string;
  genesys: string;
  /** never: no membership event yet since the start. */
  state: "never" | "synced" | "waiting" | "missing" | "skipped" | "failed";
  detail: string | undefined;
  at: number | undefined;
}

export interface GroupStatus {
  record(oktaName: string, result: GroupSyncResult | { kind: "failed"; reason: string }, at: number): void;
  list(): GroupState[];
}

/**
 * What became of each listed group, for the status page and the `bridge_groups_missing` gauge: a
 * group missing in Genesys needs a human (SCIM cannot create groups), so it must be visible.
 */
export function createGroupStatus(
  groups: readonly { okta: string; genesys: string }[],
  metrics?: Metrics,
): GroupStatus {
  const states = new Map<string, GroupState>(
    groups.map((g) => [g.okta, { ...g, state: "never", detail: undefined, at: undefined }]),
  );
  return {
    record(oktaName, result, at) {
      const current = states.get(oktaName);
      if (current === undefined) return;
      current.at = at;
      current.state = result.kind;
      current.detail =
        result.kind === "synced"
          ? `${result.members} members; +${result.added} −${result.removed}`
          : result.kind === "waiting"
            ? `waiting for ${result.waitingFor.length} members to be created`
            : result.kind === "missing"
              ? `no Genesys group named ${result.genesysGroup}`
              : result.reason;
      metrics?.groupsMissing.set([...states.values()].filter((s) => s.state === "missing").length);
    },
    list: () => [...states.values()].map((s) => ({ ...s })),
  };
}
