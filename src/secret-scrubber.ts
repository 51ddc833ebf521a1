/** Field names that must never be shown or logged with their value, whoever reports them. */
const SECRET_NAME = /secret|token|password|passwd|authorization|cookie|credential|api.?key/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Too short to hide: blanking every "abc" out of every line would garble the text and hide nothing. */
const MIN_SECRET_LENGTH = 4;

/**
 * Blanks every known secret value out of a text, as it is and as it appears inside a JSON string (a
 * quote or a backslash in a secret is escaped there): a configured secret can reach a log line or a
 * JSON answer inside free text, e.g. an upstream error body echoing a header.
 */
export function createSecretScrubber(secrets: readonly string[]): (text: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  // Longest first, so that a secret containing another is blanked whole.
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((out, form) => out.split(form).join("[redacted]"), text);
}
