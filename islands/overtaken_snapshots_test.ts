import { assertEquals } from "@std/assert";
import { overtakenSnapshots } from "./overtaken_snapshots.ts";

/** A fetch the test answers by hand, to put events between its request and its answer. */
function manualFetches() {
  const pending: ((snapshot: string) => void)[] = [];
  const fetchSnapshot = () => new Promise<string>((resolve) => pending.push(resolve));
  const answer = async (snapshot: string) => {
    for (let turn = 0; pending.length === 0; turn++) {
      if (turn > 100) throw new Error(`nobody asked for the snapshot "${snapshot}"`);
      await Promise.resolve();
    }
    pending.shift()!(snapshot);
  };
  return { fetchSnapshot, answer, pending };
}

Deno.test("overtaken snapshots: a snapshot fetched before an event came in is not applied, and is fetched again", async () => {
  const { fetchSnapshot, answer } = manualFetches();
  const applied: string[] = [];
  const snapshots = overtakenSnapshots(fetchSnapshot, (s) => applied.push(s));
  const done = snapshots.refetch();
  snapshots.eventSeen(); // "finished" arrives while the request for the snapshot is out
  await answer("running");
  await answer("finished");
  await done;
  assertEquals(applied, ["finished"]);
});

Deno.test("overtaken snapshots: without events the snapshot is applied at once", async () => {
  const { fetchSnapshot, answer, pending } = manualFetches();
  const applied: string[] = [];
  const snapshots = overtakenSnapshots(fetchSnapshot, (s) => applied.push(s));
  snapshots.eventSeen(); // before the request: the snapshot includes it
  const done = snapshots.refetch();
  await answer("finished");
  await done;
  assertEquals(applied, ["finished"]);
  assertEquals(pending.length, 0);
});

Deno.test("overtaken snapshots: while events keep overtaking, it waits for a quiet moment, then applies", async () => {
  const { fetchSnapshot, answer } = manualFetches();
  const applied: string[] = [];
  const waits: number[] = [];
  const snapshots = overtakenSnapshots(fetchSnapshot, (s) => applied.push(s), 250, (ms) => {
    waits.push(ms);
    return Promise.resolve();
  });
  const done = snapshots.refetch();
  for (let i = 0; i < 3; i++) {
    snapshots.eventSeen();
    await answer(`stale ${i}`);
  }
  await answer("quiet");
  await done;
  assertEquals(applied, ["quiet"]);
  assertEquals(waits, [250]);
});

Deno.test("overtaken snapshots: a failed fetch applies nothing", async () => {
  const applied: string[] = [];
  const snapshots = overtakenSnapshots(() => Promise.reject(new Error("offline")), (s) => applied.push(s));
  await snapshots.refetch();
  assertEquals(applied, []);
});
