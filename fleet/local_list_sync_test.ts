import { assertEquals } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import { kvFleetStore } from "../store/kv/fleet.ts";
import type { IdTagRecord } from "../model/id_tag.ts";
import type { CommandRequest, CommandResult } from "./command_sender.ts";
import { LocalListSync } from "./local_list_sync.ts";

const NOW = new Date("2026-01-01T00:00:00.000Z");

/** A station as the sync sees it: answers by action, and what it was sent. */
function fakeStation(answers: Record<string, (payload: unknown) => CommandResult>) {
  const sent: CommandRequest[] = [];
  return {
    sent,
    send: (request: CommandRequest) => {
      sent.push(request);
      const answer = answers[request.action];
      return Promise.resolve(
        answer ? answer(request.payload) : { outcome: "callerror" as const, response: null },
      );
    },
  };
}

const accepted = (response: unknown): CommandResult => ({ outcome: "accepted", response });

const tag = (idTag: string): IdTagRecord => ({
  idTag,
  status: "Accepted",
  expiryDate: null,
  parentIdTag: null,
});

/** The sync for station CP-1, over id tags `tags` (paged and matched in any case, as the stores do). */
async function setup(
  answers: Record<string, (payload: unknown) => CommandResult>,
  tags: IdTagRecord[] = ["A", "B", "C"].map(tag),
  members = ["A", "B"],
) {
  const kv = await Deno.openKv(":memory:");
  const fleet = kvFleetStore(kv, () => kv.close());
  const station = fakeStation(answers);
  /** The id tag reads the sync made. */
  const reads = { getIdTag: 0, listIdTags: 0 };
  const sync = new LocalListSync({
    localLists: fleet.localLists,
    idTags: {
      getIdTag: (t) => {
        reads.getIdTag++;
        return Promise.resolve(tags.find((r) => r.idTag.toLowerCase() === t.toLowerCase()) ?? null);
      },
      listIdTags: ({ after, limit }) => {
        reads.listIdTags++;
        return Promise.resolve(tags.filter((r) => after === undefined || r.idTag > after).slice(0, limit));
      },
    },
    send: station.send,
    registry: {
      list: () => [{ id: "CP-1", remoteAddress: "127.0.0.1", connectedAt: NOW.toISOString() }],
      get: () => undefined,
      isConnected: () => true,
    },
    now: () => NOW,
    logger: createMemoryLogger(),
  });
  for (const t of members) await fleet.localLists.setMember(t, true, NOW.toISOString());
  return { fleet, station, sync, reads, close: () => fleet.close() };
}

const config = (max: string, send: string) => () =>
  accepted({
    configurationKey: [
      { key: "LocalAuthListMaxLength", readonly: true, value: max },
      { key: "SendLocalListMaxLength", readonly: true, value: send },
    ],
  });

Deno.test("LocalListSync: a Differential answered VersionMismatch is sent again as a Full list", async () => {
  let version = 2;
  const { fleet, station, sync, close } = await setup({
    GetConfiguration: config("100", "100"),
    GetLocalListVersion: () => accepted({ listVersion: version }),
    SendLocalList: (p) => {
      const { updateType } = p as { updateType: string };
      // A station that lost count: it refuses Differentials, takes a Full list.
      if (updateType === "Differential") return accepted({ status: "VersionMismatch" });
      version = (p as { listVersion: number }).listVersion;
      return accepted({ status: "Accepted" });
    },
  });
  try {
    await fleet.localLists.putStationList({
      chargePointId: "CP-1",
      version: 2,
      status: "synced",
      detail: null,
      lastSyncAt: null,
      updatedAt: NOW.toISOString(),
    });
    await fleet.localLists.setMember("C", true, NOW.toISOString());
    const record = await sync.sync("CP-1");
    assertEquals([record?.status, record?.version], ["synced", 3]);
    const lists = station.sent.filter((r) => r.action === "SendLocalList").map((r) =>
      r.payload as {
        updateType: string;
        localAuthorizationList: { idTag: string }[];
      }
    );
    assertEquals(lists.map((l) => [l.updateType, l.localAuthorizationList.map((e) => e.idTag)]), [
      ["Differential", ["C"]],
      ["Full", ["A", "B", "C"]],
    ]);
    assertEquals(station.sent.every((r) => r.requestedBy === "system:local-list"), true);
  } finally {
    await close();
  }
});

Deno.test("LocalListSync: NotSupported, Failed and a list too long are recorded, and NotSupported is left alone", async () => {
  let answer = "NotSupported";
  const { fleet, station, sync, close } = await setup({
    GetConfiguration: config("100", "100"),
    GetLocalListVersion: () => accepted({ listVersion: 0 }),
    SendLocalList: () => accepted({ status: answer }),
  });
  try {
    assertEquals((await sync.sync("CP-1"))?.status, "not_supported");
    const sentBefore = station.sent.length;
    assertEquals((await sync.sync("CP-1"))?.status, "not_supported");
    assertEquals(station.sent.length, sentBefore, "asked a NotSupported station again");
    // After a boot it is asked again.
    answer = "Failed";
    const failed = await sync.sync("CP-1", { afterBoot: true });
    assertEquals([failed?.status, failed?.detail, failed?.version], [
      "failed",
      "SendLocalList: Failed",
      null,
    ]);
    await fleet.localLists.putStationList({ ...failed!, status: "pending" });
  } finally {
    await close();
  }
  const small = await setup({
    GetConfiguration: config("1", "100"),
    GetLocalListVersion: () => accepted({ listVersion: 0 }),
    SendLocalList: () => accepted({ status: "Accepted" }),
  });
  try {
    const record = await small.sync.sync("CP-1");
    assertEquals([record?.status, record?.detail], [
      "too_large",
      "the list has 2 tags, the station takes 1 (LocalAuthListMaxLength)",
    ]);
    assertEquals(small.station.sent.filter((r) => r.action === "SendLocalList"), []);
  } finally {
    await small.close();
  }
});

