import { setTimeout as sleep } from "node:timers/promises";
import { Agent, request } from "undici";
import type { RequiredWrite } from "../workload.ts";

const USERS_PATH = "/api/v2/scim/v2/users";

/** What a baseline sees of one answer. */
export interface Attempt {
  status: number;
  headers: Readonly<Record<string, string>>;
}

/**
 * Plain HTTP for the baselines: undici straight to the simulator with one client-credentials token,
 * the same deduplicated write list the bridge had to make, and the bookkeeping every baseline shares
 * (a replace needs the id its create got back). Retry and pacing policy is each baseline's own.
 */
export interface ScimWriter {
  readonly writes: readonly RequiredWrite[];
  /** The quota as documented, in requests per second: what a fixed-rate client is set to. */
  readonly documentedRate: number;
  /** Fires when the run's time is up; sleep() and send() then reject. */
  readonly signal: AbortSignal;
  /**
   * The writes in two phases, creates then replaces, as the bridge gets them: a baseline finishes
   * (or gives up) every create before it starts the replaces, which need the ids the creates got.
   */
  readonly phases: readonly (readonly RequiredWrite[])[];
  /** One attempt; "blocked" when the write is a replace whose create was given up (no id to PUT to). */
  send(write: RequiredWrite): Promise<Attempt | "blocked">;
  sleep(ms: number): Promise<void>;
  /** performance.now() of the last successful write. */
  lastSuccessAt(): number | undefined;
}

export interface ScimWriterOptions {
  url: string;
  clientId: string;
  clientSecret: string;
  writes: readonly RequiredWrite[];
  documentedRate: number;
  signal: AbortSignal;
}

export async function createScimWriter(
  options: ScimWriterOptions,
): Promise<ScimWriter & { close(): Promise<void> }> {
  const agent = new Agent({ connections: 64, keepAliveTimeout: 30_000 });
  const token = await fetchToken(agent, options);
  const ids = new Map<string, string>();
  let lastSuccess: number | undefined;

  return {
    writes: options.writes,
    phases: [
      options.writes.filter((w) => w.kind === "create"),
      options.writes.filter((w) => w.kind === "replace"),
    ],
    documentedRate: options.documentedRate,
    signal: options.signal,
    async send(write) {
      let url = `${options.url}${USERS_PATH}`;
      let body: unknown = write.body;
      if (write.kind === "replace") {
        const id = ids.get(write.oktaUserId);
        if (id === undefined) return "blocked";
        url = `${url}/${encodeURIComponent(id)}`;
        body = { ...write.body, id };
      }
      const res = await request(url, {
        method: write.kind === "create" ? "POST" : "PUT",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/scim+json",
          accept: "application/scim+json, application/json",
        },
        body: JSON.stringify(body),
        dispatcher: agent,
        signal: options.signal,
      });
      const text = await res.body.text();
      if (res.statusCode >= 200 && res.statusCode < 300) {
        lastSuccess = performance.now();
        if (write.kind === "create") ids.set(write.oktaUserId, (JSON.parse(text) as { id: string }).id);
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
      }
      return { status: res.statusCode, headers };
    },
    sleep: (ms) => sleep(Math.max(0, ms), undefined, { signal: options.signal }),
    lastSuccessAt: () => lastSuccess,
    // A run cut short may have destroyed the agent already (its aborted requests do): nothing to close then.
    close: () => (options.signal.aborted ? agent.destroy() : agent.close()).catch(() => {}),
  };
}

/** Retry-After as the usual client code reads it: a number of seconds, else nothing (no HTTP-date). */
export function retryAfterSeconds(attempt: Attempt): number | undefined {
  const value = attempt.headers["retry-after"];
  if (value === undefined || value.trim() === "") return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) ? seconds : undefined;
}

async function fetchToken(agent: Agent, options: ScimWriterOptions): Promise<string> {
  const res = await request(`${options.url}/oauth/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: "grant_type=client_credentials",
    dispatcher: agent,
  });
  const body = (await res.body.json()) as { access_token?: string };
  if (res.statusCode !== 200 || body.access_token === undefined) {
    throw new Error(`token request answered ${res.statusCode}`);
  }
  return body.access_token;
}
