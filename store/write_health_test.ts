import { assertEquals, assertLess, assertMatch } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import { WriteHealth } from "./write_health.ts";
import { kvRefusesEveryWrite } from "./kv/unwritable.ts";
import { refusesEveryWrite } from "./postgres/sql.ts";

const FULL = new TypeError("database or disk is full");
const TOO_LARGE = new TypeError("Value too large (max 65536 bytes)");

function watched() {
  let now = Date.parse("2026-12-07T06:00:00Z");
  const logger = createMemoryLogger();
  const health = new WriteHealth(logger, {
    refusesEveryWrite: kvRefusesEveryWrite,
    now: () => now,
    recentMs: 30_000,
  });
  return { health, lines: logger.lines, tick: (ms: number) => (now += ms) };
}

Deno.test("WriteHealth logs an episode of refused writes once when it starts and once when it ends", () => {
  const { health, lines, tick } = watched();
  health.observe({ size: 4, failed: 0 });
  assertEquals(health.problem(), null);
  for (let i = 0; i < 50; i++) {
    health.observe({ size: 3, failed: 3, error: FULL });
    tick(100);
  }
  assertEquals(health.failing, true);
  assertMatch(
    health.problem()!,
    /^Store writes are failing since 2026-12-07T06:00:00.000Z \(150 refused\): database or disk is full$/,
  );
  // Stored just after a refusal (a write that fits where others do not): the episode goes on.
  health.observe({ size: 2, failed: 0 });
  assertEquals(health.failing, true);
  tick(1_000);
  health.observe({ size: 2, failed: 0 });
  assertEquals(health.failing, false);
  assertEquals(health.problem(), null);
  assertEquals(lines.map((l) => [l.level, l.msg]), [
    ["error", "store writes failing"],
    ["info", "store writes recovered"],
  ]);
  assertEquals(lines[0]!.error, "database or disk is full");
  assertEquals([lines[1]!.refusedWrites, lines[1]!.seconds], [150, 6]);
});

Deno.test("WriteHealth: a commit that stored some writes and refused others for the store's reason starts an episode", () => {
  const { health, lines } = watched();
  health.observe({ size: 3, failed: 1, error: FULL });
  assertEquals(health.failing, true);
  health.observe({ size: 3, failed: 3, error: FULL });
  health.observe({ size: 3, failed: 2, error: FULL });
  assertEquals(health.failing, true);
  assertMatch(health.problem()!, /\(6 refused\)/);
  assertEquals(lines.length, 1);
});

Deno.test("WriteHealth: readiness forgets an episode nobody has written in for a while, the log does not", () => {
  const { health, lines, tick } = watched();
  health.observe({ size: 1, failed: 1, error: FULL });
  tick(30_001);
  assertEquals(health.problem(), null);
  assertEquals(health.failing, true);
  health.observe({ size: 1, failed: 1, error: FULL });
  assertMatch(health.problem()!, /\(2 refused\)/);
  tick(1_000);
  health.observe({ size: 1, failed: 0 });
  assertEquals(lines.map((l) => l.msg), ["store writes failing", "store writes recovered"]);
});

Deno.test("WriteHealth: a write refused for its data (one station's value) neither starts nor extends an episode", () => {
  const { health, lines, tick } = watched();
  for (let i = 0; i < 5; i++) health.observe({ size: 1, failed: 1, error: TOO_LARGE });
  assertEquals([health.failing, health.problem(), lines.length], [false, null, 0]);
  health.observe({ size: 2, failed: 2, error: FULL });
  tick(30_001);
  health.observe({ size: 1, failed: 1, error: TOO_LARGE });
  assertEquals(health.problem(), null);
  assertEquals(lines[0]!.msg, "store writes failing");
  assertEquals(lines.length, 1);
});

Deno.test("WriteHealth: writes stored between refused ones (a full PostgreSQL data disk) end no episode", () => {
  const { health, lines, tick } = watched();
  const full = Object.assign(new Error('could not extend file "base/1/2": No space left on device'), {
    code: "53100",
  });
  const pg = new WriteHealth(createMemoryLogger(), { refusesEveryWrite, now: () => 0 });
  pg.observe({ size: 1, failed: 1, error: full });
  assertEquals(pg.failing, true);
  for (let i = 0; i < 20; i++) {
    health.observe({ size: 2, failed: 2, error: FULL });
    tick(100);
    health.observe({ size: 1, failed: 0 });
    tick(100);
  }
  assertEquals(health.failing, true);
  assertMatch(health.problem()!, /\(40 refused\)/);
  assertEquals(lines.map((l) => l.msg), ["store writes failing"]);
  tick(1_000);
  health.observe({ size: 1, failed: 0 });
  assertEquals(lines.map((l) => l.msg), ["store writes failing", "store writes recovered"]);
});

