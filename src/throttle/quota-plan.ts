import type { Admission } from "./header-budget.ts";

/** What the quota headers allow from now on. */
export interface QuotaPlan {
  /** Requests per second the window's budget allows while it lasts; Infinity = no limit. */
  rate: number;
  /** The window's budget is spent: send nothing before this epoch ms. 0 = not holding. */
  holdUntil: number;
  /**
   * Bulk work holds until this epoch ms (0 = not holding): what is left of the window is kept for
   * live requests, so a reconcile that spends a window early cannot make a live change wait for
   * the reset (up to a minute at Genesys' real window).
   */
  bulkHoldUntil?: number;
  /** What a send now is checked against, among all replicas, when the headers' budget constrains it. */
  admission?: Admission;
}
