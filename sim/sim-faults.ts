/**
 * Faults a test asks a simulator to produce for its next requests: the failures that real Okta and
 * Genesys show now and then (a 5xx, a reset connection, a request that never returns).
 */

export interface SimRequest {
  method: string;
  path: string;
}

export interface SimFault<Kind extends string> {
  /** Which requests the fault hits; by default every API request. */
  match?: (req: SimRequest) => boolean;
  kind: Kind;
  /** How many requests it hits before it is spent. */
  times: number;
}

/** The request-level faults both simulators understand. */
export type RequestFaultKind = "500" | "503" | "reset" | "hang";

export class FaultQueue<Kind extends string> {
  readonly #pending: { fault: SimFault<Kind>; remaining: number }[] = [];

  add(fault: SimFault<Kind>): void {
    if (fault.times > 0) this.#pending.push({ fault, remaining: fault.times });
  }

  /** Spends one use of the first pending fault that `applies` to this request. */
  take(applies: (fault: SimFault<Kind>) => boolean): Kind | undefined {
    if (this.#pending.length === 0) return undefined;
    const index = this.#pending.findIndex((entry) => applies(entry.fault));
    const entry = this.#pending[index];
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.#pending.splice(index, 1);
    return entry.fault.kind;
  }

  clear(): void {
    this.#pending.length = 0;
  }
}
