/**
 * An operator's charging profiles on a load-managed station, on both stores: one that would fight load
 * management's (an id of its range, or its stack level for a TxProfile or TxDefaultProfile) is refused with
 * 409 and never sent, and clearing the station's profiles (the API's or the raw command) has load management
 * divide the site again at once, not at the next periodic run (an hour away here). A fleet job's
 * SetChargingProfile and ClearChargingProfile are held to the same, station by station.
 */
import { assertEquals } from "@std/assert";
import type { ApiTestServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** Load management's ids (ENERGY_PROFILE_ID_BASE's default): its TxDefaultProfile, connector 1's TxProfile. */
const STATION_DEFAULT_ID = 900_000;
const TX_PROFILE_ID = 900_001;
/** ENERGY_STACK_LEVEL's default. */
const MANAGED_LEVEL = 1;

interface Held {
  purpose: string;
  stackLevel: number;
  connectorId: number;
  limit: number;
}

/** A station that holds the profiles it is sent as OCPP 1.6 §5.16 says, and clears them as §5.5 says. */
async function managedStation(server: ApiTestServer, id: string) {
  const station = await connectStation(server.wsUrl, id, { boot: false });
  const held = new Map<number, Held>();
  const received: number[] = [];
  station.handle("SetChargingProfile", ({ params }) => {
    const p = params.csChargingProfiles;
    received.push(p.chargingProfileId);
    for (const [other, h] of held) {
      if (
        h.purpose === p.chargingProfilePurpose && h.stackLevel === p.stackLevel &&
        h.connectorId === params.connectorId
      ) held.delete(other);
    }
    held.set(p.chargingProfileId, {
      purpose: p.chargingProfilePurpose,
      stackLevel: p.stackLevel,
      connectorId: params.connectorId,
      limit: p.chargingSchedule.chargingSchedulePeriod[0].limit,
    });
    return { status: "Accepted" };
  });
  station.handle("ClearChargingProfile", ({ params }) => {
    const selected = [...held].filter(([heldId, h]) =>
      params.id !== undefined
        ? heldId === params.id
        : (params.connectorId ?? h.connectorId) === h.connectorId &&
          (params.chargingProfilePurpose ?? h.purpose) === h.purpose &&
          (params.stackLevel ?? h.stackLevel) === h.stackLevel
    );
    for (const [heldId] of selected) held.delete(heldId);
    return { status: selected.length > 0 ? "Accepted" : "Unknown" };
  });
  const boot = await station.call("BootNotification", {
    chargePointVendor: "Acme",
    chargePointModel: "Volt-1",
  });
  assertEquals(boot.status, "Accepted");
  return { station, held, received };
}

function profile(chargingProfileId: number, purpose: string, stackLevel: number, connectorId = 0): Json {
  return {
    connectorId,
    csChargingProfiles: {
      chargingProfileId,
      stackLevel,
      chargingProfilePurpose: purpose,
      chargingProfileKind: "Relative",
      chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] },
    },
  };
}

/** Creates a job as an operator and waits for its end. */
async function runJob(server: ApiTestServer, body: Json): Promise<Json> {
  const created = await server.json("/api/v1/jobs", { method: "POST", as: "operator", body });
  assertEquals(created.status, 201, JSON.stringify(created.body));
  return await eventually(
    async () => {
      const { body } = await server.json(`/api/v1/jobs/${created.body.id}`, { as: "viewer" });
      return body.state === "finished" ? body : null;
    },
    10_000,
    `job ${created.body.id} finished`,
  );
}

