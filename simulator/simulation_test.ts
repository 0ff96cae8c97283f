import { assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import { createManualClock } from "./clock.ts";
import { startSimulation } from "./simulation.ts";

/** A fleet that never reaches a server (the clock never moves, so nobody retries): only its own state. */
async function fleetState(seed: number) {
  const sim = startSimulation({
    url: "ws://127.0.0.1:9/ocpp",
    stations: 3,
    prefix: "DET-",
    seed,
    clock: createManualClock(Date.parse("2030-01-01T00:00:00Z")),
    logger: createMemoryLogger(),
    connectRate: 1,
  });
  try {
    sim.station("DET-2").plugIn(1);
    return sim.stations.map((s) => s.snapshot().connectors.map((c) => [c.energyWh, c.socPercent]));
  } finally {
    await sim.stop();
  }
}

Deno.test("startSimulation() with the same seed builds the same meters and cars, another seed others", async () => {
  const first = await fleetState(5);
  assertEquals(await fleetState(5), first);
  assertNotEquals(await fleetState(6), first);
  // The car plugged into DET-2 has a state of charge; the others have no car.
  assertEquals(first[1]?.[1]?.[1] !== null, true);
  assertEquals(first[0]?.[1]?.[1], null);
});

Deno.test("startSimulation() names stations prefix + number and refuses unknown ones", async () => {
  const sim = startSimulation({
    url: "ws://127.0.0.1:9/ocpp",
    stations: 2,
    prefix: "X-",
    firstNumber: 41,
    clock: createManualClock(0),
    logger: createMemoryLogger(),
    connectRate: 1,
  });
  try {
    assertEquals(sim.stations.map((s) => s.id), ["X-41", "X-42"]);
    assertThrows(() => sim.station("X-1"), Error, 'No virtual station "X-1"');
    assertEquals(sim.summary().stations, 2);
  } finally {
    await sim.stop();
  }
});
