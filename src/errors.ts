/**
 * The few kinds of failure the dispatcher must tell apart. Each class says what to do next, so the
 * code that meets a failure does not have to know who will handle it.
 */

/** Try this user again later; nothing is wrong with the data. `retryAt` (epoch ms) when known. */
export class RetryLaterError extends Error {
  override name = "RetryLaterError";
  constructor(
    message: string,
    readonly retryAt?: number,
  ) {
    super(message);
  }
}

/** The quota is spent (a request kept being answered 429): retry later, not a failure of the user. */
export class ThrottledError extends RetryLaterError {
  override name = "ThrottledError";
}

/** An upstream kept failing (5xx, resets, timeouts) after bounded retries. */
export class UpstreamUnavailableError extends RetryLaterError {
  override name = "UpstreamUnavailableError";
  constructor(
    readonly upstream: string,
    message: string,
    retryAt?: number,
  ) {
    super(message, retryAt);
  }
}

/**
 * Retrying cannot help until someone changes something (a 400 invalid attribute, a 403 missing
 * permission, a 409 userName owned by another user, an Okta user with no usable login): park the
 * user as a dead letter with the upstream's own words so a human can act on it.
 */
export class PermanentError extends Error {
  override name = "PermanentError";
  constructor(
    message: string,
    readonly upstreamStatus?: number,
  ) {
    super(message);
  }
}

/** The process is shutting down: leave the work where it is. */
export class ShuttingDownError extends Error {
  override name = "ShuttingDownError";
}
