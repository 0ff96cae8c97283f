/**
 * A station that floods frames we can only log (answers to calls we never made, frames that are not OCPP-J)
 * cannot fill the server's log: the first few of each kind per connection are written, the rest are counted
 * in the connection's last line. Each is still handled as before (a bad CALL answered with its CALLERROR).
 */
import { assertEquals } from "@std/assert";
import { eventually, startTestServer } from "./helpers/server.ts";
import { openRaw } from "./helpers/station.ts";

Deno.test("stray answers and bad frames: 10 of each logged per connection, the rest counted when it closes", async () => {
  // Past MAX_BAD_FRAMES (10 by default) bad frames close the connection: this station may send more.
  const server = await startTestServer({ MAX_BAD_FRAMES: "100" });
  const raw = await openRaw(`${server.wsUrl}/CP-NOISY`);
  try {
    raw.send(
      JSON.stringify([2, "boot", "BootNotification", { chargePointVendor: "X", chargePointModel: "Y" }]),
    );
    assertEquals((await raw.next() as unknown[]).slice(0, 2), [3, "boot"]);
    for (let i = 0; i < 30; i++) raw.send(`[3,"nobody-asked-${i}",{}]`);
    for (let i = 0; i < 25; i++) raw.send(`[2,"bad-${i}","Heartbeat"]`);
    // Each bad CALL is still answered; then the station is served as usual.
    for (let i = 0; i < 25; i++) assertEquals((await raw.next() as unknown[]).slice(0, 2), [4, `bad-${i}`]);
    raw.send('[2,"ok","Heartbeat",{}]');
    assertEquals((await raw.next() as unknown[]).slice(0, 2), [3, "ok"]);
  } finally {
    await raw.close();
  }
  const closed = await eventually(
    () => server.logs.find((l) => l.msg === "connection closed" && l.chargePointId === "CP-NOISY") ?? null,
    5000,
    "the connection's last line",
  );
  const count = (msg: string) =>
    server.logs.filter((l) => l.msg === msg && l.chargePointId === "CP-NOISY").length;
  assertEquals(count("response to unknown message id dropped"), 10);
  assertEquals(count("bad frame"), 10);
  assertEquals(closed!.notLogged, { "response to unknown message id dropped": 20, "bad frame": 15 });
  await server.close();
});

Deno.test("refused CALLs (an action we do not have, a payload its schema refuses): 10 logged per connection, the rest counted", async () => {
  // Well-formed frames, so no bad frame counts towards MAX_BAD_FRAMES: a station may send them for as long as
  // its message rate allows, each answered with its CALLERROR.
  const server = await startTestServer();
  const raw = await openRaw(`${server.wsUrl}/CP-REFUSED`);
  try {
    raw.send(
      JSON.stringify([2, "boot", "BootNotification", { chargePointVendor: "X", chargePointModel: "Y" }]),
    );
    assertEquals((await raw.next() as unknown[]).slice(0, 2), [3, "boot"]);
    for (let i = 0; i < 20; i++) raw.send(`[2,"none-${i}","NoSuchAction",{}]`);
    for (let i = 0; i < 15; i++) raw.send(`[2,"extra-${i}","Heartbeat",{"unexpected":${i}}]`);
    for (let i = 0; i < 20; i++) assertEquals((await raw.next() as unknown[]).slice(0, 2), [4, `none-${i}`]);
    for (let i = 0; i < 15; i++) assertEquals((await raw.next() as unknown[]).slice(0, 2), [4, `extra-${i}`]);
    raw.send('[2,"ok","Heartbeat",{}]');
    assertEquals((await raw.next() as unknown[]).slice(0, 2), [3, "ok"]);
  } finally {
    await raw.close();
  }
  const closed = await eventually(
    () => server.logs.find((l) => l.msg === "connection closed" && l.chargePointId === "CP-REFUSED") ?? null,
    5000,
    "the connection's last line",
  );
  const refused = server.logs.filter((l) => l.msg === "call refused" && l.chargePointId === "CP-REFUSED");
  assertEquals(refused.length, 10);
  assertEquals(closed!.notLogged, { "call refused": 25 });
  await server.close();
});
