import type { Lane } from "../lane.ts";

/** What must happen to a user: bring Genesys to Okta's current state, or delete the Genesys user. */
export type PendingAction = "sync" | "delete";

/** One user's change as an event or the reconcile asks for it, before it is folded into the queue. */
export interface UserChange {
  oktaUserId: string;
  action: PendingAction;
  lane: Lane;
  /** Newest `published` time among the events behind this change (ISO, so strings compare as times). */
  published: string;
  /** The change includes a user.lifecycle.create: the user is most likely new to Genesys. */
  created: boolean;
}
