/**
 * Answer times, which only grow, kept for a look-back over the last window or two: appended in
 * order, counted after a point by binary search, and dropped from the front once too old (the
 * array is compacted only when most of it is dead, so forgetting stays cheap on the hot path).
 */
export class TimeLog {
  private times: number[] = [];
  private head = 0;

  push(time: number): void {
    this.times.push(time);
  }

  /** How many logged times are after `time`. */
  countAfter(time: number): number {
    return this.times.length - this.firstAfter(time);
  }

  /** The earliest logged time after `time`, if any. */
  firstTimeAfter(time: number): number | undefined {
    return this.times[this.firstAfter(time)];
  }

  /** Drops the times before `cutoff` (and the one equal to it when `inclusive`). */
  forget(cutoff: number, inclusive = false): void {
    const old = (t: number) => (inclusive ? t <= cutoff : t < cutoff);
    while (this.head < this.times.length && old(this.times[this.head] ?? Infinity)) this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  private firstAfter(time: number): number {
    let lo = this.head;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.times[mid] ?? Infinity) > time) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
