import { assertEquals } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import type { UnknownIdTag } from "../model/unknown_id_tag.ts";
import type { UnknownIdTagStore } from "../store/fleet.ts";
import { UnknownIdTagRecorder } from "./unknown_id_tags.ts";
import { openKvHandle } from "../store/kv/handle.ts";
import { KvUnknownIdTagStore } from "../store/kv/unknown_id_tags.ts";

/** A store that keeps each batch it is given, failing while `failing` is set. */
function batches() {
  const written: { tags: UnknownIdTag[]; keep: number }[] = [];
  const state = { failing: false };
  const store: UnknownIdTagStore = {
    recordUnknownIdTags: (seen, keep) => {
      if (state.failing) return Promise.reject(new Error("store down"));
      written.push({ tags: [...seen], keep });
      return Promise.resolve();
    },
    listUnknownIdTags: () => Promise.resolve([]),
    listUnknownIdTagsAfter: () => Promise.resolve([]),
    forgetUnknownIdTag: () => Promise.resolve(false),
  };
  return { store, written, state };
}

/** No tag is known: nothing is forgotten. */
const isKnown = () => Promise.resolve(false);

const seen = (idTag: string, at: string, chargePointId = "CP-1") => ({
  type: "unknownIdTag" as const,
  chargePointId,
  at,
  idTag,
  idTokenType: null,
});

Deno.test("UnknownIdTagRecorder writes one tally per tag per flush, and nothing when nothing was seen", async () => {
  const { store, written } = batches();
  const recorder = new UnknownIdTagRecorder({
    store,
    logger: createMemoryLogger(),
    keep: 7,
    maxPending: 10,
    isKnown,
  });
  await recorder.flush();
  assertEquals(written, []);
  recorder.saw(seen("abc", "2026-12-06T00:00:01.000Z"));
  recorder.saw(seen("ABC", "2026-12-06T00:00:03.000Z", "CP-2"));
  recorder.saw(seen("xyz", "2026-12-06T00:00:02.000Z"));
  await recorder.flush();
  assertEquals(written, [{
    keep: 7,
    tags: [
      {
        idTag: "ABC",
        idTokenType: null,
        count: 2,
        firstSeen: "2026-12-06T00:00:01.000Z",
        lastSeen: "2026-12-06T00:00:03.000Z",
        chargePointId: "CP-2",
      },
      {
        idTag: "xyz",
        idTokenType: null,
        count: 1,
        firstSeen: "2026-12-06T00:00:02.000Z",
        lastSeen: "2026-12-06T00:00:02.000Z",
        chargePointId: "CP-1",
      },
    ],
  }]);
  await recorder.flush();
  assertEquals(written.length, 1, "what was written is not written again");
});

Deno.test("UnknownIdTagRecorder holds at most maxPending distinct tags between flushes and logs what it dropped", async () => {
  const { store, written } = batches();
  const logger = createMemoryLogger();
  const lines = logger.lines;
  const recorder = new UnknownIdTagRecorder({ store, logger, keep: 100, maxPending: 3, isKnown });
  for (let i = 0; i < 10; i++) recorder.saw(seen(`T${i}`, "2026-12-06T00:00:01.000Z"));
  // A tag already held is still counted.
  recorder.saw(seen("T0", "2026-12-06T00:00:02.000Z"));
  await recorder.flush();
  assertEquals(written[0]!.tags.map((t) => [t.idTag, t.count]), [["T0", 2], ["T1", 1], ["T2", 1]]);
  assertEquals(lines.filter((l) => String(l.msg).includes("too many distinct tags")).map((l) => l.dropped), [
    7,
  ]);
});