Deno.test("LocalListSync: syncs of one station run one at a time, and requests meanwhile join one queued run", async () => {
  let inFlight = 0;
  let most = 0;
  const { station, sync, close } = await setup({
    GetConfiguration: config("100", "100"),
    GetLocalListVersion: () => {
      inFlight++;
      most = Math.max(most, inFlight);
      return { outcome: "accepted", response: { listVersion: 0 } };
    },
    SendLocalList: () => {
      inFlight--;
      return accepted({ status: "Accepted" });
    },
  });
  try {
    const first = sync.sync("CP-1");
    await new Promise((r) => setTimeout(r, 5));
    const runs = await Promise.all([first, sync.sync("CP-1"), sync.sync("CP-1")]);
    assertEquals(runs.map((r) => r?.status), ["synced", "synced", "synced"]);
    assertEquals(most, 1);
    // The first ran; the two asked while it ran joined one more.
    assertEquals(station.sent.filter((r) => r.action === "GetLocalListVersion").length, 2);
  } finally {
    await close();
  }
});

Deno.test("LocalListSync: with many members, a member spelled in another case than its tag is sent, not dropped", async () => {
  const sentLists: { idTag: string; idTagInfo?: unknown }[][] = [];
  // 250 tags (past the members read one by one); one member was put on the list under another spelling.
  const tags = Array.from({ length: 250 }, (_, i) => tag(`T${String(i).padStart(3, "0")}`));
  const members = tags.map((t) => t.idTag === "T007" ? "t007" : t.idTag);
  const { sync, close } = await setup(
    {
      GetConfiguration: config("1000", "1000"),
      GetLocalListVersion: () => accepted({ listVersion: 0 }),
      SendLocalList: (p) => {
        sentLists.push((p as { localAuthorizationList: { idTag: string }[] }).localAuthorizationList);
        return accepted({ status: "Accepted" });
      },
    },
    tags,
    members,
  );
  try {
    const record = await sync.sync("CP-1");
    assertEquals(record?.status, "synced");
    const sent = sentLists.flat();
    assertEquals(sent.length, 250);
    assertEquals(sent.filter((e) => e.idTag.toLowerCase() === "t007").map((e) => e.idTagInfo !== undefined), [
      true,
    ]);
  } finally {
    await close();
  }
});

Deno.test("LocalListSync: a station holding the current list is checked without reading the members", async () => {
  const tags = Array.from({ length: 250 }, (_, i) => tag(`T${String(i).padStart(3, "0")}`));
  const { fleet, station, sync, reads, close } = await setup(
    {
      GetConfiguration: config("1000", "1000"),
      GetLocalListVersion: () => accepted({ listVersion: 250 }),
    },
    tags,
    tags.map((t) => t.idTag),
  );
  try {
    assertEquals(await fleet.localLists.currentVersion(), 250);
    await fleet.localLists.putStationList({
      chargePointId: "CP-1",
      version: 250,
      status: "synced",
      detail: null,
      lastSyncAt: null,
      updatedAt: NOW.toISOString(),
    });
    const record = await sync.sync("CP-1");
    assertEquals([record?.status, record?.version], ["synced", 250]);
    // Nor are its limits asked for: only the version.
    assertEquals(station.sent.map((r) => r.action), ["GetLocalListVersion"]);
    assertEquals(reads, { getIdTag: 0, listIdTags: 0 });
  } finally {
    await close();
  }
});

Deno.test("LocalListSync: stations syncing to the same list version share one read of the members", async () => {
  const tags = Array.from({ length: 250 }, (_, i) => tag(`T${String(i).padStart(3, "0")}`));
  const { station, sync, reads, close } = await setup(
    {
      GetConfiguration: config("1000", "1000"),
      GetLocalListVersion: () => accepted({ listVersion: 0 }),
      SendLocalList: () => accepted({ status: "Accepted" }),
    },
    tags,
    tags.map((t) => t.idTag),
  );
  try {
    const records = await Promise.all(["CP-1", "CP-2", "CP-3"].map((id) => sync.sync(id)));
    assertEquals(records.map((r) => [r?.status, r?.version]), [
      ["synced", 250],
      ["synced", 250],
      ["synced", 250],
    ]);
    assertEquals(station.sent.filter((r) => r.action === "SendLocalList").length, 3);
    // 250 tags: one page of the id tags, for all three.
    assertEquals(reads, { getIdTag: 0, listIdTags: 1 });
  } finally {
    await close();
  }
});
