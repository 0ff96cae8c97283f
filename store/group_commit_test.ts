import { assertEquals, assertRejects } from "@std/assert";
import { type BatchResult, GroupCommit, settlesLater } from "./group_commit.ts";

/** A commit that records its batches and ends only when the test says so. */
function gated() {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  const commit = (items: number[]): Promise<PromiseSettledResult<number>[]> => {
    batches.push(items);
    return new Promise((resolve) =>
      gates.push(() => resolve(items.map((value) => ({ status: "fulfilled", value: value * 10 }))))
    );
  };
  return { batches, commit, open: () => gates.shift()?.() };
}

Deno.test("GroupCommit with a window batches the calls that arrive within it", async () => {
  const batches: number[][] = [];
  const group = new GroupCommit<number, void>(5, 100, (items) => {
    batches.push(items);
    return Promise.resolve(items.map(() => ({ status: "fulfilled" as const, value: undefined })));
  });
  const first = [group.submit(1), group.submit(2)];
  await new Promise((r) => setTimeout(r, 1));
  await Promise.all([...first, group.submit(3)]);
  assertEquals(batches, [[1, 2, 3]]);
});

Deno.test('GroupCommit "whileBusy" commits an idle call at once and batches what arrives meanwhile', async () => {
  const { batches, commit, open } = gated();
  const group = new GroupCommit<number, number>("whileBusy", 100, commit);
  const one = group.submit(1);
  await Promise.resolve();
  await Promise.resolve();
  assertEquals(batches, [[1]]);
  const later = [group.submit(2), group.submit(3), group.submit(4)];
  await new Promise((r) => setTimeout(r, 5));
  assertEquals(batches, [[1]], "nothing more is written while a commit is in flight");
  open();
  assertEquals(await one, 10);
  await new Promise((r) => setTimeout(r, 0));
  assertEquals(batches, [[1], [2, 3, 4]]);
  open();
  assertEquals(await Promise.all(later), [20, 30, 40]);
  await group.drain();
});

Deno.test('GroupCommit "whileBusy" with maxInFlight 2 overlaps two commits and queues the rest for the first free one', async () => {
  const { batches, commit, open } = gated();
  const group = new GroupCommit<number, number>("whileBusy", 100, commit, undefined, 2);
  const tick = () => new Promise((r) => setTimeout(r, 0));
  const first = group.submit(1);
  await tick();
  const second = group.submit(2);
  await tick();
  assertEquals(batches, [[1], [2]], "a write arriving mid-commit goes out at once while a slot is free");
  const later = [group.submit(3), group.submit(4)];
  await tick();
  assertEquals(batches, [[1], [2]], "no third commit while two are in flight");
  open();
  assertEquals(await first, 10);
  await tick();
  assertEquals(batches, [[1], [2], [3, 4]], "the queue goes out as one batch when a slot frees");
  open();
  open();
  assertEquals(await second, 20);
  assertEquals(await Promise.all(later), [30, 40]);
  await group.drain();
});

Deno.test("GroupCommit rejects every caller of a batch whose commit throws, and settles each one alone otherwise", async () => {
  const group = new GroupCommit<number, number>("whileBusy", 100, (items) => {
    if (items.includes(0)) return Promise.reject(new Error("Cannot commit: injected failure"));
    return Promise.resolve(
      items.map((n) =>
        n < 0 ? { status: "rejected" as const, reason: new Error(`Cannot store ${n}`) } : {
          status: "fulfilled" as const,
          value: n,
        }
      ),
    );
  });
  await assertRejects(() => group.submit(0), Error, "injected failure");
  const [ok, bad] = await Promise.allSettled([group.submit(5), group.submit(-1)]);
  assertEquals(ok, { status: "fulfilled", value: 5 });
  assertEquals(bad?.status, "rejected");
  await group.drain();
});

Deno.test("GroupCommit tells its observer each batch's size, duration and whether it committed", async () => {
  const seen: { size: number; ok: boolean }[] = [];
  let durations = 0;
  const group = new GroupCommit<number, number>(
    "whileBusy",
    100,
    (items) =>
      items.includes(0)
        ? Promise.reject(new Error("Cannot commit: injected failure"))
        : Promise.resolve(items.map((n) => ({ status: "fulfilled" as const, value: n }))),
    ({ size, seconds, ok }) => {
      seen.push({ size, ok });
      if (seconds >= 0) durations++;
    },
  );
  await Promise.all([group.submit(1), group.submit(2), group.submit(3)]);
  await assertRejects(() => group.submit(0), Error, "injected failure");
  assertEquals(seen, [{ size: 3, ok: true }, { size: 1, ok: false }]);
  assertEquals(durations, 2);
  await group.drain();
});

