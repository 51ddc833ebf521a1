import type { OktaProfile } from "../../sim/okta-simulator.ts";

/** A plausible Okta profile for the n-th test user. */
export function person(n: number, over: Partial<OktaProfile> = {}): OktaProfile {
  return {
    login: `user${n}@example.com`,
    email: `user${n}@example.com`,
    firstName: `First${n}`,
    lastName: `Last${n}`,
    title: "Agent",
    department: `Dept${n % 7}`,
    employeeNumber: String(10_000 + n),
    primaryPhone: `+1 555 01${String(n % 100).padStart(2, "0")}`,
    ...over,
  };
}
