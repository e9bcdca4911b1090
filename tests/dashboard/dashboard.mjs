// Opens the cluster dashboard in a real headless Chromium (Debian's, through Playwright), signs in with the admin key
// and waits until what it shows meets the expectation, or the time is up. Prints one JSON line: {ok, seen, errors},
// where errors are the page's console errors, uncaught exceptions and failed requests.
// Usage: node dashboard.mjs <baseUrl> <adminKey> '<expectation JSON>' [screenshot.png]
// Expectation: {hosting?, gateways?, devicesAtLeast?, deliveredAtLeast?, leader?: true, eventContaining?, timeoutMs?}
import { chromium } from "playwright-core";

const [base, adminKey, expectationJson, screenshot] = process.argv.slice(2);
const expectation = JSON.parse(expectationJson);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
const errors = [];
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
  page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("requestfailed", (request) => errors.push(`request failed: ${request.url()}`));
  await page.goto(`${base}/admin`);
  await page.fill("#key", adminKey);
  await page.click("button[type=submit]");

  const read = () => page.evaluate(() => {
    const number = (id) => Number(document.getElementById(id).textContent);
    const rows = [...document.querySelectorAll("#gateways tr")].map((tr) => ({
      instance: tr.dataset.instance,
      devices: Number(tr.children[3].textContent),
      delivered: Number(tr.children[6].textContent),
    }));
    return {
      hosting: number("hosting-count"),
      gateways: number("gateway-count"),
      devices: number("device-count"),
      delivered: rows.reduce((sum, r) => sum + r.delivered, 0),
      leader: document.getElementById("leader").textContent,
      events: [...document.querySelectorAll("#events tr")].map((tr) => tr.textContent),
      rows,
    };
  });
  const met = (seen) =>
    (expectation.hosting === undefined || seen.hosting === expectation.hosting) &&
    (expectation.gateways === undefined || seen.gateways === expectation.gateways) &&
    (expectation.devicesAtLeast === undefined || seen.devices >= expectation.devicesAtLeast) &&
    (expectation.deliveredAtLeast === undefined || seen.delivered >= expectation.deliveredAtLeast) &&
    (expectation.leader === undefined || (seen.leader !== "none" && seen.leader !== "several" && seen.leader !== "–")) &&
    (expectation.eventContaining === undefined || seen.events.some((e) => e.includes(expectation.eventContaining)));

  const deadline = Date.now() + (expectation.timeoutMs ?? 30000);
  let seen = await read();
  while (!met(seen) && Date.now() < deadline) {
    await page.waitForTimeout(250); // the page refreshes itself every 3 s: look again shortly
    seen = await read();
  }

  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  process.stdout.write(JSON.stringify({ ok: met(seen), seen, errors }) + "\n");
} finally {
  await browser.close();
}
