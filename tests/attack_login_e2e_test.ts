/**
 * Issue 10 items 4 and 10, as an attacker would try them against the real server:
 *
 * - open redirect: links to `/login?next=...` crafted to send a logged-in operator off-site (a tab or newline
 *   that browsers drop, a backslash they read as a slash, `//host`, `/.//host`): every redirect stays on our
 *   origin, resolved the way a browser resolves it;
 * - login CSRF: another site makes the visitor's browser post *its own* credentials to our login form or API,
 *   so the visitor would work in the attacker's account. Refused over raw HTTP with the headers a browser
 *   sends, and in Debian's Chromium with a real attacker page on another site (localhost vs 127.0.0.1).
 */
import { assert, assertEquals } from "@std/assert";
import { chromium } from "playwright-core";
import { startApiServer } from "./helpers/api.ts";

const ATTACKER = { username: "mallory", password: "mallory-password-1" };

const EVIL_NEXTS = [
  "/%09/evil.example",
  "/%0A/evil.example",
  "/%0D%0A/evil.example",
  "/%5Cevil.example",
  "/%5C%5Cevil.example",
  "//evil.example",
  "/.//evil.example",
  "/%2F/evil.example",
  "https://evil.example/",
  "%2F%2Fevil.example",
  "/%00/evil.example",
];

Deno.test("no crafted next= sends a logged-in visitor, or one logging in, off our origin", async () => {
  const server = await startApiServer();
  try {
    const origin = new URL(server.url).origin;
    const cookie = await server.login("root", "root-password-1");
    for (const next of EVIL_NEXTS) {
      const res = await fetch(`${server.url}/login?next=${next}`, {
        headers: { cookie },
        redirect: "manual",
      });
      await res.body?.cancel();
      assertEquals(res.status, 303, next);
      const location = res.headers.get("location") ?? "";
      // Resolved as a browser does (the URL parser drops tabs and newlines, reads "\" as "/").
      assertEquals(new URL(location, server.url).origin, origin, `${next} -> ${JSON.stringify(location)}`);
    }
    // Logging in through the form: the same rule, and the page's own props carry only a safe path.
    for (const next of EVIL_NEXTS) {
      const form = await fetch(`${server.url}/login?next=${next}`);
      const html = await form.text();
      const props = /data-props="([^"]*)"|"next":"([^"]*)"/.exec(html);
      assert(props, "the login page has its island props");
      assert(!html.includes("evil.example"), `the login page carries ${next}`);
      const token = /"csrf":"([^"]+)"/.exec(html)?.[1] ?? "";
      const tokenCookie = (form.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
      const posted = await fetch(`${server.url}/login`, {
        method: "POST",
        headers: { cookie: tokenCookie },
        body: new URLSearchParams({ username: "root", password: "root-password-1", next, csrf: token }),
        redirect: "manual",
      });
      await posted.body?.cancel();
      assertEquals(posted.status, 303, next);
      assertEquals(new URL(posted.headers.get("location") ?? "", server.url).origin, origin, next);
    }
    // A real same-origin path survives.
    const ok = await fetch(`${server.url}/login?next=%2Ftransactions%3Fstatus%3Dactive`, {
      headers: { cookie },
      redirect: "manual",
    });
    await ok.body?.cancel();
    assertEquals(ok.headers.get("location"), "/transactions?status=active");
  } finally {
    await server.close();
  }
});

/** Whether an answer logs someone in: a session cookie is being set. */
function setsSession(res: Response): boolean {
  return (res.headers.get("set-cookie") ?? "").includes("csms_session=");
}