Deno.test("GroupCommit tells its observer a batch whose every submission was refused as not committed, with the first refusal", async () => {
  const seen: { size: number; ok: boolean; failed: number; error?: string; errors?: string[] }[] = [];
  const group = new GroupCommit<number, number>(
    "whileBusy",
    100,
    (items) =>
      Promise.resolve(
        items.map((n) =>
          n < 0
            ? { status: "rejected" as const, reason: new Error(`database or disk is full (${n})`) }
            : { status: "fulfilled" as const, value: n }
        ),
      ),
    ({ size, ok, failed, error, errors }) =>
      seen.push({
        size,
        ok,
        failed,
        ...(error ? { error: (error as Error).message } : {}),
        ...(errors ? { errors: errors.map((e) => (e as Error).message) } : {}),
      }),
  );
  await Promise.allSettled([group.submit(-1), group.submit(-2)]);
  await Promise.allSettled([group.submit(1), group.submit(-3)]);
  await Promise.all([group.submit(2)]);
  assertEquals(seen, [
    {
      size: 2,
      ok: false,
      failed: 2,
      error: "database or disk is full (-1)",
      errors: ["database or disk is full (-1)", "database or disk is full (-2)"],
    },
    {
      size: 2,
      ok: true,
      failed: 1,
      error: "database or disk is full (-3)",
      errors: ["database or disk is full (-3)"],
    },
    { size: 1, ok: true, failed: 0 },
  ]);
  await group.drain();
});

Deno.test('GroupCommit "whileBusy" with a busy window holds a write for company only while a commit is in flight', async () => {
  const { batches, commit, open } = gated();
  const group = new GroupCommit<number, number>("whileBusy", 100, commit, undefined, 2, 30);
  const tick = () => new Promise((r) => setTimeout(r, 0));
  const first = group.submit(1);
  await tick();
  assertEquals(batches, [[1]], "an idle group commits at once");
  const waiting = [group.submit(2)];
  await tick();
  waiting.push(group.submit(3));
  await tick();
  assertEquals(batches, [[1]], "a write arriving mid-commit waits for company although a slot is free");
  await new Promise((r) => setTimeout(r, 40));
  assertEquals(batches, [[1], [2, 3]], "and goes out with its company when the window ends");
  const last = group.submit(4);
  await tick();
  assertEquals(batches, [[1], [2, 3]]);
  open();
  open();
  assertEquals(await first, 10);
  assertEquals(await Promise.all(waiting), [20, 30]);
  await tick();
  assertEquals(batches, [[1], [2, 3], [4]], "once no commit is in flight, what waits goes out at once");
  open();
  assertEquals(await last, 40);
  await group.drain();
});

Deno.test('GroupCommit settles a "later" result with its own outcome, frees the batch\'s place at once and tells the observer of it alone', async () => {
  const seen: { size: number; ok: boolean; failed: number }[] = [];
  let finishLater = (_: number) => {};
  let failLater = (_: Error) => {};
  const batches: number[][] = [];
  const group = new GroupCommit<number, number>(
    "whileBusy",
    100,
    (items) => {
      batches.push(items);
      return Promise.resolve(items.map((item): BatchResult<number> => {
        if (item === 1) return settlesLater(new Promise<number>((r) => (finishLater = r)));
        if (item === 2) return settlesLater(new Promise<number>((_, reject) => (failLater = reject)));
        return { status: "fulfilled", value: item * 10 };
      }));
    },
    ({ size, ok, failed }) => seen.push({ size, ok, failed }),
  );
  const first = group.submit(1);
  const second = group.submit(2);
  const third = group.submit(3);
  assertEquals(await third, 30);
  // The batch ended: the next submission commits though the later ones are not settled yet.
  assertEquals(await group.submit(4), 40);
  assertEquals(batches, [[1, 2, 3], [4]]);
  finishLater(11);
  assertEquals(await first, 11);
  failLater(new Error("disk full"));
  await assertRejects(() => second, Error, "disk full");
  assertEquals(seen, [
    { size: 3, ok: true, failed: 0 },
    { size: 1, ok: true, failed: 0 },
    { size: 1, ok: true, failed: 0 },
    { size: 1, ok: false, failed: 1 },
  ]);
});
