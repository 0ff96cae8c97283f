/**
 * The managed local list end to end with virtual stations (simulator/, strict frames, a real local list that
 * answers VersionMismatch and refuses what is too long): tags marked `localList` reach every connected
 * station as a Full list split by SendLocalListMaxLength, then each tag change as a Differential of that tag
 * only; a station whose version no longer matches (someone else sent it a list) gets the Full list again when
 * it boots; a station with the list switched off is marked not_supported and left alone.
 */
import { assert, assertEquals } from "@std/assert";
import type { ApiTestServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { command, withFleet } from "./helpers/simulation.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** The SendLocalList payloads a station got, oldest first (from its command log). */
async function sentLists(server: ApiTestServer, id: string): Promise<Json[]> {
  const { body } = await server.json(`/api/v1/charge-points/${id}/commands?limit=200`, { as: "viewer" });
  return body.items.filter((e: Json) => e.action === "SendLocalList").reverse();
}

async function stationList(
  server: ApiTestServer,
  id: string,
  status: string,
  version?: number,
): Promise<Json> {
  return await eventually(
    async () => {
      const { body } = await server.json("/api/v1/local-list", { as: "viewer" });
      const record = body.stations.find((s: Json) => s.chargePointId === id);
      return record?.status === status && (version === undefined || record.version === version)
        ? record
        : null;
    },
    8000,
    `${id}'s list ${status}${version !== undefined ? ` at ${version}` : ""}`,
  );
}

const entries = (payload: Json) =>
  payload.localAuthorizationList.map((
    e: Json,
  ) => (e.idTagInfo ? `${e.idTag}:${e.idTagInfo.status}` : `-${e.idTag}`));

Deno.test("local list: Full (split by SendLocalListMaxLength), Differential per tag change, Full after a version mismatch", async () => {
  await withFleet({ FLEET_POLL_MS: "50" }, {
    stations: 3,
    prefix: "LL-",
    fixedConfiguration: { SendLocalListMaxLength: "2" },
  }, async (server, fleet) => {
    // LL-3 has its list switched off.
    const off = await command(server, "LL-3", "ChangeConfiguration", {
      key: "LocalAuthListEnabled",
      value: "false",
    });
    assertEquals(off.body.status, "Accepted");
    // Nothing is managed yet: stations' own lists are left alone.
    assertEquals(await sentLists(server, "LL-1"), []);

    for (const idTag of ["A-TAG", "B-TAG", "C-TAG"]) {
      const res = await server.json("/api/v1/id-tags", { method: "POST", body: { idTag, localList: true } });
      assertEquals([res.status, res.body.localList], [201, true]);
    }
    await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "NOT-LISTED" } });
    // Every change syncs; the last version is 3 (three additions), and LL-1 and LL-2 end up holding it.
    await stationList(server, "LL-1", "synced", 3);
    await stationList(server, "LL-2", "synced", 3);
    const ll3 = await stationList(server, "LL-3", "not_supported");
    assertEquals(ll3.detail, "GetLocalListVersion answered -1");
    assertEquals(await sentLists(server, "LL-3"), [], "a station without a list got one");
    assertEquals(fleet.station("LL-1").snapshot().localListVersion, 3);

    // Bring LL-1 back to a known start: whatever it holds now, a reboot with a foreign list gives it Full.
    const foreign = await command(server, "LL-1", "SendLocalList", {
      listVersion: 50,
      updateType: "Full",
      localAuthorizationList: [{ idTag: "STRANGER", idTagInfo: { status: "Accepted" } }],
    });
    assertEquals(foreign.body.status, "Accepted");
    const before = (await sentLists(server, "LL-1")).length;
    await fleet.station("LL-1").reboot("Soft");
    const afterBoot = await eventually(
      async () => {
        const sent = (await sentLists(server, "LL-1")).slice(before);
        const ours = sent.filter((e: Json) => e.requestedBy === "system:local-list");
        // Both answered: the second's row is read while it is still `sending` otherwise (seen in CI).
        return ours.length >= 2 && ours.every((e: Json) => e.outcome !== "sending") ? sent : null;
      },
      8000,
      "the list sent again after the boot",
    );
    await stationList(server, "LL-1", "synced", 3);
    // The foreign list (50) did not match what we gave it (3): the whole list again, in chunks of two, with
    // increasing versions ending at 3.
    const fulls = afterBoot!.filter((e: Json) => e.requestedBy === "system:local-list");
    assertEquals(fulls.map((e: Json) => [e.payload.updateType, e.payload.listVersion]), [["Full", 2], [
      "Differential",
      3,
    ]]);
    assertEquals(fulls.flatMap((e: Json) => entries(e.payload)), [
      "A-TAG:Accepted",
      "B-TAG:Accepted",
      "C-TAG:Accepted",
    ]);
    assert(fulls.every((e: Json) => e.outcome === "accepted" && e.response.status === "Accepted"));
    assertEquals(fleet.station("LL-1").snapshot().localListVersion, 3);

    // A tag blocked: a Differential with that tag only, on every station holding the list.
    const seen = (await sentLists(server, "LL-2")).length;
    const blocked = await server.json("/api/v1/id-tags/B-TAG", {
      method: "PATCH",
      body: { status: "Blocked" },
    });
    assertEquals([blocked.status, blocked.body.localList], [200, true]);
    await stationList(server, "LL-2", "synced", 4);
    await stationList(server, "LL-1", "synced", 4);
    let news = (await sentLists(server, "LL-2")).slice(seen);
    assertEquals(news.map((e: Json) => [e.payload.updateType, e.payload.listVersion, entries(e.payload)]), [
      ["Differential", 4, ["B-TAG:Blocked"]],
    ]);

    // A tag taken off the list, and one deleted: Differentials removing them.
    const off2 = await server.json("/api/v1/id-tags/A-TAG", { method: "PATCH", body: { localList: false } });
    assertEquals(off2.body.localList, false);
    await stationList(server, "LL-2", "synced", 5);
    assertEquals((await server.json("/api/v1/id-tags/C-TAG", { method: "DELETE" })).status, 204);
    await stationList(server, "LL-2", "synced", 6);
    news = (await sentLists(server, "LL-2")).slice(seen + 1);
    assertEquals(news.map((e: Json) => [e.payload.listVersion, entries(e.payload)]), [[5, ["-A-TAG"]], [6, [
      "-C-TAG",
    ]]]);
    const list = await server.json("/api/v1/local-list", { as: "viewer" });
    assertEquals([list.body.version, list.body.members], [6, ["B-TAG"]]);
    const tags = await server.json("/api/v1/id-tags", { as: "viewer" });
    assertEquals(tags.body.items.map((t: Json) => [t.idTag, t.localList]), [
      ["A-TAG", false],
      ["B-TAG", true],
      ["NOT-LISTED", false],
    ]);

    // An operator may sync a station now; an up-to-date one gets nothing but the version question.
    const count = (await sentLists(server, "LL-2")).length;
    const sync = await server.json("/api/v1/charge-points/LL-2/local-list/sync", {
      method: "POST",
      as: "operator",
    });
    assertEquals([sync.status, sync.body.status, sync.body.version], [200, "synced", 6]);
    assertEquals((await sentLists(server, "LL-2")).length, count);
    const offline = await server.json("/api/v1/charge-points/LL-NONE/local-list/sync", {
      method: "POST",
      as: "operator",
    });
    assertEquals(offline.status, 409);
  });
});
