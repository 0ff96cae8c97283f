/**
 * createPageRoutes(deps): the operator dashboard. Pages are rendered on the server with Preact from data the
 * operator API gives the visitor (in-process, with their cookie); only the islands ship JavaScript, one bundle
 * at `/static/islands.js` built by esbuild on first request. No CDN: the CSS and the script are ours.
 *
 * @example
 * ```ts ignore
 * const api: ApiFetch = (path, init, connection) => app.request(path, init, connection);
 * app.route("/", createPageRoutes({ api, logger }));
 * ```
 */
import { Hono } from "hono";
import { deleteCookie } from "hono/cookie";
import type { Context } from "hono";
import type { VNode } from "preact";
import type { Logger } from "../../logger.ts";
import type { Viewer } from "../../components/layout.tsx";
import { handshakesPage, idTagsPage } from "./admin.tsx";
import { simulatorPage, tokensPage, usersPage } from "./accounts.tsx";
import { createIslandBundle, type IslandBundle } from "./bundle.ts";
import { isSameOrigin } from "../same_origin.ts";
import {
  type ApiFetch,
  html,
  isStatusPage,
  NeedsLogin,
  type PageApi,
  pageApi,
  PageError,
  safeNext,
  type StatusPage,
} from "./http.ts";
import { issueLoginToken, LOGIN_TOKEN_COOKIE, loginTokenMatches } from "./login_token.ts";
import { errorPage, loginPage, setupPage } from "./misc.tsx";
import { overviewPage } from "./overview.tsx";
import { jobPage, jobsPage } from "./jobs.tsx";
import { securityPage } from "./security.tsx";
import { sitePage, sitesPage } from "./sites.tsx";
import { stationPage } from "./station.tsx";
import { transactionPage, transactionsPage } from "./transactions.tsx";

export interface PageDeps {
  /** The whole app's fetch (the API is under /api), for in-process calls. */
  api: ApiFetch;
  logger: Logger;
  now?: () => Date;
  /** The island bundle; one per app by default. */
  bundle?: IslandBundle;
}

const CSS_URL = new URL("../../static/app.css", import.meta.url);

/** Whether no user exists yet: the setup page is then the way in. */
async function setupNeeded(api: PageApi): Promise<boolean> {
  try {
    return (await api.get<{ needed: boolean }>("/api/v1/setup")).needed;
  } catch {
    return false;
  }
}

/** A styled error page for a browser (with the navigation when the visitor is signed in). */
export async function browserErrorPage(
  c: Context,
  fetchApi: ApiFetch,
  status: 404 | 500,
  message: string,
): Promise<Response> {
  let viewer: Viewer | null = null;
  try {
    viewer = await pageApi(c, fetchApi).viewer();
  } catch {
    // Shown without the navigation.
  }
  return html(c, errorPage(status, message, viewer), status);
}

/** Whether the caller is a browser asking for a page (not a script asking for JSON). */
export function wantsHtml(c: Context): boolean {
  return (c.req.header("accept") ?? "").includes("text/html");
}

