import { assertEquals } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import type { UnknownIdTag } from "../model/unknown_id_tag.ts";
import type { UnknownIdTagStore } from "../store/fleet.ts";
import { UnknownIdTagRecorder } from "./unknown_id_tags.ts";

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
    forgetUnknownIdTag: () => Promise.resolve(false),
  };
  return { store, written, state };
}

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
  const recorder = new UnknownIdTagRecorder({ store, logger, keep: 100, maxPending: 3 });
  for (let i = 0; i < 10; i++) recorder.saw(seen(`T${i}`, "2026-12-06T00:00:01.000Z"));
  // A tag already held is still counted.
  recorder.saw(seen("T0", "2026-12-06T00:00:02.000Z"));
  await recorder.flush();
  assertEquals(written[0]!.tags.map((t) => [t.idTag, t.count]), [["T0", 2], ["T1", 1], ["T2", 1]]);
  assertEquals(lines.filter((l) => String(l.msg).includes("too many distinct tags")).map((l) => l.dropped), [
    7,
  ]);
});

Deno.test("UnknownIdTagRecorder drops a batch the store refuses (logged) and goes on", async () => {
  const { store, written, state } = batches();
  const logger = createMemoryLogger();
  const lines = logger.lines;
  const recorder = new UnknownIdTagRecorder({ store, logger, keep: 100, maxPending: 10 });
  state.failing = true;
  recorder.saw(seen("LOST", "2026-12-06T00:00:01.000Z"));
  await recorder.flush();
  assertEquals(lines.filter((l) => l.msg === "unknown id tags not recorded").length, 1);
  state.failing = false;
  recorder.saw(seen("NEXT", "2026-12-06T00:00:02.000Z"));
  await recorder.flush();
  assertEquals(written.map((w) => w.tags.map((t) => t.idTag)), [["NEXT"]]);
});

Deno.test("UnknownIdTagRecorder lists a station's new tags within its budget and only tags an operator can add", async () => {
  const { store, written } = batches();
  const logger = createMemoryLogger();
  const recorder = new UnknownIdTagRecorder({
    store,
    logger,
    keep: 100,
    maxPending: 100,
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
