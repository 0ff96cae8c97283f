import { assert, assertEquals, assertRejects } from "@std/assert";
import { StoreUnavailableError } from "../mod.ts";
import { Deadlines } from "./deadlines.ts";
import { bounded } from "./sql.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("Deadlines: a call expires at its own deadline, in order, unless it settled; one timer per length", async () => {
  const deadlines = new Deadlines();
  const expired: string[] = [];
  const a = deadlines.add(40, () => expired.push("a"));
  await sleep(15);
  const b = deadlines.add(40, () => expired.push("b"));
  deadlines.add(40, () => expired.push("c"));
  deadlines.add(200, () => expired.push("long"));
  assertEquals(deadlines.timers, 2);
  deadlines.settle(b);
  assertEquals(deadlines.pending, 3);
  await sleep(30);
  // a's deadline (40 ms) passed, c's (55 ms) not yet.
  assertEquals(expired, ["a"]);
  await sleep(30);
  assertEquals(expired, ["a", "c"]);
  deadlines.settle(a); // settling an expired one changes nothing
  assertEquals(deadlines.pending, 1);
  await sleep(160);
  assertEquals(expired, ["a", "c", "long"]);
  assertEquals(deadlines.timers, 0);
});

Deno.test("Deadlines: once every call settled no timer is left (the process can end)", () => {
  const deadlines = new Deadlines();
  const entries = Array.from({ length: 5 }, () => deadlines.add(10_000, () => {}));
  assertEquals(deadlines.timers, 1);
  for (const e of entries.reverse()) deadlines.settle(e);
  assertEquals(deadlines.pending, 0);
  assertEquals(deadlines.timers, 0);
});

Deno.test("bounded(): the answer, the call's own error, or StoreUnavailableError at the deadline", async () => {
  assertEquals(await bounded("read", 1000, () => Promise.resolve(7)), 7);
  await assertRejects(
    () => bounded("read", 1000, () => Promise.reject(new TypeError("bad"))),
    TypeError,
    "bad",
  );
  const started = performance.now();
  const error = await assertRejects(
    () => bounded("read a row", 50, () => new Promise(() => {})),
    StoreUnavailableError,
    "Cannot read a row: no answer from PostgreSQL in 50 ms",
  );
  assert(error instanceof StoreUnavailableError);
  const took = performance.now() - started;
  assert(took >= 45 && took < 1000, `expired after ${took} ms`);
  // A connection failure is reported as the store being unavailable.
  await assertRejects(
    () =>
      bounded("read", 1000, () => Promise.reject(Object.assign(new Error("x"), { code: "ECONNREFUSED" }))),
    StoreUnavailableError,
    "Cannot read: PostgreSQL is unreachable",
  );
});
