/**
 * Real Chromium for dashboard tests (Debian's /usr/bin/chromium through npm playwright-core, headless, no
 * sandbox; never a downloaded browser): launching, pages that collect script errors, signing in, and
 * screenshots kept in test-artifacts/ (not committed).
 */
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from "playwright-core";
import type { ApiTestServer } from "./api.ts";

export const CHROMIUM = "/usr/bin/chromium";
const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();
/** In CI browser tests must run (a missing Chromium fails them); elsewhere they may be skipped, saying why. */
export const skipBrowser = !hasChromium && Deno.env.get("CI") !== "true";
export const SKIP_REASON = skipBrowser
  ? ` (ignored: ${CHROMIUM} is missing; install it with apt-get install -y chromium)`
  : "";

const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url);

export async function launch(): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

/** A screenshot, `test-artifacts/dashboard-<name>.png`: the full page unless `fullPage` is false. */
export async function shot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({
    path: new URL(`dashboard-${name}.png`, ARTIFACTS).pathname,
    fullPage: options.fullPage ?? true,
  });
}

/** A page that fails the test on any script error (a broken hydration shows up here). */
export async function openPage(context: BrowserContext, errors: string[]): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  page.setDefaultTimeout(10_000);
  return page;
}

export async function logIn(page: Page, url: string, who: { username: string; password: string }) {
  await page.goto(`${url}/`);
  await page.waitForURL(/\/login\?next=%2F$/);
  await page.getByLabel("Username").fill(who.username);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${url}/`);
}

/**
 * A page of a new browser context (`options`, e.g. a viewport), collecting script errors into `errors`
 * (`openPage`), signed in as `who` at `url` (`logIn`): where most dashboard tests start.
 */
export async function signedInPage(
  browser: Browser,
  url: string,
  who: { username: string; password: string },
  errors: string[],
  options?: BrowserContextOptions,
): Promise<Page> {
  const page = await openPage(await browser.newContext(options), errors);
  await logIn(page, url, who);
  return page;
}

export async function createUser(
  server: ApiTestServer,
  who: { username: string; password: string },
  role: string,
): Promise<void> {
  const res = await server.json("/api/v1/users", { method: "POST", body: { ...who, role } });
  if (res.status !== 201) throw new Error(`Cannot create ${who.username}: ${JSON.stringify(res.body)}`);
}
