/**
 * An operator's charging profile that OCPP forbids (beyond what its JSON schema says) or that is too long to
 * keep is refused with 400 naming the field, on both stores, by the charging profile API and by the raw
 * SetChargingProfile command of either dialect: nothing reaches the station, nothing is stored.
 */
import { assertEquals } from "@std/assert";
import type { ApiTestServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

function txDefault(connectorId = 1): Json {
  return {
    connectorId,
    csChargingProfiles: {
      chargingProfileId: 1,
      stackLevel: 0,
      chargingProfilePurpose: "TxDefaultProfile",
      chargingProfileKind: "Relative",
      chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
    },
  };
}

/** `txDefault()` changed by `change`, which edits a copy of it. */
function changed(change: (request: Json) => void): Json {
  const request = txDefault();
  change(request);
  return request;
}

const periodsOf = (n: number) =>
  // The longest values a period may hold: what a stored profile of n periods weighs at most.
  Array.from(
    { length: n },
    (_, i) => ({ startPeriod: 2 ** 31 - 1 - (n - i), limit: 9_999_999.9, numberPhases: 3 }),
  )
    .map((p, i) => i === 0 ? { ...p, startPeriod: 0 } : p);

const SCHEDULE = "csChargingProfiles.chargingSchedule";
const PERIODS = `${SCHEDULE}.chargingSchedulePeriod`;

/** Each: what is wrong, the request, the field the 400 names. */
const BAD_16: [string, Json, string][] = [
  [
    "a negative limit",
    changed((r) => r.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit = -6),
    `${PERIODS}.0.limit`,
  ],
  [
    "a limit of 1e300",
    changed((r) => r.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit = 1e300),
    `${PERIODS}.0.limit`,
  ],
  [
    "a negative stackLevel",
    changed((r) => r.csChargingProfiles.stackLevel = -1),
    "csChargingProfiles.stackLevel",
  ],
  [
    "a negative chargingProfileId",
    changed((r) => r.csChargingProfiles.chargingProfileId = -1),
    "csChargingProfiles.chargingProfileId",
  ],
  [
    "periods out of order",
    changed((r) =>
      r.csChargingProfiles.chargingSchedule.chargingSchedulePeriod = [
        { startPeriod: 0, limit: 16 },
        { startPeriod: 900, limit: 10 },
        { startPeriod: 300, limit: 8 },
      ]
    ),
    `${PERIODS}.2.startPeriod`,
  ],
  [
    "two periods starting together",
    changed((r) =>
      r.csChargingProfiles.chargingSchedule.chargingSchedulePeriod = [
        { startPeriod: 0, limit: 16 },
        { startPeriod: 0, limit: 10 },
      ]
    ),
    `${PERIODS}.1.startPeriod`,
  ],
  [
    "a first period after 0",
    changed((r) => r.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].startPeriod = 60),
    `${PERIODS}.0.startPeriod`,
  ],
  ["no period", changed((r) => r.csChargingProfiles.chargingSchedule.chargingSchedulePeriod = []), PERIODS],
  [
    "5000 periods",
    // Valid but for their number: too long for a KV value once stored, as the station accepts it.
    changed((r) =>
      Object.assign(r.csChargingProfiles.chargingSchedule, {
        chargingRateUnit: "W",
        chargingSchedulePeriod: periodsOf(5000),
      })
    ),
    PERIODS,
  ],
  [
    "validTo past",
    changed((r) => r.csChargingProfiles.validTo = "2020-01-01T00:00:00Z"),
    "csChargingProfiles.validTo",
  ],
  [
    "validTo before validFrom",
    changed((r) =>
      Object.assign(r.csChargingProfiles, {
        validFrom: "2099-02-01T00:00:00Z",
        validTo: "2099-01-01T00:00:00Z",
      })
    ),
    "csChargingProfiles.validTo",
  ],
  [
    "Absolute without startSchedule",
    changed((r) => r.csChargingProfiles.chargingProfileKind = "Absolute"),
    `${SCHEDULE}.startSchedule`,
  ],
  [
    "Recurring without recurrencyKind",
    changed((r) => r.csChargingProfiles.chargingProfileKind = "Recurring"),
    "csChargingProfiles.recurrencyKind",
  ],
  [
    "a transactionId on a TxDefaultProfile",
    changed((r) => r.csChargingProfiles.transactionId = 5),
    "csChargingProfiles.transactionId",
  ],
  [
    "a ChargePointMaxProfile on connector 1",
    changed((r) => r.csChargingProfiles.chargingProfilePurpose = "ChargePointMaxProfile"),
    "connectorId",
  ],
  [
    "numberPhases 0",
    changed((r) => r.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].numberPhases = 0),
    `${PERIODS}.0.numberPhases`,
  ],
  [
    "numberPhases 4",
    changed((r) => r.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].numberPhases = 4),
    `${PERIODS}.0.numberPhases`,
  ],
];

