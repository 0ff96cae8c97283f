/**
 * createPageRoutes(deps): the operator dashboard. Pages are rendered on the server with Preact from data the
 * operator API gives the visitor (in-process, with their cookie); only the islands ship JavaScript, one bundle
 * at `/static/islands.js` built by esbuild on first request. No CDN: the CSS and the script are ours.
 *
 * @example
 * ```ts ignore
 * app.route("/", createPageRoutes({ api: (path, init) => app.request(path, init), logger }));
 * ```
 */
import { Hono } from "hono";
import { deleteCookie } from "hono/cookie";
import type { Context } from "hono";
import type { VNode } from "preact";
import type { Logger } from "../../logger.ts";
import type { Viewer } from "../../components/layout.tsx";
import { handshakesPage, idTagsPage } from "./admin.tsx";
import { createIslandBundle, type IslandBundle } from "./bundle.ts";
import { isSameOrigin } from "../same_origin.ts";
import { type ApiFetch, html, NeedsLogin, pageApi, PageError, safeNext } from "./http.ts";
import { issueLoginToken, LOGIN_TOKEN_COOKIE, loginTokenMatches } from "./login_token.ts";
import { errorPage, loginPage } from "./misc.tsx";
import { overviewPage } from "./overview.tsx";
import { securityPage } from "./security.tsx";
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

export function createPageRoutes(deps: PageDeps): Hono {
  const app = new Hono();
  const now = deps.now ?? (() => new Date());
  const bundle = deps.bundle ?? createIslandBundle();
  let css: Promise<string> | undefined;

  /** Runs a page: a missing login goes to /login, a PageError becomes an error page. */
  const page = (render: (c: Context, api: ReturnType<typeof pageApi>) => Promise<VNode>) =>
    async function renderPage(c: Context) {
      const api = pageApi(c, deps.api);
      try {
        return html(c, await render(c, api));
      } catch (error) {
        if (error instanceof NeedsLogin) {
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
    try {
      await pageApi(c, deps.api).viewer();
      return c.redirect(next, 303);
    } catch {
      return html(c, loginPage(next, { csrf: issueLoginToken(c) }));
    }
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

  app.get("/", page((c, api) => overviewPage(api, c.req.query(), now())));
  app.get("/stations/:id", page((c, api) => stationPage(api, c.req.param("id") ?? "")));
  app.get("/transactions", page((c, api) => transactionsPage(api, c.req.query())));
  app.get("/transactions/:id", page((c, api) => transactionPage(api, c.req.param("id") ?? "")));
  app.get("/id-tags", page((_c, api) => idTagsPage(api)));
  app.get("/handshakes", page((_c, api) => handshakesPage(api)));
  app.get("/security", page((c, api) => securityPage(api, c.req.query())));
  return app;
}
