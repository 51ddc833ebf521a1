import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import type { UpstreamHttp } from "../http/upstream-http.ts";
import { PermanentError, UpstreamUnavailableError } from "../errors.ts";
import { retryWithBackoff } from "../throttle/backoff.ts";
import type { UpstreamResponse } from "../upstream-response.ts";

export interface GenesysTokenOptions {
  loginUrl: string;
  clientId: string;
  clientSecret: string;
  http: UpstreamHttp;
  clock?: Clock;
  /** Renew this long before Genesys says the token expires, so no request carries a dying token. */
  refreshMarginMs?: number;
  maxAttempts?: number;
}

export interface GenesysToken {
  /** A valid bearer token; at most one fetch at a time, shared by every caller waiting for it. */
  get(): Promise<string>;
  /** Drops `token` after a 401 so the next get() fetches a new one (a newer token is kept). */
  invalidate(token: string): void;
}

/**
 * OAuth client credentials against https://login.{region}/oauth/token. The token is reused until
 * shortly before `expires_in` runs out (Genesys allows 5 min to 48 h, 24 h by default); fetching one
 * per request would spend the token endpoint's own rate limit.
 */
export function createGenesysToken(options: GenesysTokenOptions): GenesysToken {
  const clock = options.clock ?? systemClock;
  const margin = options.refreshMarginMs ?? 60_000;
  const maxAttempts = options.maxAttempts ?? 5;
  const basic = Buffer.from(`${options.clientId}:${options.clientSecret}`).toString("base64");
  let current: { token: string; expiresAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  /** One request to the token endpoint; any failure but refused credentials is worth another try. */
  async function requestToken(): Promise<string> {
    let res: UpstreamResponse;
    try {
      res = await options.http.send({
        method: "POST",
        url: `${options.loginUrl}/oauth/token`,
        headers: {
          authorization: `Basic ${basic}`,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: "grant_type=client_credentials",
      });
    } catch (error) {
      throw new UpstreamUnavailableError(
        "genesys",
        `Genesys token endpoint unreachable: ${(error as Error).message}`,
      );
    }
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      // Wrong client id or secret, or a client without the client-credentials grant.
      throw new PermanentError(
        `Genesys refused the OAuth client credentials (${res.status}); check GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET`,
        res.status,
      );
    }
    if (res.status !== 200)
      throw new UpstreamUnavailableError("genesys", `Genesys token endpoint answered ${res.status}`);
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(res.body) as typeof body;
    } catch (error) {
      throw new UpstreamUnavailableError(
        "genesys",
        `Genesys token endpoint answered 200 with a body that is not JSON: ${(error as Error).message}`,
      );
    }
    if (typeof body.access_token !== "string" || body.access_token === "") {
      throw new PermanentError("Genesys token endpoint answered 200 without an access_token");
    }
    const ttlMs = (typeof body.expires_in === "number" ? body.expires_in : 3600) * 1000;
    current = { token: body.access_token, expiresAt: clock.now() + Math.max(ttlMs - margin, ttlMs / 2) };
    return body.access_token;
  }

  const fetchToken = () =>
    retryWithBackoff(requestToken, {
      maxAttempts,
      baseMs: 250,
      capMs: 10_000,
      clock,
      retryable: (error) => !(error instanceof PermanentError),
    });

  return {
    get() {
      if (current && clock.now() < current.expiresAt) return Promise.resolve(current.token);
      inFlight ??= fetchToken().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    invalidate(token) {
      if (current?.token === token) current = undefined;
    },
  };
}