async function refusesBadProfiles(server: ApiTestServer) {
  const station = await connectStation(server.wsUrl, "CP-1");
  const received: Json[] = [];
  station.handle("SetChargingProfile", ({ params }) => {
    received.push(params);
    return { status: "Accepted" };
  });
  const stored = async () =>
    (await server.json("/api/v1/charge-points/CP-1/charging-profiles", { as: "viewer" })).body.items;
  try {
    for (const path of ["charging-profiles", "SetChargingProfile"]) {
      for (const [what, body, field] of BAD_16) {
        const res = await server.json(`/api/v1/charge-points/CP-1/${path}`, {
          method: "POST",
          body,
          as: "operator",
        });
        assertEquals(
          [res.status, res.body.error, res.body.details.in, res.body.details.field],
          [400, "invalid_request", "body", field],
          `${path}, ${what}: ${JSON.stringify(res.body).slice(0, 300)}`,
        );
      }
    }
    assertEquals(received, [], "nothing reached the station");
    assertEquals(await stored(), []);

    // The longest schedule allowed, at its heaviest, reaches the station and is kept on either store.
    const longest = changed((r) => {
      r.csChargingProfiles.chargingProfileKind = "Recurring";
      r.csChargingProfiles.recurrencyKind = "Weekly";
      r.csChargingProfiles.chargingSchedule.chargingRateUnit = "W";
      r.csChargingProfiles.chargingSchedule.chargingSchedulePeriod = periodsOf(1024);
    });
    const set = await server.json("/api/v1/charge-points/CP-1/charging-profiles", {
      method: "POST",
      body: longest,
      as: "operator",
    });
    assertEquals(set.status, 201, JSON.stringify(set.body).slice(0, 300));
    assertEquals(received.length, 1);
    assertEquals((await stored())[0].profile.chargingSchedule.chargingSchedulePeriod.length, 1024);
  } finally {
    await closeStation(station);
  }
}

async function refusesBad201Profiles(server: ApiTestServer) {
  const station = await connectStation201(server.wsUrl, "CP-201");
  const received: Json[] = [];
  station.handle("SetChargingProfile", ({ params }) => {
    received.push(params);
    return { status: "Accepted" };
  });
  const profile = (extra: Json = {}, period: Json = {}) => ({
    evseId: 1,
    chargingProfile: {
      id: 1,
      stackLevel: 0,
      chargingProfilePurpose: "TxDefaultProfile",
      chargingProfileKind: "Relative",
      chargingSchedule: [{
        id: 1,
        chargingRateUnit: "A",
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 16, ...period }],
      }],
      ...extra,
    },
  });
  const periods = "chargingProfile.chargingSchedule.0.chargingSchedulePeriod";
  try {
    const cases: [string, Json, string][] = [
      ["a negative limit", profile({}, { limit: -1 }), `${periods}.0.limit`],
      ["a negative id", profile({ id: -1 }), "chargingProfile.id"],
      [
        "a station maximum on EVSE 1",
        profile({ chargingProfilePurpose: "ChargingStationMaxProfile" }),
        "evseId",
      ],
      [
        "Recurring without startSchedule",
        profile({ chargingProfileKind: "Recurring", recurrencyKind: "Daily" }),
        "chargingProfile.chargingSchedule.0.startSchedule",
      ],
      ["phaseToUse with three phases", profile({}, { phaseToUse: 2 }), `${periods}.0.phaseToUse`],
    ];
    for (const [what, body, field] of cases) {
      const res = await server.json("/api/v1/charge-points/CP-201/SetChargingProfile", {
        method: "POST",
        body,
        as: "operator",
      });
      assertEquals(
        [res.status, res.body.details.field],
        [400, field],
        `${what}: ${JSON.stringify(res.body)}`,
      );
    }
    // The charging profile API takes 1.6's shape for a 2.0.1 station as well.
    const viaApi = await server.json("/api/v1/charge-points/CP-201/charging-profiles", {
      method: "POST",
      body: BAD_16[0]![1],
      as: "operator",
    });
    assertEquals([viaApi.status, viaApi.body.details.field], [400, BAD_16[0]![2]]);
    assertEquals(received, [], "nothing reached the station");
    const ok = await server.json("/api/v1/charge-points/CP-201/SetChargingProfile", {
      method: "POST",
      body: profile({}, { numberPhases: 1, phaseToUse: 2 }),
      as: "operator",
    });
    assertEquals([ok.status, received.length], [200, 1]);
  } finally {
    await closeStation(station);
  }
}

