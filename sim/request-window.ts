/**
 * Request counting windows behind both simulators' rate limits. Time comes from `now` so that a
 * test can scale a 60 s window down to 200 ms without changing the rules.
 */

export interface WindowDecision {
  allowed: boolean;
  limit: number;
  /** Requests seen in the current window including this one, rejected ones too (Genesys counts them). */
  count: number;
  /** Admitted requests still possible in this window after this one. */
  remaining: number;
  /** Milliseconds until the window resets (fixed) or the oldest admitted request leaves it (sliding). */
  resetInMs: number;
}

export interface RequestWindow {
  take(now: number): WindowDecision;
}

/**
 * Genesys and Okta style: a window opens at the first request after the previous one ended, and the
 * count drops to zero when it ends. Rejected requests are counted but never push the reset later.
 */
export class FixedWindow implements RequestWindow {
  #start = Number.NEGATIVE_INFINITY;
  #admitted = 0;
  #seen = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  take(now: number): WindowDecision {
    this.#roll(now);
    this.#seen += 1;
    const allowed = this.#admitted < this.limit;
    if (allowed) this.#admitted += 1;
    return this.#decision(now, allowed);
  }

  #roll(now: number): void {
    if (now >= this.#start + this.windowMs) {
      this.#start = now;
      this.#admitted = 0;
      this.#seen = 0;
    }
  }

  #decision(now: number, allowed: boolean): WindowDecision {
    return {
      allowed,
      limit: this.limit,
      count: this.#seen,
      remaining: Math.max(0, this.limit - this.#admitted),
      resetInMs: this.#start + this.windowMs - now,
    };
  }
}

/** A log of request times in the last `windowMs`; a slot frees as soon as its request ages out. */
export class SlidingWindow implements RequestWindow {
  readonly #admitted = new TimeQueue();
  readonly #rejected = new TimeQueue();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  take(now: number): WindowDecision {
    this.#expire(now);
    const allowed = this.#admitted.size < this.limit;
    (allowed ? this.#admitted : this.#rejected).push(now);
    return this.#decision(now, allowed);
  }

  #expire(now: number): void {
    this.#admitted.dropUntil(now - this.windowMs);
    this.#rejected.dropUntil(now - this.windowMs);
  }

  #decision(now: number, allowed: boolean): WindowDecision {
    const oldest = this.#admitted.oldest();
    return {
      allowed,
      limit: this.limit,
      count: this.#admitted.size + this.#rejected.size,
      remaining: Math.max(0, this.limit - this.#admitted.size),
      resetInMs: oldest === undefined ? this.windowMs : oldest + this.windowMs - now,
    };
  }
}

/** A FIFO of timestamps with O(1) amortised push and expiry. */
class TimeQueue {
  #items: number[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(time: number): void {
    this.#items.push(time);
  }

  oldest(): number | undefined {
    return this.#items[this.#head];
  }

  dropUntil(cutoff: number): void {
    while (this.#head < this.#items.length && (this.#items[this.#head] ?? Infinity) <= cutoff)
      this.#head += 1;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