Deno.test("UnknownIdTagRecorder holds a batch the store refuses for the next flush, within maxPending, and logs once", async () => {
  const { store, written, state } = batches();
  const logger = createMemoryLogger();
  const lines = logger.lines;
  const recorder = new UnknownIdTagRecorder({ store, logger, keep: 100, maxPending: 3, isKnown });
  state.failing = true;
  for (const tag of ["HELD", "HELD-2", "HELD-3", "HELD"]) {
    recorder.saw(seen(tag, "2026-12-06T00:00:01.000Z"));
    await recorder.flush();
  }
  assertEquals(recorder.unstored, 3);
  // Full: a new tag is counted, not held; the refused batch is not pushed out by it.
  recorder.saw(seen("OVER", "2026-12-06T00:00:02.000Z"));
  await recorder.flush();
  // A store that keeps refusing: one warning, not one per flush.
  assertEquals(lines.filter((l) => l.msg === "unknown id tags not recorded" && l.level === "warn").length, 1);
  state.failing = false;
  recorder.saw(seen("HELD-2", "2026-12-06T00:00:03.000Z"));
  await recorder.flush();
  assertEquals(written.map((w) => w.tags.map((t) => [t.idTag, t.count])), [[["HELD", 2], ["HELD-2", 2], [
    "HELD-3",
    1,
  ]]]);
  assertEquals(lines.find((l) => l.msg === "unknown id tags recorded again")?.refusedBatches, 5);
  assertEquals(lines.filter((l) => String(l.msg).includes("too many distinct tags")).map((l) => l.dropped), [
    1,
  ]);
});

Deno.test("UnknownIdTagRecorder lists a station's new tags within its budget and only tags an operator can add", async () => {
  const { store, written } = batches();
  const logger = createMemoryLogger();
  const recorder = new UnknownIdTagRecorder({
    store,
    logger,
    keep: 100,
    maxPending: 100,
    isKnown,
    stationBurst: 2,
    stationRefillMs: 60_000,
  });
  for (const idTag of ["A", "B", "C", "A"]) recorder.saw(seen(idTag, "2026-12-06T00:00:01.000Z"));
  recorder.saw(seen("OTHER", "2026-12-06T00:00:01.000Z", "CP-2"));
  // A 2.0.1 token longer than any id tag, and names no URL can address, could never be added.
  for (const idTag of ["X".repeat(21), ".", ".."]) {
    recorder.saw(seen(idTag, "2026-12-06T00:00:01.000Z", "CP-3"));
  }
  await recorder.flush();
  assertEquals(written[0]!.tags.map((t) => [t.idTag, t.count]), [["A", 2], ["B", 1], ["OTHER", 1]]);
  assertEquals(logger.lines.filter((l) => String(l.msg).includes("budget")).map((l) => l.dropped), [1]);
  // A minute later CP-1 may list one more.
  recorder.saw(seen("C", "2026-12-06T00:01:01.000Z"));
  recorder.saw(seen("D", "2026-12-06T00:01:01.000Z"));
  await recorder.flush();
  assertEquals(written[1]!.tags.map((t) => t.idTag), ["C"]);
});

Deno.test("UnknownIdTagRecorder forgets kept tags added since, one bounded page per flush, round after round", async () => {
  const kv = await openKvHandle(":memory:");
  try {
    const store = new KvUnknownIdTagStore(kv);
    const known = new Set(["b", "e"]);
    const looked: string[] = [];
    const recorder = new UnknownIdTagRecorder({
      store,
      logger: createMemoryLogger(),
      keep: 100,
      maxPending: 100,
      isKnown: (idTag) => {
        looked.push(idTag);
        return Promise.resolve(known.has(idTag.toLowerCase()));
      },
      sweepPage: 2,
    });
    for (const idTag of ["A", "B", "C", "D", "E"]) recorder.saw(seen(idTag, "2026-12-06T00:00:01.000Z"));
    await recorder.flush();
    const kept = async () => (await store.listUnknownIdTagsAfter(null, 10)).map((t) => t.idTag);
    assertEquals(await kept(), ["A", "B", "C", "D", "E"]);
    looked.length = 0;
    await recorder.flush();
    assertEquals([looked.splice(0), await kept()], [["A", "B"], ["A", "C", "D", "E"]]);
    await recorder.flush();
    assertEquals([looked.splice(0), await kept()], [["C", "D"], ["A", "C", "D", "E"]]);
    await recorder.flush();
    assertEquals([looked.splice(0), await kept()], [["E"], ["A", "C", "D"]]);
    // A new round begins at the first.
    known.add("a");
    await recorder.flush();
    assertEquals([looked.splice(0), await kept()], [["A", "C"], ["C", "D"]]);
  } finally {
    kv.close();
  }
});
