/**
 * Virtual stations (simulator/) against the real server, driven only through the operator API as a user
 * would: boot and registration, remote start and stop with stored meter values, reset, configuration,
 * triggers, reservations, local lists, smart charging that changes the reported power, availability,
 * unlock, diagnostics and firmware, security profile 1, injected faults, and `deno task simulate` as a
 * process. Every station checks every frame against the official OCPP 1.6 schemas (ocpp-rpc strict mode);
 * each test ends by asserting that none failed.
 */
import { assert, assertEquals } from "@std/assert";
import { type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { command, finish, startFleet, withFleet } from "./helpers/simulation.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

async function chargePoint(server: ApiTestServer, id: string): Promise<Json> {
  const res = await server.json(`/api/v1/charge-points/${id}`, { as: "viewer" });
  assertEquals(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function connectorStatus(
  server: ApiTestServer,
  id: string,
  connectorId: number,
): Promise<string | undefined> {
  const cp = await chargePoint(server, id);
  return cp.connectors.find((c: Json) => c.connectorId === connectorId)?.status;
}

async function transactions(server: ApiTestServer, query: string): Promise<Json[]> {
  const res = await server.json(`/api/v1/transactions?${query}`, { as: "viewer" });
  assertEquals(res.status, 200);
  return res.body.items;
}

async function transaction(server: ApiTestServer, transactionId: number): Promise<Json> {
  const res = await server.json(`/api/v1/transactions/${transactionId}`, { as: "viewer" });
  assertEquals(res.status, 200);
  return res.body;
}

/** Remote-starts through the API and waits for the transaction the server stored. */
async function remoteStart(
  server: ApiTestServer,
  id: string,
  connectorId: number,
  idTag: string,
): Promise<Json> {
  const res = await command(server, id, "RemoteStartTransaction", { connectorId, idTag });
  assertEquals([res.status, res.body.status], [200, "Accepted"]);
  return await eventually(
    async () => {
      const [tx] = await transactions(server, `chargePointId=${id}&connectorId=${connectorId}&status=active`);
      return tx;
    },
    5000,
    `transaction on ${id}/${connectorId}`,
  );
}

async function addIdTag(server: ApiTestServer, idTag: string, extra: Record<string, unknown> = {}) {
  const res = await server.json("/api/v1/id-tags", { method: "POST", body: { idTag, ...extra } });
  assertEquals(res.status, 201);
}

Deno.test("N virtual stations boot, report every connector and the station, and beat at the server's interval", async () => {
  await withFleet(
    { HEARTBEAT_INTERVAL_S: "1" },
    { stations: 12, prefix: "FLEET-", connectors: 2 },
    async (server, fleet) => {
      const list = await eventually(
        async () => {
          const res = await server.json("/api/v1/charge-points?limit=100", { as: "viewer" });
          const items: Json[] = res.body.items.filter((i: Json) => i.id.startsWith("FLEET-"));
          const complete = items.length === 12 && items.every((i) => i.connectors.length === 3);
          return complete ? items : undefined;
        },
        10_000,
        "12 stations with 3 connector statuses",
      );
      for (const item of list ?? []) {
        assertEquals(item.online, true);
        assertEquals(item.registrationStatus, "Accepted");
        assertEquals(item.boot.chargePointVendor, "VirtualCharge");
        assertEquals(item.connectors.map((c: Json) => [c.connectorId, c.status]), [[0, "Available"], [
          1,
          "Available",
        ], [
          2,
          "Available",
        ]]);
      }
      assertEquals(fleet.station("FLEET-3").snapshot().heartbeatIntervalS, 1);
      const seen = (await chargePoint(server, "FLEET-3")).lastSeen;
      await eventually(
        async () => (await chargePoint(server, "FLEET-3")).lastSeen > seen,
        3000,
        "a heartbeat",
      );
      assert(fleet.station("FLEET-3").snapshot().stats.callsSent >= 5);
    },
  );
});

Deno.test("a Pending station retries its boot at the server's interval and is served once the operator accepts it", async () => {
  await withFleet({ REGISTRATION_POLICY: "Pending", BOOT_RETRY_INTERVAL_S: "1" }, {
    stations: 1,
    prefix: "PEND-",
    waitAccepted: false,
  }, async (server, fleet) => {
    const station = fleet.station("PEND-1");
    await eventually(() => station.state === "pending", 5000, "Pending");
    const boots = station.snapshot().stats.boots;
    await eventually(() => station.snapshot().stats.boots >= boots + 2, 5000, "two more boots");
    // Pending: the station sends nothing but BootNotification, so the server has no connector status.
    assertEquals((await chargePoint(server, "PEND-1")).connectors, []);
    // The server may still configure a Pending station.
    const config = await command(server, "PEND-1", "GetConfiguration", { key: ["NumberOfConnectors"] });
    assertEquals(config.body.configurationKey, [{ key: "NumberOfConnectors", readonly: true, value: "2" }]);
    const accepted = await server.json("/api/v1/charge-points/PEND-1", {
      method: "PUT",
      body: { registrationStatus: "Accepted" },
    });
    assertEquals(accepted.status, 200);
    await station.whenAccepted(5000);
    await eventually(
      async () => (await chargePoint(server, "PEND-1")).connectors.length === 3,
      5000,
      "statuses",
    );
  });
});

Deno.test("a Rejected station stays quiet and retries its boot", async () => {
  await withFleet({ REGISTRATION_POLICY: "Rejected", BOOT_RETRY_INTERVAL_S: "1" }, {
    stations: 1,
    prefix: "REJ-",
    waitAccepted: false,
  }, async (_server, fleet) => {
    const station = fleet.station("REJ-1");
    await eventually(() => station.state === "rejected", 5000, "Rejected");
    await eventually(() => station.snapshot().stats.boots >= 2, 5000, "a second boot");
    const sent = station.snapshot().stats;
    assertEquals(sent.callsSent, sent.boots, "nothing but BootNotifications");
  });
});

Deno.test("RemoteStart -> Preparing, StartTransaction, Charging, rising meter values stored; RemoteStop -> Remote, Finishing, Available", async () => {
  await withFleet({}, {
    stations: 2,
    prefix: "RS-",
    ev: { maxPowerW: 11_000, socPercent: 20 },
  }, async (server, _fleet) => {
    await addIdTag(server, "CARD-1");
    const tx = await remoteStart(server, "RS-2", 1, "CARD-1");
    assertEquals(tx.idTag, "CARD-1");
    assertEquals(tx.startIdTagStatus, "Accepted");
    await eventually(async () => (await connectorStatus(server, "RS-2", 1)) === "Charging", 5000, "Charging");
    const energy = await eventually(
      async () => {
        const values: Json[] = (await transaction(server, tx.transactionId)).meterValues;
        const readings = values.filter((v) => v.measurand === "Energy.Active.Import.Register").map((v) =>
          Number(v.value)
        );
        return readings.length >= 3 ? readings : undefined;
      },
      8000,
      "three energy readings",
    );
    for (let i = 1; i < (energy ?? []).length; i++) {
      assert(energy![i]! >= energy![i - 1]!, `rising: ${energy}`);
    }
    assert(energy!.at(-1)! > tx.meterStart, "energy was delivered");
    const power = (await transaction(server, tx.transactionId)).meterValues.find((v: Json) =>
      v.measurand === "Power.Active.Import"
    );
    assertEquals([power.value, power.unit, power.context], ["11000.0", "W", "Sample.Periodic"]);

    const stop = await command(server, "RS-2", "RemoteStopTransaction", { transactionId: tx.transactionId });
    assertEquals(stop.body.status, "Accepted");
    const stopped = await eventually(
      async () => {
        const t = await transaction(server, tx.transactionId);
        return t.status === "finished" ? t : undefined;
      },
      5000,
      "the stop",
    );
    assertEquals(stopped.stopReason, "Remote");
    assert(stopped.meterStop >= energy!.at(-1)!);
    // The history is read once the connector is Available again: Finishing may be stored after the stop.
    await eventually(
      async () => (await connectorStatus(server, "RS-2", 1)) === "Available",
      3000,
      "Available",
    );
    const history = await server.json("/api/v1/charge-points/RS-2/status-history?limit=20", { as: "viewer" });
    const statuses = history.body.items.filter((h: Json) => h.connectorId === 1).map((h: Json) => h.status)
      .reverse();
    assertEquals(statuses.slice(0, 4), ["Available", "Preparing", "Charging", "Finishing"]);
    // A transaction no connector runs is refused here; forced, the station rejects it.
    const unknown = await command(server, "RS-2", "RemoteStopTransaction", { transactionId: 999 });
    assertEquals(unknown.status, 409);
    assertEquals(unknown.body.message.includes("transaction 999 is not running at this station"), true);
    assertEquals(
      (await command(server, "RS-2", "RemoteStopTransaction", { transactionId: 999 }, "?force=true")).body
        .status,
      "Rejected",
    );
  });
});

Deno.test("with AuthorizeRemoteTxRequests the station asks first: an unknown idTag starts nothing", async () => {
  await withFleet({}, {
    prefix: "AUTH-",
    configuration: { AuthorizeRemoteTxRequests: "true" },
  }, async (server, fleet) => {
    await addIdTag(server, "CARD-OK");
    // Forced: the server refuses to send a remote start for a tag it would not accept.
    const res = await command(server, "AUTH-1", "RemoteStartTransaction", {
      connectorId: 1,
      idTag: "NOBODY",
    }, "?force=true");
    assertEquals(res.body.status, "Accepted");
    await eventually(
      () => fleet.logs.some((l) => l.msg === "remote start not authorized"),
      3000,
      "the refusal",
    );
    await eventually(
      async () => (await connectorStatus(server, "AUTH-1", 1)) === "Available",
      3000,
      "Available",
    );
    assertEquals(await transactions(server, "chargePointId=AUTH-1"), []);
    const tx = await remoteStart(server, "AUTH-1", 2, "CARD-OK");
    assertEquals(tx.connectorId, 2);
  });
});

Deno.test("Reset Soft and Hard stop running transactions with SoftReset/HardReset and the stations boot again", async () => {
  await withFleet({}, { stations: 2, prefix: "RST-" }, async (server, fleet) => {
    await addIdTag(server, "CARD-1");
    for (const [id, type] of [["RST-1", "Soft"], ["RST-2", "Hard"]] as const) {
      const tx = await remoteStart(server, id, 1, "CARD-1");
      const bootedAt = (await chargePoint(server, id)).bootedAt;
      const boots = fleet.station(id).snapshot().stats.boots;
      assertEquals((await command(server, id, "Reset", { type })).body.status, "Accepted");
      const stopped = await eventually(
        async () => {
          const t = await transaction(server, tx.transactionId);
          return t.status === "finished" ? t : undefined;
        },
        8000,
        `${type} reset stop`,
      );
      assertEquals(stopped.stopReason, `${type}Reset`);
      await eventually(() => fleet.station(id).snapshot().stats.boots > boots, 8000, "a new boot");
      await fleet.station(id).whenAccepted(5000);
      await eventually(async () => (await chargePoint(server, id)).bootedAt > bootedAt, 5000, "bootedAt");
      await eventually(async () => (await connectorStatus(server, id, 1)) === "Available", 5000, "Available");
    }
  });
});

Deno.test("ChangeConfiguration and GetConfiguration over a realistic key set", async () => {
  await withFleet({}, { prefix: "CFG-" }, async (server, fleet) => {
    const change = async (key: string, value: string) =>
      (await command(server, "CFG-1", "ChangeConfiguration", { key, value })).body.status;
    assertEquals(await change("MeterValueSampleInterval", "5"), "Accepted");
    assertEquals(await change("HeartbeatInterval", "7"), "Accepted");
    assertEquals(await change("NumberOfConnectors", "4"), "Rejected");
    assertEquals(await change("LocalAuthListMaxLength", "5"), "Rejected");
    assertEquals(await change("HeartbeatInterval", "soon"), "Rejected");
    assertEquals(await change("NoSuchKey", "1"), "NotSupported");
    // Setting the key is an admin's (the key a station accepts is stored).
    const key = await server.json("/api/v1/charge-points/CFG-1/ChangeConfiguration", {
      method: "POST",
      body: { key: "AuthorizationKey", value: "0123456789abcdef0123456789abcdef" },
    });
    assertEquals(key.body.status, "Accepted");
    assertEquals(fleet.station("CFG-1").snapshot().heartbeatIntervalS, 7);

    const all = await command(server, "CFG-1", "GetConfiguration", {});
    const keys: Json[] = all.body.configurationKey;
    const byKey = new Map(keys.map((k) => [k.key, k]));
    assertEquals(byKey.get("MeterValueSampleInterval"), {
      key: "MeterValueSampleInterval",
      readonly: false,
      value: "5",
    });
    assertEquals(byKey.get("AuthorizationKey"), { key: "AuthorizationKey", readonly: false });
    assertEquals(byKey.get("ReserveConnectorZeroSupported")?.readonly, true);
    assertEquals(byKey.get("SendLocalListMaxLength")?.value, "100");
    assert(!JSON.stringify(all.body).includes("0123456789abcdef"));
    const some = await command(server, "CFG-1", "GetConfiguration", { key: ["heartbeatinterval", "Bogus"] });
    assertEquals(some.body, {
      configurationKey: [{ key: "HeartbeatInterval", readonly: false, value: "7" }],
      unknownKey: ["Bogus"],
    });
    // The server keeps what the station reported.
    const stored = await server.json("/api/v1/charge-points/CFG-1/configuration", { as: "viewer" });
    assertEquals(stored.status, 200);
  });
});

Deno.test("TriggerMessage sends the requested message after its answer", async () => {
  await withFleet({}, { prefix: "TRG-" }, async (server, _fleet) => {
    await addIdTag(server, "CARD-1");
    const trigger = async (requestedMessage: string, connectorId?: number) =>
      (await command(server, "TRG-1", "TriggerMessage", {
        requestedMessage,
        ...(connectorId !== undefined ? { connectorId } : {}),
      })).body.status;
    const history = async () =>
      (await server.json("/api/v1/charge-points/TRG-1/status-history?limit=100", { as: "viewer" })).body
        .items;
    // The statuses after the boot: connector 0, 1 and 2.
    await eventually(async () => (await history()).length === 3, 3000, "boot statuses");
    const before = 3;
    assertEquals(await trigger("StatusNotification", 2), "Accepted");
    await eventually(async () => (await history()).length === before + 1, 3000, "one more status");
    assertEquals((await history())[0].connectorId, 2);
    assertEquals(await trigger("StatusNotification"), "Accepted");
    await eventually(async () => (await history()).length === before + 4, 3000, "three more statuses");

    const bootedAt = (await chargePoint(server, "TRG-1")).bootedAt;
    assertEquals(await trigger("BootNotification"), "Accepted");
    await eventually(async () => (await chargePoint(server, "TRG-1")).bootedAt > bootedAt, 3000, "a boot");
    const seen = (await chargePoint(server, "TRG-1")).lastSeen;
    await new Promise((r) => setTimeout(r, 5));
    assertEquals(await trigger("Heartbeat"), "Accepted");
    await eventually(async () => (await chargePoint(server, "TRG-1")).lastSeen > seen, 3000, "a heartbeat");
    // OCPP 1.6 §5.17: the answer first, then the message asked for.
    const frames: Json[] =
      (await server.json("/api/v1/charge-points/TRG-1/frames", { as: "viewer" })).body.items;
    const kinds = frames.slice(-4).map((f) => {
      const [type, , action] = JSON.parse(f.frame);
      return `${f.direction}:${type}${type === 2 ? `:${action}` : ""}`;
    });
    assertEquals(kinds, ["out:2:TriggerMessage", "in:3", "in:2:Heartbeat", "out:3"]);

    assertEquals(await trigger("FirmwareStatusNotification"), "Accepted");
    assertEquals(await trigger("DiagnosticsStatusNotification"), "Accepted");
    await eventually(
      async () => {
        const cp = await chargePoint(server, "TRG-1");
        return cp.firmwareStatus === "Idle" && cp.diagnosticsStatus === "Idle";
      },
      3000,
      "Idle firmware and diagnostics statuses",
    );

    const tx = await remoteStart(server, "TRG-1", 1, "CARD-1");
    assertEquals(await trigger("MeterValues", 1), "Accepted");
    await eventually(
      async () => {
        const values: Json[] = (await transaction(server, tx.transactionId)).meterValues;
        return values.some((v) => v.context === "Trigger" && v.measurand === "Energy.Active.Import.Register");
      },
      3000,
      "a triggered reading of the transaction",
    );
    assertEquals(await trigger("MeterValues", 3), "Rejected");
  });
});

Deno.test("ReserveNow holds a connector for its idTag until used, cancelled or expired", async () => {
  await withFleet({}, { prefix: "RSV-" }, async (server, _fleet) => {
    await addIdTag(server, "CARD-1");
    await addIdTag(server, "CARD-2");
    // Forced: what the station answers is under test (the CSMS itself refuses a second reservation on a
    // connector and a remote start there for another tag, tests/reservation_rules_e2e_test.ts).
    const reserve = async (connectorId: number, reservationId: number, idTag: string, inMs = 60_000) =>
      (await command(server, "RSV-1", "ReserveNow", {
        connectorId,
        reservationId,
        idTag,
        expiryDate: new Date(Date.now() + inMs).toISOString(),
      }, "?force=true")).body.status;
    assertEquals(await reserve(1, 11, "CARD-1"), "Accepted");
    await eventually(
      async () => (await connectorStatus(server, "RSV-1", 1)) === "Reserved",
      3000,
      "Reserved",
    );
    assertEquals(await reserve(1, 12, "CARD-2"), "Occupied");
    assertEquals(await reserve(0, 13, "CARD-2"), "Rejected", "ReserveConnectorZeroSupported is false");
    const other = await command(server, "RSV-1", "RemoteStartTransaction", {
      connectorId: 1,
      idTag: "CARD-2",
    }, "?force=true");
    assertEquals(other.body.status, "Rejected");

    const tx = await remoteStart(server, "RSV-1", 1, "CARD-1");
    assertEquals(tx.reservationId, 11);
    assertEquals(await reserve(1, 14, "CARD-2"), "Occupied");

    assertEquals(await reserve(2, 15, "CARD-2"), "Accepted");
    assertEquals(
      (await command(server, "RSV-1", "CancelReservation", { reservationId: 15 })).body.status,
      "Accepted",
    );
    await eventually(
      async () => (await connectorStatus(server, "RSV-1", 2)) === "Available",
      3000,
      "cancelled",
    );
    assertEquals(
      (await command(server, "RSV-1", "CancelReservation", { reservationId: 15 })).body.status,
      "Rejected",
    );

    assertEquals(await reserve(2, 16, "CARD-2", 1500), "Accepted");
    await eventually(
      async () => (await connectorStatus(server, "RSV-1", 2)) === "Reserved",
      3000,
      "Reserved",
    );
    await eventually(
      async () => (await connectorStatus(server, "RSV-1", 2)) === "Available",
      4000,
      "expired",
    );
  });
});

Deno.test("SendLocalList and GetLocalListVersion: Full, Differential, VersionMismatch, and the list authorizes offline", async () => {
  await withFleet(
    {},
    { prefix: "LL-", configuration: { LocalAuthorizeOffline: "true" } },
    async (server, fleet) => {
      const version = async () => (await command(server, "LL-1", "GetLocalListVersion")).body.listVersion;
      const send = async (body: unknown) =>
        (await command(server, "LL-1", "SendLocalList", body)).body.status;
      assertEquals(await version(), 0);
      assertEquals(
        await send({
          listVersion: 3,
          updateType: "Full",
          localAuthorizationList: [{ idTag: "LOCAL-1", idTagInfo: { status: "Accepted" } }],
        }),
        "Accepted",
      );
      assertEquals(await version(), 3);
      assertEquals(
        await send({ listVersion: 3, updateType: "Differential", localAuthorizationList: [] }),
        "VersionMismatch",
      );
      assertEquals(
        await send({
          listVersion: 4,
          updateType: "Differential",
          localAuthorizationList: [{ idTag: "LOCAL-2", idTagInfo: { status: "Accepted" } }, {
            idTag: "LOCAL-1",
          }],
        }),
        "Accepted",
      );
      assertEquals(await version(), 4);
      const tooMany = Array.from(
        { length: 101 },
        (_, i) => ({ idTag: `T${i}`, idTagInfo: { status: "Accepted" } }),
      );
      assertEquals(
        await send({ listVersion: 5, updateType: "Full", localAuthorizationList: tooMany }),
        "Failed",
      );

      // Offline, LOCAL-2 may charge from the list; LOCAL-1 was removed. The transaction reaches the server later.
      const station = fleet.station("LL-1");
      station.dropConnection(1500);
      await eventually(async () => !(await chargePoint(server, "LL-1")).online, 3000, "offline");
      assertEquals((await station.startTransaction(2, "LOCAL-1")).status, "Invalid");
      const started = station.startTransaction(1, "LOCAL-2");
      await eventually(() => station.status(1) === "Charging", 2000, "charging offline");
      const outcome = await started;
      assertEquals(outcome.status, "Invalid", "the server does not know LOCAL-2");
      const [tx] = await transactions(server, "chargePointId=LL-1");
      assertEquals([tx.idTag, tx.transactionId], ["LOCAL-2", outcome.transactionId]);
      // StopTransactionOnInvalidId: the station stops what the server did not accept.
      await eventually(
        async () => (await transaction(server, tx.transactionId)).stopReason === "DeAuthorized",
        3000,
      );

      assertEquals(
        (await command(server, "LL-1", "ChangeConfiguration", {
          key: "LocalAuthListEnabled",
          value: "false",
        }))
          .body.status,
        "Accepted",
      );
      assertEquals(await version(), -1);
      assertEquals(
        await send({ listVersion: 6, updateType: "Full", localAuthorizationList: [] }),
        "NotSupported",
      );
    },
  );
});

/** The Power.Active.Import readings of a transaction, oldest first. */
async function powerReadings(server: ApiTestServer, transactionId: number): Promise<number[]> {
  const values: Json[] = (await transaction(server, transactionId)).meterValues;
  return values.filter((v) => v.measurand === "Power.Active.Import").map((v) => Number(v.value));
}

/** Waits until the newest power reading is `watts`. */
async function powerBecomes(server: ApiTestServer, transactionId: number, watts: number) {
  await eventually(
    async () => (await powerReadings(server, transactionId)).at(-1) === watts,
    5000,
    `${watts} W`,
  );
}

function profile(overrides: Record<string, unknown>, unit: "A" | "W", limit: number) {
  return {
    chargingProfileId: 1,
    stackLevel: 0,
    chargingProfilePurpose: "TxDefaultProfile",
    chargingProfileKind: "Relative",
    ...overrides,
    chargingSchedule: { chargingRateUnit: unit, chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
  };
}

Deno.test("charging profiles change the power the station reports, stacked as the spec says, and GetCompositeSchedule agrees", async () => {
  // 32 A on 3 x 230 V is 22,080 W; the car takes up to 22 kW.
  await withFleet({}, { prefix: "SC-", ev: { maxPowerW: 22_000, socPercent: 10 } }, async (server) => {
    await addIdTag(server, "CARD-1");
    const set = async (connectorId: number, p: unknown) =>
      (await command(server, "SC-1", "SetChargingProfile", { connectorId, csChargingProfiles: p })).body
        .status;
    const composite = async (connectorId: number, unit: "A" | "W") =>
      (await command(server, "SC-1", "GetCompositeSchedule", {
        connectorId,
        duration: 600,
        chargingRateUnit: unit,
      }))
        .body;
    const tx = await remoteStart(server, "SC-1", 1, "CARD-1");
    await powerBecomes(server, tx.transactionId, 22_000);

    assertEquals(await set(0, profile({ chargingProfileId: 1 }, "A", 10)), "Accepted");
    await powerBecomes(server, tx.transactionId, 6900);
    const schedule = await composite(1, "A");
    assertEquals(schedule.status, "Accepted");
    assertEquals(schedule.chargingSchedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: 10 }]);

    // A TxProfile for this transaction beats any TxDefaultProfile.
    const txProfile = profile(
      { chargingProfileId: 2, chargingProfilePurpose: "TxProfile", transactionId: tx.transactionId },
      "A",
      16,
    );
    assertEquals(await set(1, txProfile), "Accepted");
    await powerBecomes(server, tx.transactionId, 11_040);
    assertEquals((await composite(1, "W")).chargingSchedule.chargingSchedulePeriod, [{
      startPeriod: 0,
      limit: 11_040,
    }]);

    // The station's own cap, in watts, is lower still.
    const max = profile({ chargingProfileId: 3, chargingProfilePurpose: "ChargePointMaxProfile" }, "W", 7000);
    assertEquals(await set(0, max), "Accepted");
    await powerBecomes(server, tx.transactionId, 7000);
    assertEquals((await composite(0, "W")).chargingSchedule.chargingSchedulePeriod, [{
      startPeriod: 0,
      limit: 7000,
    }]);

    // Below 6 A the station pauses: SuspendedEVSE, no power.
    assertEquals(
      await set(
        0,
        profile(
          { chargingProfileId: 4, stackLevel: 1, chargingProfilePurpose: "ChargePointMaxProfile" },
          "A",
          0,
        ),
      ),
      "Accepted",
    );
    await powerBecomes(server, tx.transactionId, 0);
    await eventually(
      async () => (await connectorStatus(server, "SC-1", 1)) === "SuspendedEVSE",
      3000,
      "SuspendedEVSE",
    );

    assertEquals(
      (await command(server, "SC-1", "ClearChargingProfile", {
        chargingProfilePurpose: "ChargePointMaxProfile",
      })).body.status,
      "Accepted",
    );
    await powerBecomes(server, tx.transactionId, 11_040);
    await eventually(
      async () => (await connectorStatus(server, "SC-1", 1)) === "Charging",
      3000,
      "Charging again",
    );
    assertEquals((await command(server, "SC-1", "ClearChargingProfile", { id: 2 })).body.status, "Accepted");
    await powerBecomes(server, tx.transactionId, 6900);
    assertEquals((await command(server, "SC-1", "ClearChargingProfile", { id: 99 })).body.status, "Unknown");

    // Rules a station enforces.
    const noTx = profile({ chargingProfileId: 5, chargingProfilePurpose: "TxProfile" }, "A", 16);
    // The Central System refuses it before sending (409); forced, it reaches the station, which rejects it.
    const refused = await command(server, "SC-1", "SetChargingProfile", {
      connectorId: 2,
      csChargingProfiles: noTx,
    });
    assertEquals([refused.status, refused.body.error], [409, "conflict"]);
    const forced = await command(
      server,
      "SC-1",
      "SetChargingProfile",
      { connectorId: 2, csChargingProfiles: noTx },
      "?force=true",
    );
    assertEquals(forced.body.status, "Rejected", "a TxProfile needs a transaction");
    // (A ChargePointMaxProfile on a connector no longer reaches it: the API refuses it first.)
    const maxOnConnector = await command(server, "SC-1", "SetChargingProfile", {
      connectorId: 1,
      csChargingProfiles: { ...max, chargingProfileId: 6 },
    });
    assertEquals([maxOnConnector.status, maxOnConnector.body.details.field], [400, "connectorId"]);
    assertEquals(await set(1, profile({ chargingProfileId: 7, stackLevel: 11 }, "A", 16)), "Rejected");
    assertEquals((await composite(3, "A")).status, "Rejected");
  });
});

Deno.test("a TxProfile that comes with RemoteStartTransaction limits that transaction and goes with it", async () => {
  await withFleet(
    {},
    { prefix: "RSP-", ev: { maxPowerW: 22_000, socPercent: 10 } },
    async (server, fleet) => {
      await addIdTag(server, "CARD-1");
      const chargingProfile = profile(
        { chargingProfileId: 8, chargingProfilePurpose: "TxProfile" },
        "W",
        5000,
      );
      const res = await command(server, "RSP-1", "RemoteStartTransaction", {
        connectorId: 2,
        idTag: "CARD-1",
        chargingProfile,
      });
      assertEquals(res.body.status, "Accepted");
      const tx = await eventually(
        async () => (await transactions(server, "chargePointId=RSP-1&status=active"))[0],
        5000,
      );
      await powerBecomes(server, tx.transactionId, 5000);
      assertEquals(fleet.station("RSP-1").snapshot().chargingProfiles.length, 1);
      await command(server, "RSP-1", "RemoteStopTransaction", { transactionId: tx.transactionId });
      await eventually(
        () => fleet.station("RSP-1").snapshot().chargingProfiles.length === 0,
        3000,
        "profile gone",
      );
      const defaultProfile = profile({ chargingProfileId: 9 }, "A", 16);
      const rejected = await command(server, "RSP-1", "RemoteStartTransaction", {
        connectorId: 1,
        idTag: "CARD-1",
        chargingProfile: defaultProfile,
      });
      // Only a TxProfile may come with a remote start: the API refuses another before the station sees it.
      assertEquals(
        [rejected.status, rejected.body.details.field],
        [400, "chargingProfile.chargingProfilePurpose"],
      );
    },
  );
});

Deno.test("ChangeAvailability applies at once when idle, is Scheduled while charging and applies at the stop", async () => {
  await withFleet({}, { prefix: "AV-" }, async (server, _fleet) => {
    await addIdTag(server, "CARD-1");
    const change = async (connectorId: number, type: string) =>
      (await command(server, "AV-1", "ChangeAvailability", { connectorId, type })).body.status;
    // A connector the station has not reported yet is refused unforced (409): wait for its boot's reports.
    await eventually(
      async () => (await connectorStatus(server, "AV-1", 2)) === "Available",
      3000,
      "connector 2 reported",
    );
    assertEquals(await change(2, "Inoperative"), "Accepted");
    await eventually(
      async () => (await connectorStatus(server, "AV-1", 2)) === "Unavailable",
      3000,
      "Unavailable",
    );
    const refused = await command(server, "AV-1", "RemoteStartTransaction", {
      connectorId: 2,
      idTag: "CARD-1",
    }, "?force=true");
    assertEquals(refused.body.status, "Rejected");

    const tx = await remoteStart(server, "AV-1", 1, "CARD-1");
    assertEquals(await change(1, "Inoperative"), "Scheduled");
    await new Promise((r) => setTimeout(r, 300));
    assertEquals(await connectorStatus(server, "AV-1", 1), "Charging");
    await command(server, "AV-1", "RemoteStopTransaction", { transactionId: tx.transactionId });
    await eventually(
      async () => (await connectorStatus(server, "AV-1", 1)) === "Unavailable",
      3000,
      "applied at the stop",
    );

    assertEquals(await change(0, "Operative"), "Accepted");
    await eventually(
      async () => {
        const cp = await chargePoint(server, "AV-1");
        return cp.connectors.every((c: Json) => c.status === "Available");
      },
      3000,
      "all Available",
    );
    // A connector it does not have: refused here unless forced (the guard), and rejected by the simulator.
    const unknown = { connectorId: 7, type: "Inoperative" };
    assertEquals((await command(server, "AV-1", "ChangeAvailability", unknown)).status, 409);
    assertEquals(
      (await command(server, "AV-1", "ChangeAvailability", unknown, "?force=true")).body.status,
      "Rejected",
    );
  });
});

Deno.test("UnlockConnector stops the transaction with UnlockCommand and frees the connector", async () => {
  await withFleet({}, { prefix: "UL-", unplugAfterMs: null }, async (server, fleet) => {
    await addIdTag(server, "CARD-1");
    const tx = await remoteStart(server, "UL-1", 1, "CARD-1");
    assertEquals(
      (await command(server, "UL-1", "UnlockConnector", { connectorId: 1 })).body.status,
      "Unlocked",
    );
    await eventually(
      async () => (await transaction(server, tx.transactionId)).stopReason === "UnlockCommand",
      3000,
    );
    await eventually(
      async () => (await connectorStatus(server, "UL-1", 1)) === "Available",
      3000,
      "Available",
    );
    assertEquals(
      (await command(server, "UL-1", "UnlockConnector", { connectorId: 5 })).body.status,
      "NotSupported",
    );
    fleet.station("UL-1").fault(2, "ConnectorLockFailure");
    assertEquals(
      (await command(server, "UL-1", "UnlockConnector", { connectorId: 2 })).body.status,
      "UnlockFailed",
    );
  });
});

Deno.test("injected faults: a Faulted connector with its error code, a dropped connection, a silent station", async () => {
  await withFleet(
    { CALL_TIMEOUT_MS: "800", PING_INTERVAL_S: "1" },
    { prefix: "FLT-" },
    async (server, fleet) => {
      await addIdTag(server, "CARD-1");
      const station = fleet.station("FLT-1");
      station.fault(1, "GroundFailure", "Residual current detected");
      const faulted = await eventually(
        async () => {
          const c = (await chargePoint(server, "FLT-1")).connectors.find((x: Json) => x.connectorId === 1);
          return c?.status === "Faulted" ? c : undefined;
        },
        3000,
        "Faulted",
      );
      assertEquals([faulted.errorCode, faulted.info], ["GroundFailure", "Residual current detected"]);
      // The server refuses to start on a Faulted connector; forced, the station refuses.
      assertEquals(
        (await command(server, "FLT-1", "RemoteStartTransaction", { connectorId: 1, idTag: "CARD-1" }))
          .status,
        409,
      );
      const forced = await command(server, "FLT-1", "RemoteStartTransaction", {
        connectorId: 1,
        idTag: "CARD-1",
      }, "?force=true");
      assertEquals(forced.body.status, "Rejected");
      station.recover(1);
      await eventually(
        async () => (await connectorStatus(server, "FLT-1", 1)) === "Available",
        3000,
        "recovered",
      );

      // A fault during a session ends it.
      const tx = await remoteStart(server, "FLT-1", 2, "CARD-1");
      station.fault(2, "HighTemperature");
      await eventually(
        async () => (await transaction(server, tx.transactionId)).stopReason === "Other",
        3000,
      );
      station.recover(2);
      station.fault(0, "PowerMeterFailure");
      await eventually(
        async () => (await connectorStatus(server, "FLT-1", 0)) === "Faulted",
        3000,
        "station Faulted",
      );
      station.recover(0);

      const boots = station.snapshot().stats.boots;
      station.dropConnection(500);
      await eventually(async () => !(await chargePoint(server, "FLT-1")).online, 3000, "offline");
      await eventually(async () => (await chargePoint(server, "FLT-1")).online, 5000, "back online");
      assertEquals(station.snapshot().stats.boots, boots, "a reconnect is not a reboot");

      station.silence();
      const timedOut = await command(server, "FLT-1", "GetLocalListVersion");
      assertEquals(timedOut.status, 504);
      await eventually(
        async () => !(await chargePoint(server, "FLT-1")).online,
        5000,
        "dropped by the server's ping",
      );
      station.resume();
      await eventually(async () => (await chargePoint(server, "FLT-1")).online, 5000, "online after resume");
      assertEquals((await command(server, "FLT-1", "GetLocalListVersion")).status, 200);
    },
  );
});

Deno.test("random faults from a fault rate come and go on their own", async () => {
  await withFleet({}, {
    prefix: "RND-",
    stations: 4,
    faults: { ratePerHour: 3600 * 4, durationS: 0.3 },
  }, async (_server, fleet) => {
    await eventually(
      () =>
        fleet.logs.filter((l) =>
          l.msg === "fault injected" || l.msg === "dropping connection" || l.msg === "silent"
        ).length >= 4,
      5000,
      "faults",
    );
    await eventually(() => fleet.logs.some((l) => l.msg === "fault cleared"), 5000, "a recovery");
  });
});

Deno.test("GetDiagnostics uploads over HTTP, UpdateFirmware downloads, installs, reboots and reports the new version", async () => {
  const uploads: Array<{ path: string; body: string }> = [];
  const files = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (req.method === "PUT") {
      uploads.push({ path, body: await req.text() });
      return new Response(null, { status: 201 });
    }
    return path === "/fw/vc22-2.0.1.bin" ? new Response("firmware") : new Response("no", { status: 404 });
  });
  const base = `http://127.0.0.1:${files.addr.port}`;
  try {
    await withFleet({}, { prefix: "FW-" }, async (server, fleet) => {
      const diag = await command(server, "FW-1", "GetDiagnostics", { location: `${base}/diag/` });
      assert(String(diag.body.fileName).startsWith("FW-1-diagnostics-"));
      await eventually(
        async () => (await chargePoint(server, "FW-1")).diagnosticsStatus === "Uploaded",
        5000,
      );
      assertEquals(uploads[0]?.path, `/diag/${diag.body.fileName}`);
      assert(uploads[0]?.body.includes('"id": "FW-1"'));
      await command(server, "FW-1", "GetDiagnostics", { location: "ftp://127.0.0.1:1/diag/" });
      await eventually(
        async () => (await chargePoint(server, "FW-1")).diagnosticsStatus === "UploadFailed",
        5000,
      );

      const now = new Date().toISOString();
      const missing = await command(server, "FW-1", "UpdateFirmware", {
        location: `${base}/fw/none.bin`,
        retrieveDate: now,
      });
      assertEquals([missing.status, missing.body], [200, {}]);
      await eventually(
        async () => (await chargePoint(server, "FW-1")).firmwareStatus === "DownloadFailed",
        5000,
      );

      const bootedAt = (await chargePoint(server, "FW-1")).bootedAt;
      await command(server, "FW-1", "UpdateFirmware", {
        location: `${base}/fw/vc22-2.0.1.bin`,
        retrieveDate: now,
      });
      const updated = await eventually(
        async () => {
          const cp = await chargePoint(server, "FW-1");
          return cp.firmwareStatus === "Installed" ? cp : undefined;
        },
        8000,
        "Installed",
      );
      assertEquals(updated.boot.firmwareVersion, "vc22-2.0.1");
      assert(updated.bootedAt > bootedAt, "it rebooted");
      const sequence = (what: string) => fleet.logs.filter((l) => l.msg === what).map((l) => l.status);
      assertEquals(sequence("diagnostics status"), ["Uploading", "Uploaded", "Uploading", "UploadFailed"]);
      assertEquals(sequence("firmware status"), [
        "Downloading",
        "DownloadFailed",
        "Downloading",
        "Downloaded",
        "Installing",
        "Installed",
      ]);
    });
  } finally {
    await files.shutdown();
  }
});

