import type { UpstreamResponse } from "../upstream-response.ts";
import { PermanentError, UpstreamUnavailableError } from "../errors.ts";
import type { GenesysRequest } from "./genesys-call.ts";
import { SCIM_PATCH_OP } from "./scim-user.ts";

/** A write that went through, and the version Genesys gave the resource (for the next If-Match). */
export interface Written {
  id: string;
  version: string | undefined;
}

export function written(res: UpstreamResponse): Written {
  const body = JSON.parse(res.body) as { id: string; meta?: { version?: string } };
  return { id: body.id, version: body.meta?.version ?? res.headers["etag"] };
}

/** The SCIM error type of a failed answer (`invalidVers` on a stale If-Match, which Genesys answers 400). */
export function scimType(res: UpstreamResponse): string | undefined {
  try {
    return (JSON.parse(res.body) as { scimType?: string }).scimType;
  } catch {
    return undefined;
  }
}

/**
 * Turns a failed answer into the error that says what to do: the upstream's own status and detail
 * are kept (a human reads them in the dead letters), 5xx is transient, other 4xx are permanent.
 */
export function scimError(res: UpstreamResponse, what: string): Error {
  let detail = "";
  try {
    const body = JSON.parse(res.body) as { detail?: string; scimType?: string; message?: string };
    detail = [body.scimType, body.detail ?? body.message].filter(Boolean).join(": ");
  } catch {
    detail = res.body.slice(0, 200);
  }
  const message = `Genesys answered ${res.status} ${what}${detail ? ` (${detail})` : ""}`;
  if (res.status >= 500 || res.status === 429) return new UpstreamUnavailableError("genesys", message);
  return new PermanentError(message, res.status);
}

/**
 * A PATCH sent with If-Match, for users and groups alike: what was written, `stale` when the
 * version no longer matches (Genesys answers 400 invalidVers, not 412), `not-found` when it is gone.
 */
export async function sendPatch(
  call: (req: GenesysRequest) => Promise<UpstreamResponse>,
  url: string,
  operations: readonly unknown[],
  ifMatch: string | undefined,
  what: string,
): Promise<Written | "stale" | "not-found"> {
  const res = await call({
    method: "PATCH",
    url,
    body: JSON.stringify({ schemas: [SCIM_PATCH_OP], Operations: operations }),
    ...(ifMatch === undefined ? {} : { headers: { "if-match": ifMatch } }),
  });
  if (res.status === 200) return written(res);
  if (res.status === 204) return { id: url.slice(url.lastIndexOf("/") + 1), version: res.headers["etag"] };
  if (res.status === 404) return "not-found";
  if (res.status === 400 && scimType(res) === "invalidVers") return "stale";
  throw scimError(res, what);
}
