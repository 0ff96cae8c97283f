/**
 * A BootNotification we asked for (TriggerMessage BootNotification) is not a reboot: the station's boot info
 * is stored, its `bootedAt` (uptime, transactions "open across a reboot") stays. OCPP 1.6 says so by the
 * trigger the station accepted on this connection (or is answering), 2.0.1 by the reason `Triggered`. Driven
 * by npm `ocpp-rpc` in strict mode, with a clock the test moves.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { BOOT_201, connectStation201 } from "./helpers/station201.ts";

const T0 = Date.parse("2026-11-25T10:00:00.000Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function movableClock() {
  let ms = T0;
  return { now: () => new Date(ms), advance: (s: number) => (ms += s * 1000) };
}

const BOOT_16 = { chargePointVendor: "Acme", chargePointModel: "Volt-1" };

Deno.test("1.6: a BootNotification the station sends for an accepted TriggerMessage keeps bootedAt, stores the boot", async () => {
  const clock = movableClock();
  const server = await startApiServer({}, { now: clock.now });
  let station = await connectStation(server.wsUrl, "CP-TB16");
  const bootedAt = async () => (await server.store.getChargePoint("CP-TB16"))?.bootedAt;
  try {
    assertEquals(await bootedAt(), at(0));
    clock.advance(10);
    station.handle("TriggerMessage", () => ({ status: "Accepted" }));
    const asked = await server.json("/api/v1/charge-points/CP-TB16/TriggerMessage", {
      method: "POST",
      body: { requestedMessage: "BootNotification" },
      as: "operator",
    });
    assertEquals([asked.status, asked.body.status], [200, "Accepted"]);
    clock.advance(1);
    const boot = await station.call("BootNotification", { ...BOOT_16, firmwareVersion: "1.2" });
    assertEquals(boot.status, "Accepted");
    assertEquals(await bootedAt(), at(0), "a triggered boot is not a reboot");
    assertEquals((await server.store.getChargePoint("CP-TB16"))?.boot?.firmwareVersion, "1.2");

    // A real reboot: a new connection, a boot nobody asked for.
    await closeStation(station);
    clock.advance(10);
    station = await connectStation(server.wsUrl, "CP-TB16");
    assertEquals(await bootedAt(), at(21));

    // A station that sends the boot before it answers the trigger: asked for all the same.
    clock.advance(10);
    station.handle("TriggerMessage", async () => {
      clock.advance(1);
      assertEquals((await station.call("BootNotification", BOOT_16)).status, "Accepted");
      return { status: "Accepted" };
    });
    const early = await server.json("/api/v1/charge-points/CP-TB16/TriggerMessage", {
      method: "POST",
      body: { requestedMessage: "BootNotification" },
      as: "operator",
    });
    assertEquals([early.status, early.body.status], [200, "Accepted"]);
    assertEquals(await bootedAt(), at(21));

    // Another message triggered is no boot's excuse.
    await closeStation(station);
    station = await connectStation(server.wsUrl, "CP-TB16", { boot: false });
    station.handle("TriggerMessage", () => ({ status: "Accepted" }));
    const heartbeat = await server.json("/api/v1/charge-points/CP-TB16/TriggerMessage", {
      method: "POST",
      body: { requestedMessage: "Heartbeat" },
      as: "operator",
    });
    assertEquals(heartbeat.body.status, "Accepted");
    clock.advance(10);
    await station.call("BootNotification", BOOT_16);
    assertEquals(await bootedAt(), at(42));
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("1.6: one accepted TriggerMessage(BootNotification) makes one boot triggered; the next within the window is a reboot", async () => {
  const clock = movableClock();
  const server = await startApiServer({}, { now: clock.now });
  const station = await connectStation(server.wsUrl, "CP-TB1X");
  const bootedAt = async () => (await server.store.getChargePoint("CP-TB1X"))?.bootedAt;
  const trigger = () =>
    server.json("/api/v1/charge-points/CP-TB1X/TriggerMessage", {
      method: "POST",
      body: { requestedMessage: "BootNotification" },
      as: "operator",
    });
  try {
    clock.advance(10);
    station.handle("TriggerMessage", () => ({ status: "Accepted" }));
    assertEquals((await trigger()).body.status, "Accepted");
    clock.advance(1);
    assertEquals((await station.call("BootNotification", BOOT_16)).status, "Accepted");
    assertEquals(await bootedAt(), at(0), "the boot asked for");
    // Within the trigger's 60 s, on the same connection: a boot nobody asked for again.
    clock.advance(5);
    assertEquals((await station.call("BootNotification", BOOT_16)).status, "Accepted");
    assertEquals(await bootedAt(), at(16), "a second boot is a reboot");

    // The boot sent before the trigger's answer uses the trigger up as well.
    clock.advance(10);
    station.handle("TriggerMessage", async () => {
      clock.advance(1);
      assertEquals((await station.call("BootNotification", BOOT_16)).status, "Accepted");
      return { status: "Accepted" };
    });
    assertEquals((await trigger()).body.status, "Accepted");
    assertEquals(await bootedAt(), at(16), "the boot asked for");
    clock.advance(5);
    assertEquals((await station.call("BootNotification", BOOT_16)).status, "Accepted");
    assertEquals(await bootedAt(), at(32), "a second boot is a reboot");
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("2.0.1: a BootNotification with reason Triggered keeps bootedAt and stores the boot; any other reason resets it", async () => {
  const clock = movableClock();
  const server = await startApiServer({}, { now: clock.now });
  const station = await connectStation201(server.wsUrl, "CP-TB201");
  const record = () => server.store.getChargePoint("CP-TB201");
  try {
    assertEquals((await record())?.bootedAt, at(0));
    clock.advance(10);
    station.handle("TriggerMessage", () => ({ status: "Accepted" }));
    const asked = await server.json("/api/v1/charge-points/CP-TB201/TriggerMessage", {
      method: "POST",
      body: { requestedMessage: "BootNotification" },
      as: "operator",
    });
    assertEquals([asked.status, asked.body.status], [200, "Accepted"]);
    clock.advance(1);
    const triggered = {
      reason: "Triggered",
      chargingStation: { ...BOOT_201.chargingStation, firmwareVersion: "2.0.1-b" },
    };
    assertEquals((await station.call("BootNotification", triggered)).status, "Accepted");
    let stored = await record();
    assertEquals([stored?.bootedAt, stored?.boot?.reason, stored?.boot?.firmwareVersion], [
      at(0),
      "Triggered",
      "2.0.1-b",
    ]);
    // The reason says it: a RemoteReset boot is a reboot, whatever we asked for before.
    clock.advance(10);
    assertEquals(
      (await station.call("BootNotification", { ...BOOT_201, reason: "RemoteReset" })).status,
      "Accepted",
    );
    stored = await record();
    assertEquals([stored?.bootedAt, stored?.boot?.reason], [at(21), "RemoteReset"]);
  } finally {
    await closeStation(station);
    await server.close();
  }
});
