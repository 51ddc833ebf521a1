/**
 * A SCIM error (RFC 7644 §3.12) as Genesys answers it: `status` is a string, `scimType` says which
 * rule was broken (`uniqueness` on a taken userName, `invalidVers` on a stale If-Match, which Genesys
 * answers 400 rather than 412).
 */
export const SCIM_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

export type ScimErrorType =
  | "uniqueness"
  | "invalidVers"
  | "invalidFilter"
  | "invalidSyntax"
  | "invalidPath"
  | "invalidValue"
  | "mutability"
  | "noTarget"
  | "tooMany";

export class ScimError extends Error {
  override name = "ScimError";
  constructor(
    readonly status: number,
    readonly scimType: ScimErrorType | undefined,
    readonly detail: string,
  ) {
    super(detail);
  }

  toJSON(): Record<string, unknown> {
    return {
      schemas: [SCIM_ERROR_SCHEMA],
      status: String(this.status),
      ...(this.scimType === undefined ? {} : { scimType: this.scimType }),
      detail: this.detail,
    };
  }
}
