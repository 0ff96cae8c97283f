import { assertEquals } from "@std/assert";
import type { FileStatusEntry } from "../../model/file_status.ts";
import { at, type Cases } from "./harness.ts";

function entry(minutes: number, overrides: Partial<FileStatusEntry> = {}): FileStatusEntry {
  return {
    chargePointId: "CP-1",
    kind: "signedFirmware",
    status: "Downloading",
    requestId: 5,
    receivedAt: at(minutes),
    ...overrides,
  };
}

/** File transfer status history, written by `commit`. */
export function fileStatusCases({ stationTest }: Cases): void {
  stationTest("fileStatus committed is kept as history, newest first, per station", async ({ store }) => {
    const a = entry(1);
    const b = entry(2, { status: "Downloaded" });
    const c = entry(2, { kind: "log", status: "Uploaded", requestId: null });
    const other = entry(3, { chargePointId: "CP-2", kind: "diagnostics", status: "Idle", requestId: null });
    assertEquals(
      (await store().commit({ chargePointId: "CP-1", fileStatus: [a], lastSeen: at(1) })).ok,
      true,
    );
    assertEquals((await store().commit({ chargePointId: "CP-1", fileStatus: [b, c] })).ok, true);
    assertEquals((await store().commit({ chargePointId: "CP-2", fileStatus: [other] })).ok, true);
    // Same time: the later one first.
    assertEquals(await store().listFileStatus("CP-1", 10), [c, b, a]);
    assertEquals(await store().listFileStatus("CP-1", 2), [c, b]);
    assertEquals(await store().listFileStatus("CP-2", 10), [other]);
    assertEquals(await store().listFileStatus("CP-3", 10), []);
  });

  stationTest(
    "the same status reported twice is kept twice (it is history, not a snapshot)",
    async ({ store }) => {
      const a = entry(1, { kind: "firmware", status: "Installing", requestId: null });
      await store().commit({ chargePointId: "CP-1", fileStatus: [a] });
      await store().commit({ chargePointId: "CP-1", fileStatus: [{ ...a, receivedAt: at(2) }] });
      assertEquals((await store().listFileStatus("CP-1", 10)).length, 2);
    },
  );
}