export function createPageRoutes(deps: PageDeps): Hono {
  const app = new Hono();
  const now = deps.now ?? (() => new Date());
  const bundle = deps.bundle ?? createIslandBundle();
  let css: Promise<string> | undefined;

  /** Runs a page: a missing login goes to /login, a PageError becomes an error page. */
  const page = (render: (c: Context, api: ReturnType<typeof pageApi>) => Promise<VNode | StatusPage>) =>
    async function renderPage(c: Context) {
      const api = pageApi(c, deps.api);
      try {
        const out = await render(c, api);
        return isStatusPage(out) ? html(c, out.page, out.status) : html(c, out);
      } catch (error) {
        if (error instanceof NeedsLogin) {
          if (await setupNeeded(api)) return c.redirect("/setup", 303);
          return c.redirect(`/login?next=${encodeURIComponent(c.req.path + new URL(c.req.url).search)}`, 303);
        }
        let viewer: Viewer | null = null;
        try {
          viewer = await api.viewer();
        } catch {
          // Shown without the navigation.
        }
        if (error instanceof PageError) {
          return html(c, errorPage(error.status, error.message, viewer), error.status);
        }
        deps.logger.error("page failed", { path: c.req.path, error: String(error) });
        return html(c, errorPage(500, "The page could not be shown; the server log says why.", viewer), 500);
      }
    };

  app.get("/static/islands.js", async (c) => {
    const { code, hash } = await bundle.get();
    const etag = `"${hash}"`;
    const headers = { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache", etag };
    if (c.req.header("if-none-match") === etag) return c.body(null, 304, headers);
    return c.body(code, 200, headers);
  });

  app.get("/static/app.css", async (c) => {
    css ??= Deno.readTextFile(CSS_URL).catch((error) => {
      css = undefined;
      throw error;
    });
    return c.body(await css, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "no-cache" });
  });

  app.get("/login", async (c) => {
    const next = safeNext(c.req.query("next"));
    const api = pageApi(c, deps.api);
    try {
      await api.viewer();
      return c.redirect(next, 303);
    } catch {
      if (await setupNeeded(api)) return c.redirect("/setup", 303);
      return html(c, loginPage(next, { csrf: issueLoginToken(c) }));
    }
  });

  // The first run: only while no user exists (afterwards it is the login page's turn).
  app.get("/setup", async (c) => {
    if (!(await setupNeeded(pageApi(c, deps.api)))) return c.redirect("/login", 303);
    return html(c, setupPage());
  });

  // Without JavaScript the setup form posts here. The setup token is what another site cannot know, and the
  // API also wants our own origin.
  app.post("/setup", async (c) => {
    const form = await c.req.parseBody();
    const username = String(form["username"] ?? "");
    const password = String(form["password"] ?? "");
    if (password !== String(form["repeat"] ?? password)) {
      return html(c, setupPage({ error: "The two passwords differ", username }), 400);
    }
    const res = await pageApi(c, deps.api).raw("/api/v1/setup", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ setupToken: String(form["setupToken"] ?? "").trim(), username, password }),
    });
    const answer = await res.json().catch(() => ({}));
    if (res.status === 409) return c.redirect("/login", 303);
    if (res.status !== 201) {
      const status = res.status === 400 || res.status === 403 || res.status === 429 ? res.status : 500;
      return html(c, setupPage({ error: answer.message ?? "Cannot create the admin", username }), status);
    }
    const cookie = res.headers.get("set-cookie");
    if (cookie) c.header("set-cookie", cookie, { append: true });
    return c.redirect("/", 303);
  });

  // Without JavaScript the login form posts here; the island posts JSON to the API directly. Login CSRF (another
  // site posting its own credentials to sign the visitor in as someone else) is refused twice: the form must
  // come from our origin when the browser says where it comes from, and carry the token of our login cookie.
  app.post("/login", async (c) => {
    const form = await c.req.parseBody();
    const next = safeNext(c.req.query("next") ?? String(form["next"] ?? ""));
    if (!isSameOrigin(c) || !loginTokenMatches(c, form["csrf"])) {
      const error = "This sign-in form expired or came from another site; please sign in again.";
      return html(c, loginPage(next, { error, csrf: issueLoginToken(c) }), 403);
    }
    const res = await pageApi(c, deps.api).raw("/api/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        username: String(form["username"] ?? ""),
        password: String(form["password"] ?? ""),
      }),
    });
    const answer = await res.json().catch(() => ({}));
    if (res.status !== 200) {
      const error = answer.message ?? "Cannot sign in";
      return html(c, loginPage(next, { error, csrf: issueLoginToken(c) }), res.status === 429 ? 429 : 401);
    }
    const cookie = res.headers.get("set-cookie");
    if (cookie) c.header("set-cookie", cookie, { append: true });
    deleteCookie(c, LOGIN_TOKEN_COOKIE, { path: "/login" });
    return c.redirect(next, 303);
  });

  app.post("/logout", async (c) => {
    const res = await pageApi(c, deps.api).raw("/api/v1/auth/logout", { method: "POST" });
    await res.body?.cancel();
    const cookie = res.headers.get("set-cookie");
    if (cookie) c.header("set-cookie", cookie);
    return c.redirect("/login", 303);
  });

  app.get("/", page((c, api) => overviewPage(api, c.req.query())));
  app.get("/stations/:id", page((c, api) => stationPage(api, c.req.param("id") ?? "", now(), c.req.query())));
  app.get("/transactions", page((c, api) => transactionsPage(api, c.req.query(), now())));
  app.get("/transactions/:id", page((c, api) => transactionPage(api, c.req.param("id") ?? "", now())));
  app.get("/id-tags", page((_c, api) => idTagsPage(api, now())));
  app.get("/jobs", page((_c, api) => jobsPage(api)));
  app.get("/jobs/:id", page((c, api) => jobPage(api, c.req.param("id") ?? "")));
  app.get("/handshakes", page((_c, api) => handshakesPage(api)));
  app.get("/security", page((c, api) => securityPage(api, c.req.query())));
  app.get("/sites", page((_c, api) => sitesPage(api)));
  app.get("/sites/:siteId", page((c, api) => sitePage(api, c.req.param("siteId") ?? "")));
  app.get("/admin", (c) => c.redirect("/admin/users", 303));
  app.get("/admin/users", page((_c, api) => usersPage(api)));
  app.get("/admin/tokens", page((_c, api) => tokensPage(api)));
  app.get("/admin/simulator", page((_c, api) => simulatorPage(api)));
  return app;
}
