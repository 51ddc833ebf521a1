const MIN_ACCEPTED = 10;
/** A cycle that was mostly app-limited measured our demand, not the quota. */
const MIN_DEMAND_SHARE = 0.8;

/**
 * The rate the upstream actually accepted over one congestion cycle: from the end of one 429 pause
 * to the end of the next. With a fixed window and exact retry times the cycle spans whole windows,
 * so this is the quota (or our share of it) itself; it is what a cut lands on when slow start has
 * overshot a window far above the quota.
 */
export class DeliveryMeter {
  private start: number;
  private acceptedCount = 0;
  private sends = 0;
  private demandSends = 0;

  /** `minCycleMs`: shorter cycles say more about where the window fell than about the quota. */
  constructor(
    now: number,
    private readonly minCycleMs: number,
  ) {
    this.start = now;
  }

  sent(at: number, underDemand: boolean): void {
    if (at < this.start) return;
    this.sends += 1;
    if (underDemand) this.demandSends += 1;
  }

  accepted(sentAt: number): void {
    if (sentAt >= this.start) this.acceptedCount += 1;
  }

  /** Closes the cycle at `end` (when the pause ends) and starts the next one there. */
  cycle(end: number): number | undefined {
    const lengthMs = end - this.start;
    const rate =
      lengthMs >= this.minCycleMs &&
      this.acceptedCount >= MIN_ACCEPTED &&
      this.demandSends >= MIN_DEMAND_SHARE * this.sends
        ? (this.acceptedCount * 1000) / lengthMs
        : undefined;
    this.start = end;
    this.acceptedCount = 0;
    this.sends = 0;
    this.demandSends = 0;
    return rate;
  }
}
