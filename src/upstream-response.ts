/**
 * What the rate controller and the clients see of an upstream answer: the body is read in full
 * because Genesys puts the retry time in the 429 message text when the header is missing.
 * Header names are lower case.
 */
export interface UpstreamResponse {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: string;
}

export type Upstream = "genesys" | "okta";
