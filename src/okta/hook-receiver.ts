import { randomUUID } from "node:crypto";
import express, { type Request, type RequestHandler, type Response, type Router } from "express";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { EventInbox } from "../store/event-inbox.ts";
import { createSecretCheck } from "./hook-auth.ts";
import { toInboxEvents, type ReadDelivery } from "./inbox-events.ts";
import { readEnvelope } from "./read-envelope.ts";

export interface HookReceiverOptions {
  secret: string;
  /** Lower-case header name Okta sends the secret in (authScheme.key). */
  header: string;
  store: EventInbox;
  log: Logger;
  metrics?: Metrics;
  /** Called after a delivery is stored, to wake the dispatcher. */
  onAccepted?: () => void;
  /** Called once per POST with what was answered and counted (the status page's recent deliveries). */
  onDelivery?: (report: HookDeliveryReport) => void;
  /** Largest delivery accepted. */
  bodyLimitBytes?: number;
  /** Okta group names whose membership events are queued (SYNC_GROUPS); others are ignored. */
  syncedGroups?: ReadonlySet<string>;
}

/** One delivery as the status page shows it: counts and event types, never the payload. */
export interface HookDeliveryReport {
  /** HTTP status answered to Okta. */
  status: number;
  events: number;
  stored: number;
  duplicates: number;
  ignored: number;
  /** Users whose pending change the delivery created or updated. */
  users: number;
  /** Event type → how many of the delivery's events had it. */
  eventTypes: ReadonlyMap<string, number>;
}

const NOTHING_COUNTED = {
  events: 0,
  stored: 0,
  duplicates: 0,
  ignored: 0,
  users: 0,
  eventTypes: new Map<string, number>(),
};

/** Answers Okta and reports the delivery (metrics, status page) in one place, whatever the outcome. */
type Answer = (
  res: Response,
  status: number,
  body?: { error: string; message: string },
  counted?: Omit<HookDeliveryReport, "status">,
) => void;

/**
 * Okta batches events close in time into one POST and documents no maximum; a System Log event is
 * typically 1–4 KB, so 16 MB holds several thousand of them.
 */
export const DEFAULT_HOOK_BODY_LIMIT = 16 * 1024 * 1024;

/**
 * The Okta event hook endpoint. Okta waits 3 s for an answer, retries once on a timeout or a 5xx and
 * never on a 4xx; after that the events are gone. So the receiver does only what must happen before
 * the answer — authenticate, validate, store durably — and leaves the syncing to the dispatcher.
 * https://developer.okta.com/docs/concepts/event-hooks/
 */
export function createHookReceiver(options: HookReceiverOptions): Router {
  const router = express.Router();
  const parseJson = express.json({
    limit: options.bodyLimitBytes ?? DEFAULT_HOOK_BODY_LIMIT,
    type: () => true, // the content type was checked already, with a clearer error
  });
  const answer: Answer = (res, status, body, counted = NOTHING_COUNTED) => {
    options.metrics?.hookDeliveries.inc({ status: String(status) });
    options.onDelivery?.({ status, ...counted });
    if (body) res.status(status).json(body);
    else res.status(status).end();
  };

  router.get("/okta/events", answerVerification);

  router.post(
    "/okta/events",
    requireSecretAndJson(options.header, createSecretCheck(options.secret), answer),
    parseJson,
    async (req: Request, res: Response) => {
      const read = readDelivery(req.body, options.syncedGroups);
      // The full events (kilobytes each) are not needed past this point: let them go before waiting
      // for the commit, so a burst of deliveries holds their small inbox events only.
      req.body = undefined;
      if ("invalid" in read) {
        answer(res, 400, { error: "invalid_envelope", message: read.invalid });
        return;
      }
      const { deliveryId, delivery } = read;
      const eventTypes = countByType(delivery.events);
      let counted = {
        ...NOTHING_COUNTED,
        events: delivery.events.length,
        ignored: delivery.ignored,
        users: delivery.users,
        eventTypes,
      };
      try {
        const result = await options.store.accept({ id: deliveryId, events: delivery.events });
        counted = { ...counted, stored: result.stored, duplicates: result.duplicates };
        options.metrics?.hookEvents.inc({ outcome: "queued" }, result.queued);
        options.metrics?.hookEvents.inc({ outcome: "duplicate" }, result.duplicates);
        options.metrics?.hookEvents.inc({ outcome: "ignored" }, result.stored - result.queued);
        options.log.info(
          {
            deliveryId,
            events: delivery.events.length,
            stored: result.stored,
            duplicates: result.duplicates,
            ignored: delivery.ignored,
            users: delivery.users,
          },
          "okta delivery stored",
        );
      } catch (error) {
        // A 5xx makes Okta retry once: better than acknowledging events that were not stored.
        options.log.error({ err: error, deliveryId }, "storing an okta delivery failed");
        answer(
          res,
          503,
          { error: "store_unavailable", message: "events could not be stored; retry" },
          counted,
        );
        return;
      }
      answer(res, 200, undefined, counted);
      options.onAccepted?.();
    },
  );
  return router;
}

/**
 * One-time verification when the hook is registered or re-verified: echo the challenge. It is the
 * only GET Okta sends; echoing a value back discloses nothing, so it needs no secret.
 */
function answerVerification(req: Request, res: Response): void {
  const challenge = req.get("x-okta-verification-challenge");
  if (!challenge) {
    res.status(400).json({
      error: "missing_challenge",
      message: "GET is only for Okta's verification: send the x-okta-verification-challenge header",
    });
    return;
  }
  res.status(200).json({ verification: challenge });
}

/** Before the body is read: the shared secret (compared in constant time), then the content type. */
function requireSecretAndJson(
  header: string,
  checkSecret: (presented: string | undefined) => boolean,
  answer: Answer,
): RequestHandler {
  return (req, res, next) => {
    if (!checkSecret(req.get(header))) {
      answer(res, 401, { error: "unauthorized", message: `missing or wrong ${header} header` });
      return;
    }
    if (!req.is("application/json")) {
      answer(res, 415, {
        error: "unsupported_media_type",
        message: `expected Content-Type: application/json, got ${req.get("content-type") ?? "none"}`,
      });
      return;
    }
    next();
  };
}

/**
 * The delivery's inbox events, read in a function of its own: the parsed envelope (every event in
 * full) is then garbage before the handler awaits the commit, not a local the suspended handler
 * keeps alive until it answers.
 */
function readDelivery(
  body: unknown,
  syncedGroups: ReadonlySet<string> | undefined,
): { invalid: string } | { deliveryId: string; delivery: ReadDelivery } {
  const read = readEnvelope(body);
  if ("invalid" in read) return read;
  const deliveryId = read.envelope.eventId ?? randomUUID();
  return { deliveryId, delivery: toInboxEvents(read.envelope.data.events, "live", syncedGroups) };
}

function countByType(events: readonly { eventType: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.eventType, (counts.get(e.eventType) ?? 0) + 1);
  return counts;
}
