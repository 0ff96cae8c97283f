/**
 * The server run the way Deno Deploy runs it: the build step (`deno task build`) first, then main.ts with no
 * file writes and no subprocesses allowed (`--deny-write --deny-run`), KV opened without a path (Deploy's
 * built-in database; here the origin storage of a `--location`), DENO_DEPLOYMENT_ID set and no admin in the
 * environment. The first admin comes from the setup token in the log, and a strict ocpp-rpc station charges
 * through it while the API and the dashboard's script answer.
 */
import { runWithInput } from "./helpers/process.ts";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { spawnServer } from "./helpers/process.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

const ROOT = new URL("../", import.meta.url).pathname;
/** Deploy gives each app its own KV; locally, KV without a path lives in this origin's storage. */
const LOCATION = "http://csms-deploy-test.invalid/";

function run(args: string[], stdin?: string): Promise<Deno.CommandOutput> {
  return runWithInput(Deno.execPath(), args, ROOT, stdin);
}

/** Empties the KV of LOCATION, as a new Deploy app starts with an empty database. */
async function emptyKv(): Promise<void> {
  const script = `const kv = await Deno.openKv();
for await (const e of kv.list({ prefix: [] })) await kv.delete(e.key);
kv.close();`;
  const out = await run(["run", "--quiet", "--unstable-kv", "--location", LOCATION, "-"], script);
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
}

Deno.test("Deno Deploy: built first, then run without file writes or subprocesses, on KV without a path; the first admin from the log, a station charging through it", async () => {
  const build = await run(["task", "build"]);
  assertEquals(build.code, 0, new TextDecoder().decode(build.stderr));
  await emptyKv();
  const server = await spawnServer({
    DENO_DEPLOYMENT_ID: "csms-e2e-deployment",
    // Ignored on Deploy: nothing may be written there anyway.
    KV_PATH: "/nonexistent/csms.kv",
    LOG_LEVEL: "info",
  }, [
    "run",
    "--allow-net",
    "--allow-env",
    "--allow-read",
    "--deny-write",
    "--deny-run",
    "--location",
    LOCATION,
  ]);
  let station;
  try {
    assert(server.logs.some((l) => l.msg === "store opened" && l.path === "(Deno Deploy)"));
    // Isolates are one cluster on the built-in KV.
    assert(server.logs.some((l) => l.msg === "cluster node started"), "no cluster node on KV");
    // The first admin, with the setup token Deploy's log shows.
    const token = String(server.logs.find((l) => typeof l.setupToken === "string")?.setupToken);
    const setup = await fetch(`${server.url}/api/v1/setup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ setupToken: token, username: "owner", password: "owner-password-1" }),
    });
    assertEquals(setup.status, 201, await setup.clone().text());
    const cookie = (setup.headers.get("set-cookie") ?? "").split(";")[0]!;
    await setup.body?.cancel();
    const api = async (path: string, init: { method?: string; body?: unknown } = {}) => {
      const res = await fetch(`${server.url}${path}`, {
        method: init.method ?? "GET",
        headers: { cookie, "content-type": "application/json" },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });
      return { status: res.status, body: await res.json() };
    };
    assertEquals((await api("/api/v1/id-tags", { method: "POST", body: { idTag: "DEPLOY-1" } })).status, 201);

    // A station boots, is commanded, charges and stops.
    station = await connectStation(server.wsUrl, "CP-DEPLOY");
    station.handle("TriggerMessage", () => ({ status: "Accepted" }));
    await station.call("StatusNotification", { connectorId: 1, status: "Available", errorCode: "NoError" });
    const trigger = await api("/api/v1/charge-points/CP-DEPLOY/TriggerMessage", {
      method: "POST",
      body: { requestedMessage: "Heartbeat" },
    });
    assertEquals([trigger.status, trigger.body.status], [200, "Accepted"]);
    const start = await station.call("StartTransaction", {
      connectorId: 1,
      idTag: "DEPLOY-1",
      meterStart: 1000,
      timestamp: new Date().toISOString(),
    });
    assertEquals(start.idTagInfo.status, "Accepted");
    await station.call("MeterValues", {
      connectorId: 1,
      transactionId: start.transactionId,
      meterValue: [{
        timestamp: new Date().toISOString(),
        sampledValue: [{ value: "1500", measurand: "Energy.Active.Import.Register", unit: "Wh" }],
      }],
    });
    await station.call("StopTransaction", {
      transactionId: start.transactionId,
      meterStop: 1750,
      timestamp: new Date().toISOString(),
      reason: "EVDisconnected",
    });
    const tx = await api(`/api/v1/transactions/${start.transactionId}`);
    assertEquals([tx.body.status, tx.body.energyWh, tx.body.meterValues.length], ["finished", 750, 1]);
    const overview = await api("/api/v1/overview");
    assertEquals([overview.body.kpis.online, overview.body.kpis.energyTodayWh], [1, 750]);

    // The dashboard: its script is the prebuilt one (esbuild cannot run here), its pages render.
    const script = await fetch(`${server.url}/static/islands.js`);
    assertEquals(script.status, 200);
    assertEquals(await script.text(), await Deno.readTextFile(`${ROOT}static/islands.js`));
    const page = await fetch(`${server.url}/`, { headers: { cookie } });
    assertEquals(page.status, 200);
    assertStringIncludes(await page.text(), 'data-station="CP-DEPLOY"');
    assertEquals((await fetch(`${server.url}/readyz`).then((r) => r.json())).status, "ready");
    await closeStation(station);
    station = undefined;
    await eventually(() => server.logs.some((l) => l.msg === "connection closed"), 5000, "the close logged");
    assertEquals(server.logs.filter((l) => l.level === "error"), []);
  } finally {
    if (station) await closeStation(station);
    const status = await server.kill("SIGTERM");
    assertEquals(status.code, 0);
  }
});
