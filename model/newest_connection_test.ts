import { assertEquals } from "@std/assert";
import { replaces, startAfter, storedWriterOf, withStoredWriter, writerAfter } from "./newest_connection.ts";

const at = (s: string) => `2026-12-06T10:${s}.000Z`;

Deno.test("replaces() orders by start, a tie to the greater node id", () => {
  assertEquals(
    replaces({ connectedAt: at("01:00"), nodeId: "a" }, { connectedAt: at("00:00"), nodeId: "b" }),
    true,
  );
  assertEquals(
    replaces({ connectedAt: at("00:00"), nodeId: "b" }, { connectedAt: at("00:00"), nodeId: "a" }),
    true,
  );
  assertEquals(
    replaces({ connectedAt: at("00:00"), nodeId: "a" }, { connectedAt: at("00:00"), nodeId: "b" }),
    false,
  );
});

Deno.test("writerAfter() keeps a connection's own start unless the stored writer's does not order before it", () => {
  const own = { connectedAt: at("00:00"), nodeId: "a" };
  assertEquals(writerAfter(own, null), own);
  assertEquals(writerAfter(own, { connectedAt: at("00:00"), nodeId: "0" }), own);
  // A clock ahead (or this one's before it was stepped back): just after it.
  assertEquals(writerAfter(own, { connectedAt: at("10:00"), nodeId: "b" }), {
    connectedAt: "2026-12-06T10:10:00.001Z",
    nodeId: "a",
  });
  assertEquals(
    writerAfter(own, { connectedAt: at("00:00"), nodeId: "b" }).connectedAt,
    "2026-12-06T10:00:00.001Z",
  );
});

Deno.test("withStoredWriter() is seen by storedWriterOf() only: not spread, listed nor compared", () => {
  const writer = { connectedAt: at("00:00"), nodeId: "a" };
  const record = withStoredWriter({ id: "CP-1" }, writer);
  assertEquals(storedWriterOf(record), writer);
  assertEquals(record, { id: "CP-1" });
  assertEquals(JSON.stringify(record), '{"id":"CP-1"}');
  assertEquals(storedWriterOf({ ...record }), null);
  assertEquals(storedWriterOf(null), null);
});

Deno.test("startAfter() starts a new connection after those known of the station, whatever the clocks say", () => {
  const now = new Date(at("02:00"));
  // The old connection's node has its clock ahead: its start is later than this node's now.
  const ahead = { connectedAt: at("05:00"), nodeId: "a" };
  const started = startAfter(now, [ahead, null, undefined]);
  assertEquals(started.toISOString(), "2026-12-06T10:05:00.001Z");
  assertEquals(replaces({ connectedAt: started.toISOString(), nodeId: "b" }, ahead), true);
  // Known connections before now (the usual case) leave the clock's time as it is.
  assertEquals(startAfter(now, [{ connectedAt: at("01:00"), nodeId: "a" }]), now);
  assertEquals(startAfter(now, []), now);
  // The same millisecond: after it, not a tie the node ids would decide.
  assertEquals(
    startAfter(now, [{ connectedAt: at("02:00"), nodeId: "z" }]).toISOString(),
    "2026-12-06T10:02:00.001Z",
  );
});
