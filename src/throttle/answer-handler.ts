import type { UpstreamResponse } from "../upstream-response.ts";
import type { ControllerTelemetry } from "./controller-telemetry.ts";
import type { Ticket } from "./dispatch-loop.ts";
import type { GrowthPolicy } from "./growth-policy.ts";
import type { LatencyEstimate } from "./latency-estimate.ts";
import type { LimitModel } from "./limit-model.ts";
import type { PauseGate } from "./pause-gate.ts";
import { readQuotaHeaders, type QuotaReading } from "./quota-headers.ts";
import type { QuotaState } from "./quota-state.ts";
import { endBounds } from "./quota-window.ts";
import type { HeaderWindow } from "./header-budget.ts";

export interface AnswerHandlerParts {
  state: QuotaState;
  limits: LimitModel;
  growth: GrowthPolicy;
  pause: PauseGate;
  latency: LatencyEstimate;
  telemetry: ControllerTelemetry;
  /** What the pace is made of after a seed: the headers' quota times this is the growth ceiling. */
  ceilingOverQuota: number;
  maxRate: number;
}

/** A headers' quota that moved by more than this share re-seeds the pace. */
const SEED_AGAIN_SHARE = 0.1;

/**
 * What each answer teaches the controller: its latency, its rate-limit headers, and then
 * - a 429: a pause of everyone (pause-gate.ts), an estimate of the binding limit (limit-model.ts)
 *   and at most one cut per congestion epoch (growth-policy.ts);
 * - an accepted answer: evidence for growth, when the request was sent under demand and the
 *   rate was what held it back.
 * 5xx and network errors only count here: their backoff is the caller's, per request.
 */
export class AnswerHandler {
  throttledCount = 0;
  /** The headers' quota the pace was last seeded from. */
  private seededQuota = 0;

  constructor(private readonly p: AnswerHandlerParts) {}

  /** Bookkeeping every answer (or failure) shares; returns the headers' reading, if any. */
  settle(ticket: Ticket, response: UpstreamResponse | undefined, now: number): QuotaReading | undefined {
    const { latency, limits, telemetry } = this.p;
    latency.sample(now - ticket.sentAt);
    telemetry.answered(response?.status ?? 0);
    const reading = response && readQuotaHeaders(response.headers, 1000);
    this.p.state.landed(ticket.id, reading && headerWindow(reading, ticket.sentAt, now));
    if (reading === undefined) return undefined;
    limits.observe(reading, ticket.sentAt, now, latency.slowMs());
    const learned = limits.headers.learnedQuota();
    if (learned === undefined) return reading;
    const moved = Math.abs(learned - this.seededQuota) > SEED_AGAIN_SHARE * this.seededQuota;
    if ((this.seededQuota === 0 || moved) && !limits.headersUnderstate()) {
      // The headers tell the quota (again, when it moved): slow start is over. The growth rate
      // becomes a ceiling over them; their budget paces, until a 429 they did not foresee says
      // another limit binds.
      this.seededQuota = learned;
      const ceiling = Math.min(this.p.maxRate, this.p.ceilingOverQuota * learned);
      this.p.state.seed(ceiling, learned, now);
    }
    telemetry.quota(learned, reading.allowed);
    return reading;
  }

  throttled(
    ticket: Ticket,
    response: UpstreamResponse,
    reading: QuotaReading | undefined,
    now: number,
  ): void {
    const { state, limits, pause, telemetry } = this.p;
    this.throttledCount += 1;
    telemetry.throttled();
    // A 0 or missing retry time falls back to the window's reset only when the headers describe
    // the limit that refused: a per-second limit under them must not wait for a minute's end.
    const windowReset =
      limits.headers.described() && !limits.headersUnderstate() ? limits.headers.resetInMs(now) : undefined;
    const change = pause.throttled(response, ticket.sentAt, now, windowReset);
    if (change.started) telemetry.paused(change.until - now, !change.guessed);
    const s = state.read();
    // A probe after a guessed pause only says the guess was short; an old epoch's 429 is answered.
    const signal = !ticket.probe && ticket.epoch === s.epoch && now >= s.settledUntil;
    if (signal) this.congested(ticket, change.retryMs, reading, now);
    // The next cycle of the limit is measured from the start of this pause.
    if (change.started) limits.paused(now);
  }

  private congested(
    ticket: Ticket,
    retryMs: number | undefined,
    reading: QuotaReading | undefined,
    now: number,
  ) {
    const { state, limits, growth, telemetry } = this.p;
    const s = state.read();
    const estimate = limits.throttled(now, retryMs, reading);
    // While the headers describe the limit that refused, their budget paces and the growth rate is
    // only a ceiling over it: it comes down to the rate at send, not to an estimate of a limit.
    const described =
      limits.headers.described() && !estimate.contradictsHeaders && !limits.headersUnderstate();
    const from = s.rate;
    const cut = growth.congested({
      now,
      epochAtSend: ticket.epoch,
      rateAtSend: ticket.rateAtSend,
      estimate: described ? undefined : estimate.rate,
      wholeWindow: estimate.wholeWindow,
      ...(estimate.limit === undefined ? {} : { limit: estimate.limit }),
    });
    if (cut) telemetry.cut(from, state.read().rate, state.read().knee);
  }

  accepted(ticket: Ticket, now: number): void {
    const { limits, pause, growth } = this.p;
    limits.accept(now);
    if (ticket.probe) pause.probed(now);
    if (ticket.underDemand && ticket.rateBound && !ticket.probe) growth.accepted(now, ticket.epoch);
  }
}

function headerWindow(reading: QuotaReading, sentAt: number, receivedAt: number): HeaderWindow {
  const [endLo, endHi] = endBounds(reading, sentAt, receivedAt);
  return { allowed: reading.allowed, used: reading.used, endLo, endHi, at: receivedAt };
}
