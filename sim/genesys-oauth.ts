import { randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Genesys Cloud's client-credentials grant (`POST https://login.{env}/oauth/token`, HTTP Basic
 * `base64(clientId:clientSecret)`, form body `grant_type=client_credentials`), and the bearer check
 * on the API host. Tokens live `tokenTtlSeconds`; after that an API call is answered 401 and a client
 * has to fetch a new one, as with the real `expires_in`.
 */
export interface OAuthAnswer {
  status: number;
  body: Record<string, unknown>;
}

export class GenesysOAuth {
  readonly #tokens = new Map<string, { clientId: string; expiresAt: number }>();

  constructor(
    readonly clients: ReadonlyMap<string, string>,
    readonly tokenTtlSeconds: number,
    readonly now: () => number,
  ) {}

  issue(authorization: string | undefined, form: string): OAuthAnswer {
    const clientId = this.#authenticate(authorization);
    if (clientId === undefined) {
      return {
        status: 401,
        body: {
          error: "invalid_client",
          description: "client authentication failed",
          error_description: "client authentication failed",
        },
      };
    }
    const grantType = new URLSearchParams(form).get("grant_type");
    if (grantType !== "client_credentials") {
      return {
        status: 400,
        body: {
          error: "unsupported_grant_type",
          description: `grant_type ${grantType ?? "(missing)"} is not supported`,
        },
      };
    }
    const token = randomBytes(32).toString("base64url");
    this.#tokens.set(token, { clientId, expiresAt: this.now() + this.tokenTtlSeconds * 1000 });
    return {
      status: 200,
      body: { access_token: token, token_type: "bearer", expires_in: this.tokenTtlSeconds },
    };
  }

  /** The client id behind a valid `Authorization: Bearer` header, or undefined (answer 401). */
  verify(authorization: string | undefined): string | undefined {
    if (authorization === undefined || !/^bearer /i.test(authorization)) return undefined;
    const token = authorization.slice(7).trim();
    const entry = this.#tokens.get(token);
    if (entry === undefined) return undefined;
    if (this.now() >= entry.expiresAt) {
      this.#tokens.delete(token);
      return undefined;
    }
    return entry.clientId;
  }

  /** Every token issued so far stops working now (a revoked client, an org-wide session reset). */
  expireAll(): void {
    this.#tokens.clear();
  }

  #authenticate(authorization: string | undefined): string | undefined {
    if (authorization === undefined || !/^basic /i.test(authorization)) return undefined;
    const decoded = Buffer.from(authorization.slice(6).trim(), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon === -1) return undefined;
    const clientId = decoded.slice(0, colon);
    const expected = this.clients.get(clientId);
    if (expected === undefined) return undefined;
    const given = Buffer.from(decoded.slice(colon + 1));
    const wanted = Buffer.from(expected);
    return given.length === wanted.length && timingSafeEqual(given, wanted) ? clientId : undefined;
  }
}
