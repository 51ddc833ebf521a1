import { z } from "zod";

/**
 * The event hook envelope, validated only as far as the bridge relies on it: Okta adds fields over
 * time, so unknown fields pass through, and a malformed event inside an otherwise valid delivery is a
 * 400 naming the field (Okta logs it; a silently dropped event would be worse).
 */
const target = z
  .object({
    id: z.string().optional(),
    type: z.string().optional(),
    alternateId: z.string().nullish(),
  })
  .loose();

export const oktaEventSchema = z
  .object({
    uuid: z.string({ error: "is required (a string)" }).min(1, { error: "must not be empty" }),
    eventType: z.string({ error: "is required (a string)" }).min(1, { error: "must not be empty" }),
    published: z
      .string({ error: "is required (an ISO date-time)" })
      .refine((v) => !Number.isNaN(Date.parse(v)), {
        error: "must be an ISO date-time",
      }),
    target: z.array(target).nullish(),
    outcome: z.object({ result: z.string().optional() }).loose().nullish(),
  })
  .loose();

export const envelopeSchema = z
  .object({
    eventId: z.string().optional(),
    eventType: z.string().optional(),
    data: z.object(
      { events: z.array(oktaEventSchema, { error: "is required (an array of Okta events)" }) },
      { error: "is required (an object holding events[])" },
    ),
  })
  .loose();

export type OktaEvent = z.infer<typeof oktaEventSchema>;
export type Envelope = z.infer<typeof envelopeSchema>;

/** "data.events[3].uuid: is required (a string)" — the field path Okta's admin can look up. */
export function describeEnvelopeError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path.reduce<string>(
        (acc, part) =>
          typeof part === "number" ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part),
        "",
      );
      return `${path || "body"}: ${issue.message}`;
    })
    .join("; ");
}
