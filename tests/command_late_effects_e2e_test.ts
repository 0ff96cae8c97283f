/**
 * A station that answers an operator's command after CALL_TIMEOUT_MS: the operator heard 504, but what the
 * station answered counts beyond its record as a timely answer's does. A late Accepted SetChargingProfile or
 * ClearChargingProfile changes the stored charging profiles; a late Accepted SendLocalList tells the managed
 * local list the station holds another list; a late refusal changes neither. Driven as an operator (HTTP) and
 * a strict ocpp-rpc station would, on both stores.
 */
import { assertEquals } from "@std/assert";
import type { ApiTestServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation } from "./helpers/station.ts";
import { answeredLate, FOREIGN_LIST, HeldAnswers, lateStation, profile } from "./helpers/late_station.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const TIMEOUT_MS = 300;
/** The test server's API as an operator. */
function api(server: ApiTestServer) {
  return (path: string, init: { method?: string; body?: unknown } = {}) =>
    server.json(`/api/v1${path}`, { ...init, as: "operator" } as never);
}

async function storedProfileIds(server: ApiTestServer, id: string): Promise<number[]> {
  const res = await server.json(`/api/v1/charge-points/${id}/charging-profiles`, { as: "viewer" });
  assertEquals(res.status, 200, JSON.stringify(res.body));
  return (res.body.items as Json[]).map((p) => p.chargingProfileId);
}

async function listRecord(server: ApiTestServer, id: string): Promise<Json> {
  const res = await server.json("/api/v1/local-list", { as: "viewer" });
  assertEquals(res.status, 200);
  return res.body.stations.find((s: Json) => s.chargePointId === id) ?? null;
}

/** Lets whatever a late answer would start finish (it has nothing to wait for when it does nothing). */
async function settled(server: ApiTestServer, id: string): Promise<void> {
  // A row written after the late answer's turn: the station's later CALL is handled after it.
  await storedProfileIds(server, id);
  await new Promise((resolve) => setTimeout(resolve, 300));
}

async function lateEffects(kind: StoreKind): Promise<void> {
  await withApiServer(kind, async (server) => {
    const id = `LATE-FX-${kind}`;
    const held = new HeldAnswers();
    const station = await lateStation(server.wsUrl, id, held);
    try {
      // Charging profiles: a late refusal stores nothing; a late acceptance is stored; a late clear forgets it
      // (ClearChargingProfile has no refusal: Unknown forgets too, timely or late).
      await answeredLate(api(server), held, id, "SetChargingProfile", profile(7), "Rejected");
      await settled(server, id);
      assertEquals(await storedProfileIds(server, id), [], "a late Rejected stores nothing");
      await answeredLate(api(server), held, id, "SetChargingProfile", profile(8), "Accepted");
      await eventually(
        async () => (await storedProfileIds(server, id)).includes(8),
        10_000,
        "the late Accepted profile stored",
      );
      assertEquals(await storedProfileIds(server, id), [8]);
      await answeredLate(api(server), held, id, "ClearChargingProfile", { id: 8 }, "Accepted");
      await eventually(
        async () => (await storedProfileIds(server, id)).length === 0,
        10_000,
        "the late Accepted clear",
      );

      // The managed list: synced, then the operator's own list answered late.
      const tag = await server.json("/api/v1/id-tags", {
        method: "POST",
        body: { idTag: "LATE-TAG", localList: true },
      });
      assertEquals(tag.status, 201, JSON.stringify(tag.body));
      await eventually(async () => (await listRecord(server, id))?.status === "synced", 15_000, "a sync");
      const synced = await listRecord(server, id);
      const foreign = {
        listVersion: FOREIGN_LIST,
        updateType: "Full",
        localAuthorizationList: [{ idTag: "STRANGER", idTagInfo: { status: "Accepted" } }],
      };
      await answeredLate(api(server), held, id, "SendLocalList", foreign, "Failed");
      await settled(server, id);
      assertEquals(await listRecord(server, id), synced, "a late Failed leaves the managed list synced");
      await answeredLate(api(server), held, id, "SendLocalList", foreign, "Accepted");
      const replaced = await eventually(
        async () => {
          const record = await listRecord(server, id);
          return record?.status !== "synced" ? record : null;
        },
        10_000,
        "the managed list told of the late Accepted list",
      );
      assertEquals([replaced.status, replaced.version], ["failed", null]);
      assertEquals(
        replaced.detail,
        `token:operator tests sent a list of its own (SendLocalList version ${FOREIGN_LIST}); the managed list follows`,
      );
    } finally {
      await closeStation(station);
    }
    // No catch-up while the test looks (it would give the station the managed list again).
  }, { CALL_TIMEOUT_MS: String(TIMEOUT_MS), LOCAL_LIST_SYNC_S: "3600" });
}

Deno.test("a late Accepted profile or list command counts beyond the station's record, a late refusal not (KV)", () =>
  lateEffects("kv"));

Deno.test({
  name:
    "a late Accepted profile or list command counts beyond the station's record, a late refusal not (PostgreSQL)",
  ignore: await ignoreWithoutPostgres("late command effects on PostgreSQL"),
  fn: () => lateEffects("postgres"),
});