Deno.test("DataTransfer to our vendor echoes, other vendors are unknown; ClearCache is accepted", async () => {
  await withFleet({}, { prefix: "DT-" }, async (server, _fleet) => {
    const echo = await command(server, "DT-1", "DataTransfer", {
      vendorId: "VirtualCharge",
      messageId: "Echo",
      data: "hi",
    });
    assertEquals(echo.body, { status: "Accepted", data: "hi" });
    assertEquals(
      (await command(server, "DT-1", "DataTransfer", { vendorId: "VirtualCharge", messageId: "X" })).body
        .status,
      "UnknownMessageId",
    );
    assertEquals(
      (await command(server, "DT-1", "DataTransfer", { vendorId: "Acme" })).body.status,
      "UnknownVendorId",
    );
    assertEquals((await command(server, "DT-1", "ClearCache")).body.status, "Accepted");
  });
});

Deno.test("security profile 1: stations with the AuthorizationKey get in, one with a wrong key keeps trying", async () => {
  const server = await startApiServer();
  const key = "sim-Authorization-Key-0001";
  for (const id of ["SEC-1", "SEC-2"]) {
    const set = await server.json(`/api/v1/station-security/${id}`, {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: key },
    });
    assertEquals(set.status, 200);
  }
  const fleet = await startFleet(server, {
    prefix: "SEC-",
    stations: 2,
    authorizationKey: (id) => (id === "SEC-1" ? key : "not-the-right-key-at-all"),
    waitAccepted: false,
  });
  try {
    await fleet.station("SEC-1").whenAccepted(5000);
    await eventually(
      () =>
        fleet.logs.some((l) => l.chargePointId === "SEC-2" && l.msg === "connect failed" && l.status === 401),
      5000,
    );
    assertEquals(fleet.station("SEC-2").state === "accepted", false);
    assertEquals((await chargePoint(server, "SEC-1")).online, true);
  } finally {
    await finish(fleet, server);
  }
});