const ignorePostgres = await ignoreWithoutPostgres("Charging profile rules on PostgreSQL");

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test({
    name: `${kind}: a profile OCPP forbids, or of 5000 periods, is a 400 naming the field; nothing is sent`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () => withApiServer(kind, refusesBadProfiles),
  });
  Deno.test({
    name: `${kind}: a raw 2.0.1 SetChargingProfile OCPP forbids is a 400 naming the field; nothing is sent`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () => withApiServer(kind, refusesBad201Profiles),
  });
}

Deno.test("a remote start's profile and a job's profile follow the same rules: 400 naming the field, nothing sent", async () => {
  await withApiServer("kv", async (server) => {
    // RemoteStart is refused for a tag this server would not accept: TAG-1 is a known card.
    await server.store.putIdTag({ idTag: "TAG-1", status: "Accepted", expiryDate: null, parentIdTag: null });
    const station = await connectStation(server.wsUrl, "CP-START");
    const received: string[] = [];
    station.handle("RemoteStartTransaction", () => {
      received.push("RemoteStartTransaction");
      return { status: "Accepted" };
    });
    station.handle("SetChargingProfile", () => {
      received.push("SetChargingProfile");
      return { status: "Accepted" };
    });
    try {
      const start = (chargingProfile: Json) =>
        server.json("/api/v1/charge-points/CP-START/RemoteStartTransaction", {
          method: "POST",
          body: { connectorId: 1, idTag: "TAG-1", chargingProfile },
          as: "operator",
        });
      const tx = (change: (p: Json) => void) => {
        const p = txDefault().csChargingProfiles;
        p.chargingProfilePurpose = "TxProfile";
        change(p);
        return p;
      };
      for (
        const [what, profile, field] of [
          ["not a TxProfile", txDefault().csChargingProfiles, "chargingProfile.chargingProfilePurpose"],
          ["a transactionId", tx((p) => p.transactionId = 5), "chargingProfile.transactionId"],
          [
            "a negative limit",
            tx((p) => p.chargingSchedule.chargingSchedulePeriod[0].limit = -1),
            "chargingProfile.chargingSchedule.chargingSchedulePeriod.0.limit",
          ],
        ] as [string, Json, string][]
      ) {
        const res = await start(profile);
        assertEquals([res.status, res.body.details?.field], [400, field], what);
      }
      const job = await server.json("/api/v1/jobs", {
        method: "POST",
        as: "operator",
        body: {
          action: "SetChargingProfile",
          payload: changed((r) => r.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit = -6),
          chargePointIds: ["CP-START"],
        },
      });
      assertEquals(
        [job.status, job.body.details?.field],
        [400, `payload.${PERIODS}.0.limit`],
        JSON.stringify(job.body),
      );
      assertEquals(received, [], "nothing reached the station");
      const fine = await start(tx(() => {}));
      assertEquals([fine.status, fine.body.status, received], [200, "Accepted", ["RemoteStartTransaction"]]);
    } finally {
      await closeStation(station);
    }
  });
});
