import type { Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import { createGenesysClient, type GenesysClient } from "./genesys/genesys-client.ts";
import { createGenesysToken, type GenesysToken } from "./genesys/genesys-token.ts";
import type { Logger } from "./log.ts";
import type { Metrics } from "./metrics.ts";
import { createOktaClient, type OktaClient } from "./okta/okta-client.ts";
import type { MemoryQuotaStateOptions, QuotaState } from "./throttle/quota-state.ts";
import type { RateController } from "./throttle/rate-controller.ts";
import type { Upstream } from "./upstream-response.ts";
import { createUpstreamStack, type ControllerTuning } from "./upstream-stack.ts";

export interface UpstreamsOptions {
  config: Readonly<Config>;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  genesysController?: ControllerTuning | undefined;
  oktaController?: ControllerTuning | undefined;
  /** Replicas: the quota state each controller shares with the other replicas' (REDIS_URL). */
  sharedQuota?: ((upstream: Upstream, initial: Required<MemoryQuotaStateOptions>) => QuotaState) | undefined;
}

export interface Upstreams {
  genesys: GenesysClient;
  genesysToken: GenesysToken;
  genesysController: RateController;
  okta: OktaClient;
  oktaController: RateController;
  /** Releases every request still waiting for quota (they fail with ShuttingDownError). */
  closeControllers(): void;
  /** Closes the connections; call once no request is in flight. */
  closeConnections(): Promise<void>;
}

/**
 * Okta's per-user GET allows 100/min (developer orgs) to 1,000-2,000/min: start at 10/s and let its
 * X-Rate-Limit headers tell the controller the org's real quota.
 */
const OKTA_INITIAL_RATE = 10;

/** The Genesys and the Okta client, each on its own upstream stack (HTTP, rate controller, metrics). */
export function createUpstreams(options: UpstreamsOptions): Upstreams {
  const { config, clock, log, metrics } = options;
  const timeoutMs = config.limits.httpTimeoutMs;
  const genesysCeiling =
    config.limits.genesysRateLimit === undefined ? undefined : config.limits.genesysRateLimit / 60;
  // The controller's own defaults when the state is its own (a told limit starts there, no slow start).
  const shared = (upstream: Upstream, initialRate: number, ceiling: number | undefined) =>
    options.sharedQuota === undefined
      ? {}
      : {
          quotaState: options.sharedQuota(upstream, {
            initialRate: ceiling ?? initialRate,
            slowStart: ceiling === undefined,
          }),
        };
  const genesysStack = createUpstreamStack({
    upstream: "genesys",
    clock,
    log,
    metrics,
    timeoutMs,
    initialRate: config.limits.genesysInitialRate,
    maxConcurrency: config.limits.genesysMaxConcurrency,
    tuning: {
      // GENESYS_RATE_LIMIT is per minute, like Genesys' own quota; the controller counts per second.
      ...(genesysCeiling === undefined ? {} : { rateLimit: genesysCeiling }),
      ...shared("genesys", config.limits.genesysInitialRate, genesysCeiling),
      ...options.genesysController,
    },
  });
  const oktaStack = createUpstreamStack({
    upstream: "okta",
    clock,
    log,
    metrics,
    timeoutMs,
    initialRate: OKTA_INITIAL_RATE,
    maxConcurrency: config.limits.oktaMaxConcurrency,
    tuning: { ...shared("okta", OKTA_INITIAL_RATE, undefined), ...options.oktaController },
  });
  const genesysToken = createGenesysToken({ ...config.genesys, http: genesysStack.http, clock });
  const genesys = createGenesysClient({
    apiUrl: config.genesys.apiUrl,
    http: genesysStack.http,
    token: genesysToken,
    controller: genesysStack.controller,
  });
  const okta = createOktaClient({ ...config.okta, http: oktaStack.http, controller: oktaStack.controller });
  return {
    genesys,
    genesysToken,
    genesysController: genesysStack.controller,
    okta,
    oktaController: oktaStack.controller,
    closeControllers() {
      genesysStack.controller.close();
      oktaStack.controller.close();
    },
    closeConnections: async () => {
      await Promise.all([genesysStack.http.close(), oktaStack.http.close()]);
    },
  };
}