Deno.test("`deno task simulate` runs stations against the server until its duration, then stops cleanly", async () => {
  const server = await startApiServer();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "task",
      "simulate",
      ...["--url", server.wsUrl, "--stations", "3", "--prefix", "CLI-", "--duration", "6"],
      ...["--meter-interval", "1", "--seed", "3", "--log-level", "info"],
    ],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  try {
    await eventually(
      async () => {
        const res = await server.json("/api/v1/charge-points?limit=100", { as: "viewer" });
        const online = res.body.items.filter((i: Json) =>
          i.id.startsWith("CLI-") && i.online && i.connectors.length === 3
        );
        return online.length === 3;
      },
      15_000,
      "3 CLI stations online with their statuses",
    );
    const status = await child.status;
    const [stdout, stderr] = await output;
    assertEquals(status.code, 0, stderr);
    const lines = stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const last = lines.findLast((l) => l.msg === "stopping");
    assertEquals([last.why, last.stations, last.states.accepted, last.invalidFrames], [
      "duration reached",
      3,
      3,
      0,
    ]);
    assert(lines.some((l) => l.msg === "connected" && l.chargePointId === "CLI-2"));
    await eventually(
      async () => {
        const res = await server.json("/api/v1/charge-points?limit=100", { as: "viewer" });
        return res.body.items.filter((i: Json) => i.id.startsWith("CLI-")).every((i: Json) => !i.online);
      },
      3000,
      "offline after the run",
    );
  } finally {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already exited.
    }
    await child.status;
    await output;
    await server.close();
  }
});

