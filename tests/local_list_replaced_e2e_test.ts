/**
 * The managed local list and an operator's own SendLocalList (the raw command, or a job of it): once the station
 * accepted another list, the list page must not say it holds the managed one, and the periodic catch-up gives it
 * the managed list again. Driven as an operator and a station would: HTTP, and a strict ocpp-rpc station that
 * keeps the list it is sent.
 */
import { assertEquals, assertNotEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** A station that holds what SendLocalList gives it (OCPP 1.6 §5.15: Full replaces, Differential updates). */
async function listKeepingStation(wsUrl: string, id: string) {
  const station = await connectStation(wsUrl, id);
  const held = { version: 0, tags: new Map<string, string>() };
  station.handle("GetLocalListVersion", () => ({ listVersion: held.version }));
  station.handle("GetConfiguration", () => ({ configurationKey: [], unknownKey: [] }));
  station.handle("SendLocalList", ({ params }) => {
    if (params.updateType === "Full") held.tags.clear();
    for (const e of params.localAuthorizationList ?? []) {
      if (e.idTagInfo) held.tags.set(e.idTag, e.idTagInfo.status);
      else held.tags.delete(e.idTag);
    }
    held.version = params.listVersion;
    return { status: "Accepted" };
  });
  return { station, held };
}

async function stationRecord(server: Awaited<ReturnType<typeof startApiServer>>, id: string): Promise<Json> {
  const res = await server.json("/api/v1/local-list", { as: "viewer" });
  assertEquals(res.status, 200);
  return res.body.stations.find((s: Json) => s.chargePointId === id) ?? null;
}

Deno.test("a SendLocalList of an operator's own is not shown as the managed list, and the managed list is sent again", async () => {
  const server = await startApiServer({ LOCAL_LIST_SYNC_S: "1" });
  const { station, held } = await listKeepingStation(server.wsUrl, "LLR-1");
  try {
    const tag = await server.json("/api/v1/id-tags", {
      method: "POST",
      body: { idTag: "A-TAG", localList: true },
    });
    assertEquals(tag.status, 201);
    await eventually(
      async () => (await stationRecord(server, "LLR-1"))?.status === "synced",
      15_000,
      "a sync",
    );
    assertEquals([held.version, [...held.tags.keys()]], [1, ["A-TAG"]]);

    // The raw command: accepted by the station, which now holds another list.
    const foreign = await server.json("/api/v1/charge-points/LLR-1/SendLocalList", {
      method: "POST",
      body: {
        listVersion: 50,
        updateType: "Full",
        localAuthorizationList: [{ idTag: "STRANGER", idTagInfo: { status: "Accepted" } }],
      },
      as: "operator",
    });
    assertEquals(foreign.body, { status: "Accepted" });
    const record = await stationRecord(server, "LLR-1");
    assertNotEquals(record.status, "synced", "the list page says the station holds the managed list");
    assertEquals(record.version, null);
    // The catch-up gives the station the managed list again (a Full list: its version is not ours).
    await eventually(
      async () => (await stationRecord(server, "LLR-1"))?.status === "synced" && held.tags.has("A-TAG"),
      15_000,
      "the managed list sent again",
    );
    assertEquals([...held.tags.keys()], ["A-TAG"]);

    // A job of SendLocalList is the same.
    const job = await server.json("/api/v1/jobs", {
      method: "POST",
      body: {
        action: "SendLocalList",
        payload: { listVersion: 60, updateType: "Full", localAuthorizationList: [] },
        chargePointIds: ["LLR-1"],
      },
      as: "operator",
    });
    assertEquals(job.status, 201, JSON.stringify(job.body));
    await eventually(() => held.version === 60 || held.tags.size === 0, 15_000, "the job's list");
    await eventually(
      async () => (await stationRecord(server, "LLR-1"))?.status === "synced" && held.tags.has("A-TAG"),
      15_000,
      "the managed list sent again after the job",
    );
  } finally {
    await closeStation(station);
    await server.close();
  }
});
