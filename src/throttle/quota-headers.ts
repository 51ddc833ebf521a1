import { headerValue } from "./header-value.ts";

/**
 * One answer's view of the quota window, from Genesys' `inin-ratelimit-allowed/-count/-reset` or
 * Okta's `X-Rate-Limit-Limit/-Remaining/-Reset`. The count covers everyone on the same client id
 * (other jobs, other replicas), which is why pacing on it shares a quota without talking to them.
 */
export interface QuotaReading {
  /** The window's limit. */
  allowed: number;
  /** Requests the upstream has counted in the window so far (Genesys counts rejected ones too). */
  used: number;
  /** When the window resets: seconds from the answer (Genesys) or an epoch time (Okta). */
  reset: { kind: "relative"; ms: number } | { kind: "absolute"; at: number };
  /**
   * The rounding of the reset value: whole seconds leave up to one second of doubt, which is a
   * fifth of a window when tests scale a minute down to five seconds. 0 when the value had decimals.
   */
  resolutionMs: number;
}

export function readQuotaHeaders(
  headers: Readonly<Record<string, string>>,
  secondMs: number,
): QuotaReading | undefined {
  return readGenesys(headers, secondMs) ?? readOkta(headers);
}

function readGenesys(headers: Readonly<Record<string, string>>, secondMs: number): QuotaReading | undefined {
  const allowed = number(headerValue(headers, "inin-ratelimit-allowed"));
  const used = number(headerValue(headers, "inin-ratelimit-count"));
  const resetText = headerValue(headers, "inin-ratelimit-reset");
  const reset = number(resetText);
  if (allowed === undefined || used === undefined || reset === undefined || allowed <= 0) return undefined;
  return {
    allowed,
    used,
    reset: { kind: "relative", ms: reset * secondMs },
    resolutionMs: resetText?.includes(".") ? 0 : secondMs,
  };
}

function readOkta(headers: Readonly<Record<string, string>>): QuotaReading | undefined {
  const allowed = number(headerValue(headers, "x-rate-limit-limit"));
  const remaining = number(headerValue(headers, "x-rate-limit-remaining"));
  const reset = number(headerValue(headers, "x-rate-limit-reset"));
  if (allowed === undefined || remaining === undefined || reset === undefined || allowed <= 0)
    return undefined;
  // Okta's reset is an epoch second: the same one-second doubt, on an absolute time.
  return {
    allowed,
    used: Math.max(0, allowed - remaining),
    reset: { kind: "absolute", at: reset * 1000 },
    resolutionMs: 1000,
  };
}

function number(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+(?:\.\d+)?\s*$/.test(value)) return undefined;
  return Number(value);
}
