import { randomUUID } from "node:crypto";

/**
 * Okta System Log events as an event hook delivers them (`data.events[]`). Events carry ids, not
 * attribute values: the bridge has to read the user back from the Users API. Shapes follow the
 * System Log API's LogEvent object; display messages are the ones Okta writes for these types.
 */
export type OktaEventType = keyof typeof displayMessages;

const displayMessages = {
  "user.lifecycle.create": "Create Okta user",
  "user.lifecycle.activate": "Activate Okta user",
  "user.lifecycle.reactivate": "Reactivate Okta user",
  "user.lifecycle.deactivate": "Deactivate Okta user",
  "user.lifecycle.suspend": "Suspend Okta user",
  "user.lifecycle.unsuspend": "Unsuspend Okta user",
  "user.lifecycle.delete.initiated": "Delete Okta user",
  "user.account.update_profile": "Update user profile for Okta",
  "group.user_membership.add": "Add user to group membership",
  "group.user_membership.remove": "Remove user from group membership",
} as const;

export interface OktaEventActor {
  id: string;
  type: string;
  alternateId: string;
  displayName: string;
  detailEntry: null;
}

export interface OktaEventTarget {
  id: string;
  type: "User" | "UserGroup";
  alternateId: string;
  displayName: string;
  detailEntry: null;
}

export interface OktaSystemLogEvent {
  uuid: string;
  published: string;
  eventType: OktaEventType;
  version: "0";
  displayMessage: string;
  severity: "INFO";
  legacyEventType: string | null;
  actor: OktaEventActor;
  client: {
    userAgent: null;
    zone: null;
    device: "Unknown";
    id: null;
    ipAddress: null;
    geographicalContext: null;
  };
  authenticationContext: {
    authenticationProvider: null;
    credentialProvider: null;
    credentialType: null;
    issuer: null;
    externalSessionId: string;
    interface: null;
  };
  securityContext: { asNumber: null; asOrg: null; isp: null; domain: null; isProxy: null };
  outcome: { result: "SUCCESS"; reason: string | null };
  target: OktaEventTarget[];
  transaction: { type: "WEB" | "JOB"; id: string; detail: Record<string, never> };
  debugContext: { debugData: Record<string, string> };
  request: { ipChain: [] };
}

/** The admin the simulator pretends made every change. */
export const simulatedAdmin: OktaEventActor = {
  id: "00uSimulatedAdmin001",
  type: "User",
  alternateId: "admin@example.com",
  displayName: "Simulated Admin",
  detailEntry: null,
};

/** Builds events with `published` times that strictly increase, even within one millisecond. */
export class OktaEventFactory {
  #lastPublished = 0;

  constructor(
    readonly now: () => number,
    readonly actor: OktaEventActor = simulatedAdmin,
  ) {}

  /** A transaction id for events that one change produces together (create then activate). */
  transaction(): string {
    return randomUUID().replace(/-/g, "").slice(0, 20);
  }

  event(
    eventType: OktaEventType,
    target: OktaEventTarget[],
    transactionId: string,
    debugData: Record<string, string> = {},
  ): OktaSystemLogEvent {
    this.#lastPublished = Math.max(this.now(), this.#lastPublished + 1);
    return {
      uuid: randomUUID(),
      published: new Date(this.#lastPublished).toISOString(),
      eventType,
      version: "0",
      displayMessage: displayMessages[eventType],
      severity: "INFO",
      legacyEventType: null,
      actor: this.actor,
      client: {
        userAgent: null,
        zone: null,
        device: "Unknown",
        id: null,
        ipAddress: null,
        geographicalContext: null,
      },
      authenticationContext: {
        authenticationProvider: null,
        credentialProvider: null,
        credentialType: null,
        issuer: null,
        externalSessionId: "trs" + transactionId.slice(0, 17),
        interface: null,
      },
      securityContext: { asNumber: null, asOrg: null, isp: null, domain: null, isProxy: null },
      outcome: { result: "SUCCESS", reason: null },
      target,
      transaction: { type: "WEB", id: transactionId, detail: {} },
      debugContext: { debugData: { requestId: transactionId, ...debugData } },
      request: { ipChain: [] },
    };
  }
}
