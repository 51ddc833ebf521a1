/**
 * Which queue work and requests wait in: live = Okta events, bulk = reconcile work. Live always goes
 * first, in the store's work queue as in the rate controllers, so that a full reconcile never delays
 * a change someone just made in Okta.
 */
export type Lane = "live" | "bulk";