async function scenario(server: ApiTestServer) {
  const site = await server.json("/api/v1/sites/depot", {
    method: "PUT",
    body: { name: "Depot", maxCurrentA: 16, stationMaxCurrentA: 32, chargePointIds: ["CP-1"] },
    as: "operator",
  });
  assertEquals(site.status, 201, JSON.stringify(site.body));
  const stations: Station[] = [];
  try {
    const cp1 = await managedStation(server, "CP-1");
    stations.push(cp1.station);
    await cp1.station.call("StartTransaction", {
      connectorId: 1,
      idTag: "FLEET",
      meterStart: 0,
      timestamp: new Date().toISOString(),
    });
    /** What load management keeps on CP-1: 0 A for a new session, 16 A (the site) for the running one. */
    const managed = () =>
      cp1.held.get(STATION_DEFAULT_ID)?.limit === 0 && cp1.held.get(TX_PROFILE_ID)?.limit === 16;
    await eventually(managed, 10_000, "load management's profiles on CP-1");

    const path = "/api/v1/charge-points/CP-1/charging-profiles";
    const refused: [string, string, Json][] = [
      [path, "csChargingProfiles.chargingProfileId", profile(TX_PROFILE_ID, "TxDefaultProfile", 5)],
      [path, "csChargingProfiles.stackLevel", profile(5, "TxDefaultProfile", MANAGED_LEVEL)],
      [path, "csChargingProfiles.stackLevel", profile(6, "TxProfile", MANAGED_LEVEL, 1)],
      [
        "/api/v1/charge-points/CP-1/SetChargingProfile",
        "csChargingProfiles.stackLevel",
        profile(5, "TxDefaultProfile", MANAGED_LEVEL),
      ],
      [
        "/api/v1/charge-points/CP-1/SetChargingProfile",
        "csChargingProfiles.chargingProfileId",
        profile(STATION_DEFAULT_ID, "ChargePointMaxProfile", 3),
      ],
    ];
    const before = cp1.received.length;
    for (const [to, field, body] of refused) {
      const res = await server.json(to, { method: "POST", body, as: "operator" });
      assertEquals(
        [res.status, res.body.error, res.body.details.field],
        [409, "conflict", field],
        `${to}: ${JSON.stringify(res.body)}`,
      );
    }
    assertEquals(cp1.received.length, before, "no refused profile reached the station");
    assertEquals(managed(), true);
    // Other stack levels, and a purpose load management does not use, are the operator's.
    for (
      const body of [profile(7, "ChargePointMaxProfile", MANAGED_LEVEL), profile(8, "TxDefaultProfile", 2)]
    ) {
      const res = await server.json(path, { method: "POST", body, as: "operator" });
      assertEquals(res.status, 201, JSON.stringify(res.body));
    }

    // The operator clears everything, load management's included: it is back at once, not in an hour.
    const cleared = await server.json(path, { method: "DELETE", as: "operator" });
    assertEquals(cleared.status, 200, JSON.stringify(cleared.body));
    assertEquals(cleared.body.removed.includes(TX_PROFILE_ID), true, JSON.stringify(cleared.body));
    await eventually(managed, 5000, "load management's profiles back on CP-1 after the clear");
    assertEquals([cp1.held.has(7), cp1.held.has(8)], [false, false]);

    // The raw command does the same.
    const raw = await server.json("/api/v1/charge-points/CP-1/ClearChargingProfile", {
      method: "POST",
      body: { chargingProfilePurpose: "TxProfile" },
      as: "operator",
    });
    assertEquals(raw.body, { status: "Accepted" });
    assertEquals(cp1.held.has(TX_PROFILE_ID), false);
    await eventually(managed, 5000, "CP-1's TxProfile back after the raw clear");

    // A station of no site: its stack levels are the operator's, load management's ids are not.
    const cp2 = await managedStation(server, "CP-2");
    stations.push(cp2.station);
    const free = await server.json("/api/v1/charge-points/CP-2/charging-profiles", {
      method: "POST",
      body: profile(5, "TxDefaultProfile", MANAGED_LEVEL),
      as: "operator",
    });
    assertEquals(free.status, 201, JSON.stringify(free.body));
    const ours = await server.json("/api/v1/charge-points/CP-2/charging-profiles", {
      method: "POST",
      body: profile(STATION_DEFAULT_ID, "TxDefaultProfile", 2),
      as: "operator",
    });
    assertEquals([ours.status, ours.body.details.field], [409, "csChargingProfiles.chargingProfileId"]);
    assertEquals(cp2.received, [5]);

    // A fleet job is an operator's command too: refused on the managed station, sent and stored on the other.
    const job = await runJob(server, {
      action: "SetChargingProfile",
      payload: profile(9, "TxDefaultProfile", MANAGED_LEVEL),
      chargePointIds: ["CP-1", "CP-2"],
    });
    assertEquals(job.tasks.items.map((t: Json) => [t.chargePointId, t.outcome]), [
      ["CP-1", "refused"],
      ["CP-2", "accepted"],
    ]);
    assertEquals(job.tasks.items[0].response.reason.includes("load management's own"), true);
    assertEquals([cp1.held.has(9), cp2.held.has(9)], [false, true]);
    const stored = await server.json("/api/v1/charge-points/CP-2/charging-profiles", { as: "viewer" });
    assertEquals(
      stored.body.items.some((p: Json) => p.chargingProfileId === 9),
      true,
      "the job's profile stored",
    );
    // A job's clear has the site divided again at once, as the API's.
    const clearJob = await runJob(server, {
      action: "ClearChargingProfile",
      payload: { chargingProfilePurpose: "TxProfile" },
      chargePointIds: ["CP-1"],
    });
    assertEquals(clearJob.tasks.items[0].outcome, "accepted");
    assertEquals(cp1.held.has(TX_PROFILE_ID), false);
    await eventually(managed, 5000, "CP-1's TxProfile back after a job's clear");
  } finally {
    for (const station of stations) await closeStation(station);
  }
}

const ignorePostgres = await ignoreWithoutPostgres(
  "Operator profiles on a load-managed station on PostgreSQL",
);

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test({
    name: `${kind}: an operator's profile never fights load management, and a clear is re-divided at once`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () => withApiServer(kind, scenario, { ENERGY_REBALANCE_INTERVAL_S: "3600", FLEET_POLL_MS: "50" }),
  });
}