Deno.test("a busy fleet (drivers coming and going, random faults, drops and silences) stays within the spec", async () => {
  const drivers = {
    sessionsPerHour: 3600,
    idTags: ["D-1", "D-2", "UNKNOWN"],
    stayMinutes: [0.02, 0.05] as const,
  };
  const faults = { ratePerHour: 1800, durationS: 0.5 };
  await withFleet({}, { stations: 20, prefix: "BUSY-", seed: 11, drivers, faults }, async (server, fleet) => {
    for (const idTag of ["D-1", "D-2"]) await addIdTag(server, idTag);
    const count = (msg: string) => fleet.logs.filter((l) => l.msg === msg).length;
    // Until enough happened, not for a fixed 6 s: on a busy machine 6 s saw fewer than 10 finished sessions.
    const finished = await eventually(
      async () => {
        if (count("transaction stopping") < 10) return null;
        if (count("fault injected") < 5 || count("dropping connection") < 1) return null;
        const finished = await transactions(server, "status=finished&limit=1000");
        return finished.length >= 10 ? finished : null;
      },
      60_000,
      `10 sessions ended and faults happened (${count("transaction stopping")} stopping)`,
    );
    assertEquals(server.logs.filter((l) => l.level === "error"), []);
    for (const tx of finished!) assert(tx.meterStop >= tx.meterStart, JSON.stringify(tx));
  });
});
