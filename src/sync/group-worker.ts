import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { GenesysClient } from "../genesys/genesys-client.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { OktaClient } from "../okta/okta-client.ts";
import type { Store } from "../store/store.ts";
import {
  createGroupDispatcher,
  type GroupDispatcher,
  type GroupDispatcherOptions,
} from "./group-dispatcher.ts";
import { createGroupStatus, type GroupStatus } from "./group-status.ts";
import { syncGroup } from "./sync-group.ts";
import type { UserDirectory } from "./user-directory.ts";

export type GroupTuning = Pick<GroupDispatcherOptions, "settleMs" | "pollMs" | "concurrency">;

export interface GroupWorker {
  dispatcher: GroupDispatcher;
  status: GroupStatus;
}

/** The SYNC_GROUPS side of the bridge: what each listed group became, and the loop that syncs them. */
export function createGroupWorker(parts: {
  config: Readonly<Config>;
  store: Store;
  okta: OktaClient;
  genesys: GenesysClient;
  users: UserDirectory;
  log: Logger;
  metrics: Metrics;
  clock: Clock;
  /** Wakes the user dispatcher when a group queued syncs for members not in Genesys yet. */
  onUsersQueued: () => void;
  tuning?: GroupTuning | undefined;
}): GroupWorker {
  const { config, store, okta, genesys, users, clock } = parts;
  const status = createGroupStatus(config.groups, parts.metrics);
  const genesysNames = new Map(config.groups.map((g) => [g.okta, g.genesys]));
  const log = parts.log.child({ component: "groups" });
  const dispatcher = createGroupDispatcher({
    store,
    status,
    log,
    metrics: parts.metrics,
    clock,
    ...parts.tuning,
    sync: (work) =>
      syncGroup(work, {
        okta,
        genesys,
        store,
        users,
        log,
        now: () => clock.now(),
        genesysNameOf: (name) => genesysNames.get(name),
        onUsersQueued: parts.onUsersQueued,
      }),
  });
  return { dispatcher, status };
}
