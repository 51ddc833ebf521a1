import { randomUUID } from "node:crypto";

/**
 * The platform's own (non-SCIM) error body, as Genesys sends it on 401, 404, 413, 429 and 5xx
 * answers; `contextId` is the id Genesys support asks for.
 */
export function genesysError(status: number, code: string, message: string) {
  return { message, code, status, contextId: randomUUID(), details: [], errors: [] };
}
