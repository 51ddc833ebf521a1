import { createMemoryQuotaState } from "../src/throttle/quota-state.ts";
import { quotaStateContract } from "./support/quota-state-contract.ts";

quotaStateContract("in-memory", async (initialRate) => createMemoryQuotaState({ initialRate }));
