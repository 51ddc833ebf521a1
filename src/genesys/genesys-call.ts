import type { UpstreamHttp, UpstreamRequest } from "../http/upstream-http.ts";
import type { Lane } from "../lane.ts";
import type { RateController } from "../throttle/rate-controller.ts";
import type { UpstreamResponse } from "../upstream-response.ts";
import { UpstreamUnavailableError } from "../errors.ts";
import type { GenesysToken } from "./genesys-token.ts";

export interface GenesysCallOptions {
  http: UpstreamHttp;
  token: GenesysToken;
  controller: RateController;
}

export type GenesysRequest = Omit<UpstreamRequest, "headers"> & { headers?: Record<string, string> };

/** One Genesys API request, through the Genesys rate controller, with the bearer token. */
export type GenesysCall = (lane: Lane, req: GenesysRequest) => Promise<UpstreamResponse>;

export function createGenesysCall(options: GenesysCallOptions): GenesysCall {
  /** A 401 means the token expired or was revoked: get a new one and try once more. */
  return async function call(lane, req) {
    for (let attempt = 1; ; attempt++) {
      const token = await options.token.get();
      const res = await options.controller.run(lane, () =>
        options.http.send({
          ...req,
          headers: {
            authorization: `Bearer ${token}`,
            accept: "application/scim+json, application/json",
            ...(req.body === undefined ? {} : { "content-type": "application/scim+json" }),
            ...req.headers,
          },
        }),
      );
      if (res.status !== 401) return res;
      options.token.invalidate(token);
      if (attempt >= 2) {
        throw new UpstreamUnavailableError(
          "genesys",
          "Genesys answered 401 twice in a row with fresh tokens",
        );
      }
    }
  };
}
