import { systemClock, type Clock } from "../clock.ts";
import type { HookDeliveryReport } from "../okta/hook-receiver.ts";

/** A hook delivery's report as the page shows it: when, and its event types summarised. */
export interface RecentDelivery extends Omit<HookDeliveryReport, "eventTypes"> {
  /** Epoch ms the delivery was answered. */
  at: number;
  /** Most frequent first, at most MAX_TYPES entries (the rest are summed into "other"). */
  eventTypes: { type: string; count: number }[];
}

/** A delivery may hold thousands of events of any type; the page needs the gist. */
const MAX_TYPES = 6;
const MAX_TYPE_LENGTH = 80;

/** The last few hook deliveries for the status page, newest first; bounded whatever the traffic. */
export class RecentDeliveries {
  readonly #limit: number;
  readonly #clock: Clock;
  #items: RecentDelivery[] = [];

  constructor(options: { limit?: number; clock?: Clock } = {}) {
    this.#limit = Math.max(1, options.limit ?? 20);
    this.#clock = options.clock ?? systemClock;
  }

  record(report: HookDeliveryReport): void {
    this.#items.unshift({
      at: this.#clock.now(),
      status: report.status,
      events: report.events,
      stored: report.stored,
      duplicates: report.duplicates,
      ignored: report.ignored,
      users: report.users,
      eventTypes: summarize(report.eventTypes),
    });
    if (this.#items.length > this.#limit) this.#items.length = this.#limit;
  }

  list(): RecentDelivery[] {
    return this.#items.map((d) => ({ ...d, eventTypes: d.eventTypes.map((t) => ({ ...t })) }));
  }
}

function summarize(types: ReadonlyMap<string, number>): { type: string; count: number }[] {
  const sorted = [...types].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = sorted
    .slice(0, MAX_TYPES)
    .map(([type, count]) => ({ type: type.slice(0, MAX_TYPE_LENGTH), count }));
  const rest = sorted.slice(MAX_TYPES).reduce((sum, [, count]) => sum + count, 0);
  if (rest > 0) shown.push({ type: "other", count: rest });
  return shown;
}
