/**
 * Reads a header by its lower-case name. UpstreamResponse promises lower-case names; the scan is a
 * cheap guard for a client that forgot, because a missed rate-limit header silently costs 429s.
 */
export function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const exact = headers[name];
  if (exact !== undefined) return exact;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}
