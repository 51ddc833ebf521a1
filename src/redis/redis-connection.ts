import { Redis } from "ioredis";
import type { Logger } from "../log.ts";

export type { Redis };

export interface RedisConnectionOptions {
  /** redis:// or rediss:// (TLS); a password in the URL is sent with AUTH and never logged. */
  url: string;
  log: Logger;
  /** Time to open the connection (TCP, TLS, AUTH). Default 5 s. */
  connectTimeoutMs?: number;
  /** Time one command may wait for its reply. Default 5 s. */
  commandTimeoutMs?: number;
  /** Longest wait between reconnect attempts. Default 2 s. */
  maxReconnectDelayMs?: number;
}

/**
 * One Redis connection with the bridge's fault behaviour: commands never queue while Redis is away
 * (they fail at once, so the hook answers 503 within Okta's 3 s instead of holding the delivery),
 * every command has a timeout, and reconnecting goes on for ever, so work resumes by itself when
 * Redis returns. One outage gives one warning and one "reconnected" line, not one per attempt.
 */
export function connectRedis(options: RedisConnectionOptions): Redis {
  const { log } = options;
  const where = redactRedisUrl(options.url);
  const maxDelay = options.maxReconnectDelayMs ?? 2000;
  const redis = new Redis(options.url, {
    connectTimeout: options.connectTimeoutMs ?? 5000,
    commandTimeout: options.commandTimeoutMs ?? 5000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), maxDelay),
    // A failover turns the old primary read-only: reconnect to find the new one.
    reconnectOnError: (error) => error.message.startsWith("READONLY"),
  });
  let down = false;
  let everReady = false;
  const lost = (reason: string) => {
    if (down) return;
    down = true;
    log.warn({ redis: where, reason }, "Redis unreachable: intake and syncs wait for it");
  };
  redis.on("ready", () => {
    log.info({ redis: where }, everReady ? "Redis reachable again" : "Redis connected");
    everReady = true;
    down = false;
  });
  // A server that goes away cleanly only closes the connection (then a reconnect is scheduled);
  // one that cannot be reached errors. A deliberate disconnect() schedules nothing and says nothing.
  redis.on("reconnecting", () => lost("connection closed"));
  redis.on("error", (error: Error) => lost(error.message));
  return redis;
}

/** Resolves once the connection is ready, or rejects after `timeoutMs` (start-up only). */
export async function redisReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === "ready") return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off("ready", onReady);
      reject(new Error(`Redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once("ready", onReady);
  });
}

/** The URL as it may be logged: scheme, host, port and database, never the user or password. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === "/" ? "" : parsed.pathname}`;
  } catch {
    return "(unparsable Redis URL)";
  }
}