Deno.test("PostgreSQL: a full disk, an I/O error, a standby and a lost connection refuse every write; a bad row does not", () => {
  const coded = (code: string) => Object.assign(new Error(code), { code });
  for (const code of ["53100", "58030", "25006", "57P01", "08006", "CONNECTION_CLOSED"]) {
    assertEquals(refusesEveryWrite(coded(code)), true, code);
  }
  for (const code of ["22021", "22P05", "23505", "54000", "42P01"]) {
    assertEquals(refusesEveryWrite(coded(code)), false, code);
  }
  assertEquals(refusesEveryWrite(FULL), false);
  assertEquals([kvRefusesEveryWrite(FULL), kvRefusesEveryWrite(TOO_LARGE)], [true, false]);
});

Deno.test("WriteHealth: an episode ends with a commit that stored writes and refused others only for their data", () => {
  // A full disk freed; one station keeps sending a value the store refuses, in every commit from then on.
  const { health, lines, tick } = watched();
  health.observe({ size: 3, failed: 3, error: FULL, errors: [FULL, FULL, FULL] });
  assertEquals(health.failing, true);
  tick(1_000);
  health.observe({ size: 5, failed: 1, error: TOO_LARGE, errors: [TOO_LARGE] });
  assertEquals([health.failing, health.problem()], [false, null]);
  assertEquals(lines.map((l) => l.msg), ["store writes failing", "store writes recovered"]);
  // A refusal of every write among the data's (the disk nearly full: small writes fit) ends none.
  health.observe({ size: 3, failed: 3, error: FULL, errors: [FULL, FULL, FULL] });
  health.observe({ size: 4, failed: 2, error: TOO_LARGE, errors: [TOO_LARGE, FULL] });
  assertEquals(health.failing, true);
  assertEquals(lines.length, 3);
});

Deno.test("WriteHealth: a write refused every 5 s among stored ones (a quiet site on a full PostgreSQL disk) stays one episode once its gap is learnt", () => {
  // One station's meter values need new pages and are refused; every station's Heartbeat updates in place.
  const { health, lines, tick } = watched();
  let ready = 0;
  for (let s = 0; s < 120; s++) {
    health.observe(s % 5 === 0 ? { size: 2, failed: 1, error: FULL } : { size: 1, failed: 0 });
    if (health.problem() === null) ready++;
    tick(1_000);
  }
  // Between the first two refusals (its gap not known yet) at most; then never ready.
  assertLess(ready, 5);
  assertEquals(health.failing, true);
  assertEquals(lines.map((l) => l.msg), [
    "store writes failing",
    "store writes recovered",
    "store writes failing again",
  ]);
  assertMatch(health.problem()!, /\(24 refused\)/);
  // The disk freed after the last refusal (5 s ago): twice the gap (10 s) without one, then a stored write ends it.
  tick(4_000);
  health.observe({ size: 1, failed: 0 });
  assertEquals(health.failing, true);
  tick(1_000);
  health.observe({ size: 1, failed: 0 });
  assertEquals([health.failing, health.problem()], [false, null]);
});

Deno.test("WriteHealth: after an outage that refused every write, however far apart, a stored write ends it a second later", () => {
  // A few stations retrying every 10 s while PostgreSQL is down: nothing stored between the refusals.
  const { health, lines, tick } = watched();
  const lost = new TypeError("database or disk is full");
  for (let i = 0; i < 6; i++) {
    health.observe({ size: 1, failed: 1, error: lost });
    tick(10_000);
  }
  health.observe({ size: 1, failed: 1, error: lost });
  tick(1_000);
  health.observe({ size: 3, failed: 0 });
  assertEquals([health.failing, health.problem()], [false, null]);
  assertEquals(lines.map((l) => l.msg), ["store writes failing", "store writes recovered"]);
});
