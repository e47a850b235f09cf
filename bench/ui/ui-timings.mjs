// The web UI's figures in Debian's chromium (bench/ui.sh starts the host and
// makes the containers): page load to interactive for the dashboard and a
// container page, the delay from a stats sample to the page showing it, and
// the containers grid with many containers (first render, search, paging).
// Prints one JSON object. Usage: node ui-timings.mjs URL USER PASSWORD CONTAINER_ID ROUNDS
import { chromium } from "playwright-core";

const [url, user, password, containerId, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 15);
const median = a => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.floor((s.length - 1) / 2)] : null; };
const p95 = a => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)] : null; };
const round1 = x => x === null ? null : Math.round(x * 10) / 10;

const browser = await chromium.launch({
  executablePath: "/usr/lib/chromium/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const context = await browser.newContext({ baseURL: url, viewport: { width: 1366, height: 860 } });
const page = await context.newPage();
page.setDefaultTimeout(30000);

await page.goto("/login");
await page.fill("input[name=username]", user);
await page.fill("input[name=password]", password);
await page.click("button[type=submit]");
await page.waitForSelector("#page-title:text('Dashboard')");

// time PATH READY: from navigation start to READY (a selector that only the live, interactive page shows).
async function load(path, ready) {
  const times = [];
  for (let i = 0; i < rounds; i++) {
    const start = Date.now();
    await page.goto(path);
    await page.waitForSelector(ready);
    times.push(Date.now() - start);
  }
  return times;
}

const dashboard = await load("/", "[data-testid=node-cpu] .mud-progress-linear");
const container = await load(`/containers/${containerId}`, "[data-testid=stats-cpu]");

// Each change of the stats line: the page's clock when it changed less the sample's time (same machine's clock).
await page.evaluate(() => {
  window.berthDelays = [];
  const el = document.querySelector("[data-testid=stats-now]");
  let last = el.dataset.sampleTime;
  new MutationObserver(() => {
    const now = Date.now();
    const t = document.querySelector("[data-testid=stats-now]")?.dataset.sampleTime;
    if (t && t !== last) { window.berthDelays.push(now - Number(t)); last = t; }
  }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
});
await page.waitForFunction(n => window.berthDelays.length >= n, rounds, { timeout: 120000, polling: 200 });
const statDelays = await page.evaluate(() => window.berthDelays);

// The grid: first render of the list, a search that leaves one row, and the next page.
const grid = await load("/containers", "[data-testid=containers-grid] tbody tr:nth-child(25)");
const search = [];
const paging = [];
for (let i = 0; i < rounds; i++) {
  await page.goto("/containers");
  await page.waitForSelector("[data-testid=containers-grid] tbody tr:nth-child(25)");
  const name = `grid-${String(i).padStart(4, "0")}`;
  const input = page.locator("[data-testid=grid-search] input, input[data-testid=grid-search]").first();
  let start = Date.now();
  await input.fill(name);
  await page.waitForFunction(n => {
    const rows = document.querySelectorAll("[data-testid=containers-grid] tbody tr");
    return rows.length === 1 && rows[0].textContent.includes(n);
  }, name, { polling: "raf" });
  // The search waits 200 ms for typing to stop (its debounce): counted out.
  search.push(Date.now() - start - 200);
  await input.fill("");
  await page.waitForSelector("[data-testid=containers-grid] tbody tr:nth-child(25)");
  const first = await page.locator("[data-testid=containers-grid] tbody tr").first().textContent();
  start = Date.now();
  await page.locator(".mud-table-pagination-actions button").nth(2).click();
  await page.waitForFunction(f => document.querySelector("[data-testid=containers-grid] tbody tr")?.textContent !== f, first, { polling: "raf" });
  paging.push(Date.now() - start);
}
const rows = await page.locator("[data-testid=containers-grid]").evaluate(() => (document.querySelector(".mud-table-pagination")?.innerText ?? "").replace(/\s+/g, " "));

await browser.close();
console.log(JSON.stringify({
  rounds,
  dashboard_interactive_ms: { median: median(dashboard), p95: p95(dashboard) },
  container_page_interactive_ms: { median: median(container), p95: p95(container) },
  stat_to_page_ms: { median: round1(median(statDelays)), p95: round1(p95(statDelays)), samples: statDelays.length },
  grid_first_render_ms: { median: median(grid), p95: p95(grid) },
  grid_search_ms: { median: median(search), p95: p95(search) },
  grid_next_page_ms: { median: median(paging), p95: p95(paging) },
  grid_pager: rows.trim(),
}));
