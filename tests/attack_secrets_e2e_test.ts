/**
 * Issue 10 item 3, as a curious viewer would try it: an operator sends a station its AuthorizationKey (and
 * another secret) with ChangeConfiguration, and a station with buggy firmware even reports them back in
 * GetConfiguration. A viewer then reads every place a payload can surface (stored configuration, command log,
 * frame log, the station page) and none holds the secret; nor does the store, nor a log line.
 */
import { assert, assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { closeStation, connectStation, openRaw } from "./helpers/station.ts";

const AUTH_KEY = "AuthorizationKey-0123456789-SECRET";
const WIFI = "wifi-password-SECRET-42";

Deno.test("a secret sent with ChangeConfiguration or reported by GetConfiguration is never shown, stored or logged", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "CP-KEYS");
  const configured = new Map<string, string>([["HeartbeatInterval", "300"]]);
  station.handle("ChangeConfiguration", ({ params }) => {
    configured.set(params.key, params.value);
    return { status: "Accepted" };
  });
  // Buggy firmware: reports the secrets back instead of hiding them.
  station.handle("GetConfiguration", () => ({
    configurationKey: [...configured].map(([key, value]) => ({ key, readonly: false, value })),
  }));
  try {
    for (const [key, value] of [["AuthorizationKey", AUTH_KEY], ["WifiPassword", WIFI]]) {
      const sent = await server.json("/api/v1/charge-points/CP-KEYS/ChangeConfiguration", {
        method: "POST",
        // The AuthorizationKey is an admin's to set (the key a station accepts is stored).
        as: key === "AuthorizationKey" ? "admin" : "operator",
        body: { key, value },
      });
      assertEquals(sent.status, 200);
    }
    assertEquals(configured.get("AuthorizationKey"), AUTH_KEY, "the station itself got the real key");
    const read = await server.json("/api/v1/charge-points/CP-KEYS/GetConfiguration", {
      method: "POST",
      as: "operator",
      body: {},
    });
    assertEquals(read.status, 200);
    const readBack = read.body.configurationKey as { key: string; value: string }[];
    assertEquals(readBack.find((k) => k.key === "HeartbeatInterval")?.value, "300");
    assertEquals(readBack.find((k) => k.key === "AuthorizationKey")?.value, "[redacted]");

    // What a viewer can read.
    const viewerReads = [
      "/api/v1/charge-points/CP-KEYS/configuration",
      "/api/v1/charge-points/CP-KEYS/commands",
      "/api/v1/charge-points/CP-KEYS/frames",
      "/api/v1/charge-points/CP-KEYS",
    ];
    for (const path of viewerReads) {
      const res = await server.json(path, { as: "viewer" });
      assertEquals(res.status, 200, path);
      const text = JSON.stringify(res.body);
      assert(
        !text.includes(AUTH_KEY) && !text.includes(WIFI),
        `${path} shows a secret: ${text.slice(0, 300)}`,
      );
    }
    const configuration = await server.json("/api/v1/charge-points/CP-KEYS/configuration", { as: "viewer" });
    assertEquals(
      configuration.body.configuration.find((k: { key: string }) => k.key === "AuthorizationKey")?.value,
      "[redacted]",
    );
    const frames = await server.json("/api/v1/charge-points/CP-KEYS/frames", { as: "viewer" });
    assert(frames.body.items.some((f: { frame: string }) => f.frame.includes("ChangeConfiguration")));

    // The station page as a viewer logged in with a browser session.
    await server.json("/api/v1/users", {
      method: "POST",
      body: { username: "vera", role: "viewer", password: "vera-password-1" },
    });
    const cookie = await server.login("vera", "vera-password-1");
    const page = await fetch(`${server.url}/stations/CP-KEYS`, { headers: { cookie } });
    const html = await page.text();
    assertEquals(page.status, 200);
    assert(html.includes("CP-KEYS"));
    assert(!html.includes(AUTH_KEY) && !html.includes(WIFI), "the station page embeds a secret");

    // Nor the store, nor the log.
    const stored = JSON.stringify([
      await server.store.getChargePoint("CP-KEYS"),
      await server.store.listCommandLog("CP-KEYS", 100),
    ]);
    assert(!stored.includes(AUTH_KEY) && !stored.includes(WIFI), "the store holds a secret");
    const logs = JSON.stringify(server.logs);
    assert(!logs.includes(AUTH_KEY) && !logs.includes(WIFI), "a log line holds a secret");
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("frames nested 20,000 deep that name a key neither crash the server nor break a command's log", async () => {
  const server = await startApiServer();
  try {
    const station = await openRaw(`${server.wsUrl}/CP-DEEP`);
    const deep = "[".repeat(20_000) + "]".repeat(20_000);
    station.send(`[2,"d1","Heartbeat",{"key":${deep}}]`);
    assertEquals((await station.next() as unknown[])[0], 4);
    // A CALLERROR with deep errorDetails as the answer to an operator's command.
    const command = server.json("/api/v1/charge-points/CP-DEEP/ClearCache", {
      method: "POST",
      as: "operator",
      body: {},
    });
    const call = await station.next() as unknown[];
    station.send(`[4,${JSON.stringify(call[1])},"GenericError","no",{"secretKey":${deep}}]`);
    const answered = await command;
    assertEquals(answered.status, 502);
    const log = await server.json("/api/v1/charge-points/CP-DEEP/commands", { as: "viewer" });
    assertEquals(log.status, 200);
    assertEquals(log.body.items[0].outcome, "callerror");
    const frames = await server.json("/api/v1/charge-points/CP-DEEP/frames", { as: "viewer" });
    assert(frames.body.items.every((f: { frame: string }) => f.frame.length < 2100));
    station.send('[2,"d2","Heartbeat",{}]');
    assertEquals((await station.next() as unknown[])[1], "d2", "the station is still served");
    await station.close();
  } finally {
    await server.close();
  }
});

Deno.test("a secret a station reports with the wrong type is not quoted by the refusal, the log or the frames", async () => {
  const server = await startApiServer();
  const secret = 31415926535897;
  try {
    const station = await openRaw(`${server.wsUrl}/CP-NUMKEY`);
    station.send('[2,"b1","BootNotification",{"chargePointVendor":"Acme","chargePointModel":"X"}]');
    assertEquals((await station.next() as unknown[])[0], 3);
    const command = server.json("/api/v1/charge-points/CP-NUMKEY/GetConfiguration", {
      method: "POST",
      as: "operator",
      body: {},
    });
    const call = await station.next() as unknown[];
    // Buggy firmware: the AuthorizationKey as a JSON number (the schema wants a string).
    station.send(JSON.stringify([3, call[1], {
      configurationKey: [{ key: "AuthorizationKey", readonly: false, value: secret }],
    }]));
    const answered = await command;
    assertEquals(answered.status, 502);
    assert(JSON.stringify(answered.body).includes("must be a string"), JSON.stringify(answered.body));
    for (const path of ["commands", "frames"]) {
      const res = await server.json(`/api/v1/charge-points/CP-NUMKEY/${path}`, { as: "viewer" });
      assertEquals(res.status, 200, path);
      assert(!JSON.stringify(res.body).includes(String(secret)), `${path}: ${JSON.stringify(res.body)}`);
    }
    const texts = [
      JSON.stringify(answered.body),
      JSON.stringify(await server.store.listCommandLog("CP-NUMKEY", 10)),
      JSON.stringify(server.logs),
    ];
    assert(texts.every((t) => !t.includes(String(secret))), `a secret is quoted: ${texts.join("\n")}`);
    await station.close();
  } finally {
    await server.close();
  }
});
