import assert from "./support/assert.ts";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { startHarness, type Harness } from "./support/harness.ts";
import { person } from "./support/people.ts";

/** Debian's chromium (apt-get install chromium): playwright-core brings no browser of its own. */
const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
/** STATUS_SCREENSHOT=1 saves the page mid-burst for the README. */
const SCREENSHOT = process.env["STATUS_SCREENSHOT"] === "1";
const SCREENSHOT_PATH = join(dirname(fileURLToPath(import.meta.url)), "..", "docs", "status-page.png");
const USERS = 60;

let browser: Browser | undefined;
let h: Harness | undefined;
after(async () => {
  await browser?.close();
  await h?.close();
});

const text = (page: Page, id: string) => page.locator(`#${id}`).innerText();

async function changes(page: Page, id: string, from: string, timeout = 10_000): Promise<string> {
  await page.waitForFunction(
    ([elementId, before]) => {
      const now = document.getElementById(elementId!)?.textContent;
      return now !== before && now !== "—";
    },
    [id, from] as const,
    { timeout },
  );
  return text(page, id);
}

test("the status page loads under helmet's CSP and its numbers move live while a burst syncs", async () => {
  assert.ok(
    existsSync(CHROMIUM),
    `no browser at ${CHROMIUM}: this test drives Debian's chromium (npm run test:setup installs it)`,
  );
  // A slow Genesys quota (8 requests/s) makes a burst of 60 users take several seconds.
  h = await startHarness({
    genesys: { rateLimit: { limit: 8, windowMs: 1000 } },
    bridge: { statusPage: { bucketMs: 1000, buckets: 30, sampleMs: 250 } },
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));

  const response = await page.goto(`${h.url}/`);
  assert.equal(response?.status(), 200);
  const csp = response?.headers()["content-security-policy"] ?? "";
  assert.match(csp, /script-src 'self'/, "helmet's CSP is served with the page");
  assert.doesNotMatch(csp, /script-src[^;]*unsafe-inline/);
  assert.equal(await page.title(), "Okta → Genesys bridge · status");

  const writesBefore = await changes(page, "writes-total", "—");
  assert.equal(writesBefore, "0");
  assert.equal(await text(page, "health"), "All caught up");
  assert.equal(await text(page, "queue-pending"), "0");

  const events = [];
  for (let i = 0; i < USERS; i++) events.push(...h.okta.createUser(person(400 + i)).events);
  const delivered = h.deliver(events, 30);

  const pendingDuringBurst = await changes(page, "queue-pending", "0");
  assert.ok(Number(pendingDuringBurst) > 0, `queue depth shown during the burst: ${pendingDuringBurst}`);
  const writesFirst = await changes(page, "writes-total", writesBefore);
  // Another job starts spending the same OAuth client's quota: the bridge meets a few 429s and adapts.
  h.genesys.setExternalLoad(5);
  const writesLater = await changes(page, "writes-total", writesFirst);
  assert.ok(Number(writesLater) > Number(writesFirst), `${writesFirst} then ${writesLater}`);
  assert.ok(Number(writesLater) < USERS, "read while the burst was still syncing");
  assert.match(await text(page, "health"), /Syncing|paused/);
  h.genesys.setExternalLoad(0); // seen adapting; the rest of the burst need not share the quota

  if (SCREENSHOT) {
    await page.waitForFunction(
      (target) => Number(document.getElementById("writes-total")?.textContent) >= target,
      USERS * 0.6,
      { timeout: 20_000 },
    );
    mkdirSync(dirname(SCREENSHOT_PATH), { recursive: true });
    await page.screenshot({ path: SCREENSHOT_PATH, fullPage: true });
  }

  assert.ok((await delivered).every((d) => d.delivered));
  await h.settle();
  await changes(page, "writes-total", writesLater, 15_000);
  await page.waitForFunction(
    (users) => document.getElementById("writes-total")?.textContent === String(users),
    USERS,
    { timeout: 5_000 },
  );
  await page.waitForFunction(() => document.getElementById("health")?.textContent === "All caught up");
  assert.equal(await text(page, "queue-pending"), "0");
  assert.ok((await page.locator("#chart rect.bar-writes").count()) > 0, "the chart drew write bars");
  const rows = page.locator("#deliveries tr");
  assert.equal(await rows.count(), 4, "one row per delivery (120 events in batches of 30)");
  assert.match(await rows.first().innerText(), /200[\s\S]*user\.lifecycle\.activate ×15/);

  const seen = [...problems]; // a poll cut short by closing the page is not the page's fault
  await page.close();
  assert.deepEqual(seen, [], "no console errors, page errors or failed requests");
});
