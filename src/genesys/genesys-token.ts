import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import type { UpstreamHttp } from "../http/upstream-http.ts";
import { PermanentError, UpstreamUnavailableError } from "../errors.ts";
import { fullJitterBackoffMs } from "../throttle/backoff.ts";

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

  async function fetchToken(): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      let failure: string;
      try {
        const res = await options.http.send({
          method: "POST",
          url: `${options.loginUrl}/oauth/token`,
          headers: {
            authorization: `Basic ${basic}`,
            "content-type": "application/x-www-form-urlencoded",
            accept: "application/json",
          },
          body: "grant_type=client_credentials",
        });
        if (res.status === 200) {
          const body = JSON.parse(res.body) as { access_token?: unknown; expires_in?: unknown };
          if (typeof body.access_token !== "string" || body.access_token === "") {
            throw new PermanentError("Genesys token endpoint answered 200 without an access_token");
          }
          const ttlMs = (typeof body.expires_in === "number" ? body.expires_in : 3600) * 1000;
          current = {
            token: body.access_token,
            expiresAt: clock.now() + Math.max(ttlMs - margin, ttlMs / 2),
          };
          return body.access_token;
        }
        if (res.status === 400 || res.status === 401 || res.status === 403) {
          // Wrong client id or secret, or a client without the client-credentials grant.
          throw new PermanentError(
            `Genesys refused the OAuth client credentials (${res.status}); check GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET`,
            res.status,
          );
        }
        failure = `Genesys token endpoint answered ${res.status}`;
      } catch (error) {
        if (error instanceof PermanentError) throw error;
        failure = `Genesys token endpoint unreachable: ${(error as Error).message}`;
      }
      if (attempt >= maxAttempts) throw new UpstreamUnavailableError("genesys", failure);
      await clock.sleep(fullJitterBackoffMs(attempt - 1, 250, 10_000, Math.random));
    }
  }

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
