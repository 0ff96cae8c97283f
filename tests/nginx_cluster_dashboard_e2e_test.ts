/**
 * README's cluster nginx block, as an operator deploys it (QA of a production-like run, session 38): two server
 * processes on one PostgreSQL database behind nginx, and the dashboard reached through it in Chromium. nginx
 * listens on a port of its own here, as it does for any operator who does not give it 443: with the block's
 * `Host $host` (no port), the server compared the browser's Origin `https://host:port` with Host `host` and
 * refused every sign-in with 403 "Cross-origin request refused".
 */
import { assert, assertEquals } from "@std/assert";
import { ADMIN } from "./helpers/api.ts";
import { launch, logIn, openPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { freePort, ignoreWithoutNginx, readmeServerBlock, startNginx } from "./helpers/nginx.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { spawnServer } from "./helpers/process.ts";
import { makePki } from "./helpers/tls.ts";

const ignore = skipBrowser || (await ignoreWithoutNginx()) ||
  (await ignoreWithoutPostgres("nginx cluster tests"));

/** README's nginx block with the `upstream csms` of the cluster section. */
async function clusterBlock(): Promise<string> {
  for (let i = 0;; i++) {
    const block = await readmeServerBlock(i);
    if (block.includes("upstream csms")) return block;
  }
}

Deno.test({
  name:
    `an operator signs in and works through README's cluster nginx block on a port of its own${SKIP_REASON}`,
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const db = await migratedDatabase("csms_nginx_cluster");
    const env = {
      DATABASE_URL: db.url,
      ADMIN_USER: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      TRUSTED_PROXIES: "127.0.0.1",
    };
    const a = await spawnServer(env);
    const b = await spawnServer(env);
    const pki = await makePki();
    const port = await freePort();
    const block = (await clusterBlock())
      .replace(
        /upstream csms \{[\s\S]*?\n\}/,
        `upstream csms {\n    server 127.0.0.1:${a.port};\n    server 127.0.0.1:${b.port};\n}`,
      )
      .replace("listen 443 ssl;", `listen 127.0.0.1:${port} ssl;`)
      .replace("/path/to/cert.pem", pki.serverCert)
      .replace("/path/to/key.pem", pki.serverKey);
    assert(
      block.includes(`127.0.0.1:${b.port}`) && block.includes(`127.0.0.1:${port} ssl`),
      "README block changed shape",
    );
    const nginx = await startNginx(block, [port]);
    const browser = await launch();
    try {
      const url = `https://127.0.0.1:${port}`;
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const errors: string[] = [];
      const page = await openPage(context, errors);
      const refused: string[] = [];
      page.on("response", (r) => {
        if (r.status() >= 400) refused.push(`${r.status()} ${r.request().method()} ${r.url()}`);
      });
      // Several times: nginx spreads the requests over both nodes.
      for (let i = 0; i < 3; i++) {
        await logIn(page, url, ADMIN);
        await page.getByRole("button", { name: "Sign out" }).or(page.getByRole("link", { name: "Sign out" }))
          .first().click();
        await page.waitForURL(/\/login/);
      }
      await logIn(page, url, ADMIN);
      // A write from the dashboard through the proxy: an id tag added on the Id tags page.
      const added = await page.evaluate(async () => {
        const res = await fetch("/api/v1/id-tags", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ idTag: "NGINX-TAG" }),
        });
        return res.status;
      });
      assertEquals(added, 201);
      assertEquals(refused, []);
      assertEquals(errors, []);
      await context.close();
    } finally {
      await browser.close();
      await nginx.close();
      await pki.remove();
      await b.kill("SIGTERM");
      await a.kill("SIGTERM");
      await db.drop();
    }
  },
});
