import type { Logger } from "../log.ts";
import type { Redis } from "./redis-connection.ts";

/** What the server says it keeps; undefined where CONFIG was refused (managed services may). */
export interface RedisPersistence {
  appendonly: string | undefined;
  appendfsync: string | undefined;
}

/**
 * Reads the server's persistence settings once at start and says what they mean for acknowledged
 * events: AOF off loses everything since the last snapshot on a Redis restart (a warning), AOF with
 * `everysec` loses up to a second on a machine crash, `always` loses nothing. A server that refuses
 * CONFIG gets an info line, not a warning: its operator may well have persistence on.
 */
export async function checkRedisPersistence(redis: Redis, log: Logger): Promise<RedisPersistence> {
  const setting = async (name: string) => {
    const reply = (await redis.call("CONFIG", "GET", name)) as string[];
    return reply[1];
  };
  let reading: RedisPersistence;
  try {
    reading = { appendonly: await setting("appendonly"), appendfsync: await setting("appendfsync") };
  } catch {
    log.info("Redis persistence could not be read (CONFIG refused): make sure appendonly is on");
    return { appendonly: undefined, appendfsync: undefined };
  }
  if (reading.appendonly !== "yes") {
    log.warn(
      { appendonly: reading.appendonly },
      "Redis persistence is off (appendonly no): events acknowledged to Okta are lost if Redis restarts; set appendonly yes and appendfsync always",
    );
  } else if (reading.appendfsync !== "always") {
    log.info(
      { appendfsync: reading.appendfsync },
      "Redis AOF is on but not fsynced on every write: a machine crash may lose up to a second of acknowledged events",
    );
  } else {
    log.info("Redis AOF is on and fsynced on every write: nothing acknowledged is lost");
  }
  return reading;
}
