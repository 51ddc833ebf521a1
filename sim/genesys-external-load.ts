import type { GenesysRateLimiter } from "./genesys-rate-limit.ts";

/**
 * Another consumer of the same OAuth client (a second replica, a nightly job): Genesys shares the
 * quota across everything that uses one client id, so the bridge sees 429s it did not cause itself.
 * Like a polite client, it stops for the rest of the window once it is answered 429.
 */
export class GenesysExternalLoad {
  requests = 0;
  throttled = 0;
  #perSecond = 0;
  #credit = 0;
  #lastTick = 0;
  #pausedUntil = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly limiter: GenesysRateLimiter,
    readonly clientId: string,
    readonly now: () => number,
  ) {}

  setRate(requestsPerSecond: number): void {
    this.#perSecond = Math.max(0, requestsPerSecond);
    if (this.#perSecond === 0) return this.stop();
    if (this.#timer !== undefined) return;
    this.#lastTick = performance.now();
    this.#credit = 0;
    this.#timer = setInterval(() => this.#tick(), 10);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#perSecond = 0;
  }

  resetCounts(): void {
    this.requests = 0;
    this.throttled = 0;
  }

  #tick(): void {
    const tick = performance.now();
    this.#credit += (this.#perSecond * (tick - this.#lastTick)) / 1000;
    this.#lastTick = tick;
    while (this.#credit >= 1) {
      this.#credit -= 1;
      const now = this.now();
      if (now < this.#pausedUntil) continue;
      this.requests += 1;
      const decision = this.limiter.take(this.clientId);
      if (!decision.allowed) {
        this.throttled += 1;
        this.#pausedUntil = now + decision.resetInMs;
      }
    }
  }
}
