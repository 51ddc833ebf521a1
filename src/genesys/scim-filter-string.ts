/** A SCIM filter string literal: quotes and backslashes escaped (RFC 7644 §3.4.2.2). */
export function scimString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}
