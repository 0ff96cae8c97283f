import { assert, assertEquals } from "@std/assert";
import { openKvFleetStore } from "../store/kv/fleet.ts";
import type { Scheduler } from "./load_manager.ts";
import { leasedSiteLocks } from "./site_locks.ts";

const now = () => new Date();
const timers: Scheduler = {
  after: (ms, fn) => setTimeout(fn, ms) as unknown as number,
  cancel: (handle) => clearTimeout(handle),
};

Deno.test("leasedSiteLocks: one process divides a site at a time; a division renews its lock while it runs", async () => {
  const fleet = await openKvFleetStore(":memory:");
  const a = leasedSiteLocks(fleet.leases, "node-a", now, timers, 60_000, 90);
  const b = leasedSiteLocks(fleet.leases, "node-b", now, timers, 60_000, 90);
  try {
    assert(await a.acquire("depot"));
    assertEquals(await b.acquire("depot"), false);
    assert(await b.acquire("yard"), "another site is free");
    // Three times the lock's life: renewed by the division still running, so still a's.
    await new Promise((r) => setTimeout(r, 270));
    assertEquals(await b.acquire("depot"), false);
    await a.release("depot");
    assert(await b.acquire("depot"), "free once released");
  } finally {
    await a.release("depot");
    await b.release("depot");
    await b.release("yard");
    await fleet.close();
  }
});

Deno.test("leasedSiteLocks: a lock nobody renews runs out; one process at a time has the periodic turn", async () => {
  const fleet = await openKvFleetStore(":memory:");
  let at = Date.parse("2026-12-06T05:00:00Z");
  const clock = () => new Date(at);
  const a = leasedSiteLocks(fleet.leases, "node-a", clock, timers, 60_000);
  const b = leasedSiteLocks(fleet.leases, "node-b", clock, timers, 60_000);
  try {
    assert(await a.acquire("depot"));
    at += 31_000; // a died mid-division: its renewals (wall-clock timers) never ran before this moment
    assert(await b.acquire("depot"), "taken over once a's lock ran out");
    await a.release("depot"); // a's late release leaves b's lock alone
    at += 1000;
    assertEquals(await a.acquire("depot"), false);
    await b.release("depot");
    assert(await a.periodicTurn());
    assertEquals(await b.periodicTurn(), false);
    at += 60_000;
    assert(await a.periodicTurn(), "renewed by its holder at the next period");
    assertEquals(await b.periodicTurn(), false);
    at += 120_001;
    assert(await b.periodicTurn(), "taken over two periods after a's last turn");
  } finally {
    await a.release("depot");
    await b.release("depot");
    await fleet.close();
  }
});

Deno.test("leasedSiteLocks: a division whose lock was taken over while it stood still learns it, and its renewals take nothing back", async () => {
  const fleet = await openKvFleetStore(":memory:");
  let at = Date.parse("2026-12-06T05:00:00Z");
  const clock = () => new Date(at);
  const a = leasedSiteLocks(fleet.leases, "node-a", clock, timers, 60_000, 90);
  const b = leasedSiteLocks(fleet.leases, "node-b", clock, timers, 60_000, 90);
  const c = leasedSiteLocks(fleet.leases, "node-c", clock, timers, 60_000, 90);
  try {
    assert(await a.acquire("depot"));
    assert(await a.stillHeld("depot"), "held and renewed");
    at += 1000; // a stood still (SIGSTOP, a long pause) past its lock's life: b divided meanwhile, and is done
    assert(await b.acquire("depot"));
    await b.release("depot");
    // a's renewal timers run when it resumes: they must not take the free lock back for a division that lost it.
    await new Promise((r) => setTimeout(r, 100));
    assertEquals(await a.stillHeld("depot"), false, "taken over since: a's division must stop");
    assert(await c.acquire("depot"), "free: a's renewals took nothing back");
    assertEquals(await a.stillHeld("depot"), false);
  } finally {
    await a.release("depot");
    await c.release("depot");
    await fleet.close();
  }
});

Deno.test("leasedSiteLocks: a division that stood still past its lock's life, with no other taking it, still holds it", async () => {
  const fleet = await openKvFleetStore(":memory:");
  let at = Date.parse("2026-12-06T05:00:00Z");
  const clock = () => new Date(at);
  const a = leasedSiteLocks(fleet.leases, "node-a", clock, timers, 60_000, 90);
  const b = leasedSiteLocks(fleet.leases, "node-b", clock, timers, 60_000, 90);
  try {
    assert(await a.acquire("depot"));
    at += 1000;
    assert(await a.stillHeld("depot"), "nobody divided meanwhile");
    assertEquals(await b.acquire("depot"), false, "renewed: a's again for its life");
  } finally {
    await a.release("depot");
    await fleet.close();
  }
});

Deno.test("leasedSiteLocks: a process that closes gives up the periodic turn, so another takes it at its next period", async () => {
  const fleet = await openKvFleetStore(":memory:");
  const a = leasedSiteLocks(fleet.leases, "node-a", now, timers, 60_000);
  const b = leasedSiteLocks(fleet.leases, "node-b", now, timers, 60_000);
  try {
    assert(await a.periodicTurn());
    assertEquals(await b.periodicTurn(), false);
    await a.close();
    assert(await b.periodicTurn(), "not two periods later");
    await a.close();
    assertEquals(await a.periodicTurn(), false, "a closing process leaves another's turn alone");
    let writes = 0;
    const counted = leasedSiteLocks(
      {
        ...fleet.leases,
        acquireLease: (...args) => fleet.leases.acquireLease(...args),
        releaseLease: (...args) => (writes++, fleet.leases.releaseLease(...args)),
      },
      "node-c",
      now,
      timers,
      60_000,
    );
    assertEquals(await counted.periodicTurn(), false);
    await counted.close();
    assertEquals(writes, 0, "a process that never had the turn writes nothing as it stops");
  } finally {
    await fleet.close();
  }
});