Deno.test("another site cannot log a visitor in as the attacker, through the form or the JSON API", async () => {
  const server = await startApiServer();
  try {
    await server.json("/api/v1/users", { method: "POST", body: { ...ATTACKER, role: "viewer" } });
    const crossSite = {
      origin: "http://evil.example",
      "sec-fetch-site": "cross-site",
      "sec-fetch-mode": "navigate",
    };
    const form = new URLSearchParams({ ...ATTACKER, next: "/" });

    // The classic attack: an auto-submitted form on the attacker's page, posting to our form handler.
    const viaForm = await fetch(`${server.url}/login`, {
      method: "POST",
      headers: crossSite,
      body: form,
      redirect: "manual",
    });
    await viaForm.body?.cancel();
    assertEquals(viaForm.status, 403);
    assert(!setsSession(viaForm));
    // An old browser that sends no Origin: still no token cookie, so still refused.
    const noOrigin = await fetch(`${server.url}/login`, { method: "POST", body: form, redirect: "manual" });
    await noOrigin.body?.cancel();
    assertEquals(noOrigin.status, 403);
    assert(!setsSession(noOrigin));
    // The attacker's own token (fetched for itself) is worthless without its cookie in the victim's browser.
    const own = await (await fetch(`${server.url}/login`)).text();
    const stolen = /"csrf":"([^"]+)"/.exec(own)?.[1] ?? "";
    const withToken = await fetch(`${server.url}/login`, {
      method: "POST",
      body: new URLSearchParams({ ...ATTACKER, next: "/", csrf: stolen }),
      redirect: "manual",
    });
    await withToken.body?.cancel();
    assertEquals(withToken.status, 403);

    // The JSON API from a form: text/plain needs no CORS preflight, so a form can send JSON-looking text.
    const textPlain = `{"username":"${ATTACKER.username}","password":"${ATTACKER.password}"}`;
    const apiCross = await fetch(`${server.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { ...crossSite, "content-type": "text/plain" },
      body: textPlain,
    });
    assertEquals(apiCross.status, 403);
    assertEquals((await apiCross.json()).error, "forbidden");
    assert(!setsSession(apiCross));
    const apiPlain = await fetch(`${server.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: textPlain,
    });
    assertEquals(apiPlain.status, 415);
    assertEquals((await apiPlain.json()).error, "unsupported_media_type");
    assert(!setsSession(apiPlain));

    // The real form, from our own page, still works.
    const page = await fetch(`${server.url}/login`);
    const token = /"csrf":"([^"]+)"/.exec(await page.text())?.[1] ?? "";
    const tokenCookie = (page.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const real = await fetch(`${server.url}/login`, {
      method: "POST",
      headers: { cookie: tokenCookie, origin: new URL(server.url).origin, "sec-fetch-site": "same-origin" },
      body: new URLSearchParams({ ...ATTACKER, next: "/", csrf: token }),
      redirect: "manual",
    });
    await real.body?.cancel();
    assertEquals(real.status, 303);
    assert(setsSession(real));
  } finally {
    await server.close();
  }
});

const CHROMIUM = "/usr/bin/chromium";
const noChromium = (() => {
  try {
    return !Deno.statSync(CHROMIUM).isFile;
  } catch {
    return true;
  }
})() && Deno.env.get("CI") !== "true";

Deno.test({
  name: "in Chromium, an attacker's page on another site that auto-submits the login form logs nobody in",
  ignore: noChromium,
  async fn() {
    const server = await startApiServer();
    await server.json("/api/v1/users", { method: "POST", body: { ...ATTACKER, role: "viewer" } });
    const target = `${server.url}/login`;
    // The attacker's site: localhost is another site than 127.0.0.1 for the browser.
    const evil = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
      const kind = new URL(req.url).pathname;
      const action = kind === "/api" ? `${server.url}/api/v1/auth/login` : target;
      const fields = kind === "/api"
        ? `<input name='{"username":"${ATTACKER.username}","password":"${ATTACKER.password}","x":"' value='"}'>`
        : `<input name="username" value="${ATTACKER.username}"><input name="password" value="${ATTACKER.password}">`;
      const enctype = kind === "/api" ? ' enctype="text/plain"' : "";
      return new Response(
        `<!doctype html><form id="f" method="post" action="${action}"${enctype}>${fields}</form>` +
          `<script>document.getElementById("f").submit()</script>`,
        { headers: { "content-type": "text/html" } },
      );
    });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic"],
    });
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      for (const kind of ["/form", "/api"]) {
        const answered = page.waitForResponse((r) =>
          r.url().startsWith(server.url) && r.request().method() === "POST"
        );
        await page.goto(`http://localhost:${evil.addr.port}${kind}`);
        const response = await answered;
        assertEquals(response.status(), 403, kind);
      }
      const cookies = await context.cookies(server.url);
      assertEquals(cookies.filter((c) => c.name === "csms_session"), [], "the visitor was logged in");
      // And the visitor's own sign-in on our page still works in the same browser.
      await page.goto(`${server.url}/login`);
      await page.getByLabel("Username").fill("root");
      await page.getByLabel("Password").fill("root-password-1");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${server.url}/`);
      assert((await context.cookies(server.url)).some((c) => c.name === "csms_session"));
    } finally {
      await browser.close();
      await evil.shutdown();
      await server.close();
    }
  },
});
