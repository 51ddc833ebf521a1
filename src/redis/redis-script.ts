import type { ChainableCommander } from "ioredis";
import type { Redis } from "./redis-connection.ts";

export type ScriptArg = string | number;

/** A Lua script: atomic on the server, sent by SHA after the first call (ioredis defineCommand). */
export interface RedisScript {
  run(keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown>;
  /** Adds a call to a pipeline, so that several scripts share one round trip. */
  queue(pipeline: ChainableCommander, keys: readonly string[], args: readonly ScriptArg[]): void;
}

type Dynamic = Record<string, (...args: ScriptArg[]) => unknown>;

/**
 * Wraps ioredis' defineCommand, whose commands are added at run time and so untyped. Every key a
 * script touches is passed in KEYS (Redis Cluster routes by them); `keys` must have `numberOfKeys`,
 * or any number when it is "any".
 */
export function redisScript(
  redis: Redis,
  name: string,
  numberOfKeys: number | "any",
  lua: string,
): RedisScript {
  const command = `ogb_${name}`;
  if (!(command in redis)) {
    redis.defineCommand(command, numberOfKeys === "any" ? { lua } : { numberOfKeys, lua });
  }
  const call = (target: object, keys: readonly string[], args: readonly ScriptArg[]) => {
    if (numberOfKeys === "any") return (target as Dynamic)[command]!(keys.length, ...keys, ...args);
    if (keys.length !== numberOfKeys)
      throw new Error(`${name} takes ${numberOfKeys} keys, got ${keys.length}`);
    return (target as Dynamic)[command]!(...keys, ...args);
  };
  return {
    run: (keys, args) => call(redis, keys, args) as Promise<unknown>,
    queue: (pipeline, keys, args) => void call(pipeline, keys, args),
  };
}
