import { assertEquals } from "@std/assert";
import type { ChargePointRecord } from "../model/charge_point.ts";
import { ShutOut } from "./shut_out.ts";

const record = (decommissionedAt: string | null) => ({ id: "CP-1", decommissionedAt }) as ChargePointRecord;

Deno.test("ShutOut reads only ids it knows, and trusts the store over what it knows", async () => {
  const shutOut = new ShutOut(60_000);
  let reads = 0;
  const stored = (decommissionedAt: string | null) =>
  (
    _id: string,
  ) => (reads++, Promise.resolve(record(decommissionedAt)));
  assertEquals(await shutOut.since("CP-1", stored("2026-12-01T00:00:00.000Z")), null, "not known: not read");
  assertEquals(reads, 0);
  shutOut.serviceChanged("CP-1", false);
  assertEquals(await shutOut.since("CP-1", stored("2026-12-01T00:00:00.000Z")), "2026-12-01T00:00:00.000Z");
  // Put back in service elsewhere (its event missed): the store says so, and the id is forgotten.
  assertEquals(await shutOut.since("CP-1", stored(null)), null);
  assertEquals(shutOut.knows("CP-1"), false);
  // A store that cannot be read refuses nothing here (the actor's load decides), and forgets nothing.
  shutOut.learn("CP-1");
  assertEquals(await shutOut.since("CP-1", () => Promise.reject(new Error("down"))), null);
  assertEquals(shutOut.knows("CP-1"), true);
  shutOut.serviceChanged("CP-1", true);
  assertEquals(shutOut.knows("CP-1"), false);
});

Deno.test("ShutOut reports a station's refusals once per window", () => {
  const shutOut = new ShutOut(10_000);
  assertEquals([shutOut.due("CP-1", 0), shutOut.due("CP-1", 5_000), shutOut.due("CP-2", 5_000)], [
    true,
    false,
    true,
  ]);
  assertEquals(shutOut.due("CP-1", 10_000), true);
});
