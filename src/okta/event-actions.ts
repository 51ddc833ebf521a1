import type { PendingAction } from "../store/store.ts";

/**
 * What each Okta event type means for the Genesys user. Everything here syncs the user's current
 * state (read from the Users API), except the delete signal: `user.lifecycle.delete.initiated` is the
 * only hook-eligible delete event (`delete.completed` is not).
 */
const ACTIONS: Readonly<Record<string, PendingAction>> = {
  "user.lifecycle.create": "sync",
  "user.lifecycle.activate": "sync",
  "user.lifecycle.reactivate": "sync",
  "user.lifecycle.unsuspend": "sync",
  "user.lifecycle.suspend": "sync",
  "user.lifecycle.deactivate": "sync",
  "user.account.update_profile": "sync",
  "user.lifecycle.delete.initiated": "delete",
};

export function actionFor(eventType: string): PendingAction | undefined {
  return ACTIONS[eventType];
}

export const SUBSCRIBED_EVENT_TYPES = Object.keys(ACTIONS);
