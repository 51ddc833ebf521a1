import { pino, type DestinationStream, type Logger } from "pino";
import { createSecretScrubber } from "./secret-scrubber.ts";

export type { Logger };

/**
 * Paths the logger blanks out whatever code logs them: secrets are redacted by the logger itself,
 * not by remembering to leave them out.
 */
const redactPaths = [
  "secret",
  "token",
  "password",
  "authorization",
  "*.secret",
  "*.token",
  "*.password",
  "*.authorization",
  "*.accessToken",
  "*.access_token",
  "*.clientSecret",
  "*.apiToken",
  "*.hookSecret",
  "*.adminToken",
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-okta-verification-challenge"]',
  "headers.authorization",
  "*.headers.authorization",
];

export function createLogger(
  options: { level?: string; destination?: DestinationStream; secrets?: readonly string[] } = {},
): Logger {
  const secrets = options.secrets ?? [];
  return pino(
    {
      level: options.level ?? "info",
      redact: { paths: redactPaths, censor: "[redacted]" },
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      // A configured secret can still reach a log line inside a free-text message (an upstream error
      // body echoing a header, say); scrub every known secret value from the rendered line too.
      hooks: secrets.length === 0 ? {} : { streamWrite: createSecretScrubber(secrets) },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
