/**
 * What an answer teaches beyond the station's record, in a cluster: two processes (nodes) on one PostgreSQL
 * database, the operator on node A, the station (strict ocpp-rpc) on node B. The node holding the station
 * records it, for a timely answer (before A's operator hears it) and for one after CALL_TIMEOUT_MS (A's
 * operator heard 504): the stored charging profiles and the managed local list follow, as on one node.
 */
import { assertEquals } from "@std/assert";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { answeredLate, FOREIGN_LIST, HeldAnswers, lateStation, profile } from "./helpers/late_station.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { type ServerProcess, spawnServer } from "./helpers/process.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, type Station } from "./helpers/station.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const ID = "CP-LATE-FX-CLUSTER";

Deno.test({
  name:
    "cluster: a station's late Accepted answer to another node's command reaches the profiles and the list",
  ignore: await ignoreWithoutPostgres("cluster late command effects e2e test"),
  async fn() {
    const db = await migratedDatabase("lateeffects_cluster");
    const nodes: ServerProcess[] = [];
    let station: Station | null = null;
    try {
      const env = {
        DATABASE_URL: db.url,
        ADMIN_USER: ADMIN.username,
        ADMIN_PASSWORD: ADMIN.password,
        PRESENCE_LEASE_S: "2",
        CALL_TIMEOUT_MS: "500",
        // No catch-up while the test looks (it would give the station the managed list again).
        LOCAL_LIST_SYNC_S: "3600",
      };
      const a = await spawnServer(env);
      nodes.push(a);
      const b = await spawnServer(env);
      nodes.push(b);
      const api = await adminApi(a.url);
      // A managed list before the station connects: node B syncs it as it boots there.
      const tag = await api("/id-tags", { method: "POST", body: { idTag: "LATE-TAG", localList: true } });
      assertEquals(tag.status, 201, JSON.stringify(tag.body));
      const held = new HeldAnswers();
      station = await lateStation(b.wsUrl, ID, held);
      const listRecord = async () =>
        (await api("/local-list")).body.stations.find((s: Json) => s.chargePointId === ID) ?? null;
      await eventually(async () => (await listRecord())?.status === "synced", 15_000, "node B's sync");
      const profileIds = async () =>
        ((await api(`/charge-points/${ID}/charging-profiles`)).body.items as Json[]).map((p) =>
          p.chargingProfileId
        );

      // Timely, through node A: stored by node B before A's operator hears the answer.
      held.answerAtOnce("Accepted");
      const timely = await eventually(
        async () => {
          const res = await api(`/charge-points/${ID}/SetChargingProfile`, {
            method: "POST",
            body: profile(3),
          });
          return res.status === 200 ? res : null;
        },
        10_000,
        "node A reaching the station on node B",
      );
      assertEquals(timely!.body, { status: "Accepted" });
      assertEquals(await profileIds(), [3]);

      // Late: A's operator hears 504; node B, where the answer comes, records it.
      held.answerAtOnce(null);
      await answeredLate(api, held, ID, "SetChargingProfile", profile(4), "Accepted");
      await eventually(async () => (await profileIds()).includes(4), 10_000, "the late profile stored");
      assertEquals(await profileIds(), [3, 4]);
      const foreign = { listVersion: FOREIGN_LIST, updateType: "Full", localAuthorizationList: [] };
      await answeredLate(api, held, ID, "SendLocalList", foreign, "Accepted");
      const replaced = await eventually(
        async () => {
          const record = await listRecord();
          return record?.status !== "synced" ? record : null;
        },
        10_000,
        "the managed list told of the late Accepted list",
      );
      assertEquals([replaced.status, replaced.version], ["failed", null]);
      for (const node of nodes) {
        assertEquals(
          node.logs.filter((l) => l.msg === "cannot record what a command's answer taught"),
          [],
        );
      }
    } finally {
      if (station) await closeStation(station).catch(() => {});
      for (const node of nodes) await node.kill();
      await db.drop();
    }
  },
});
