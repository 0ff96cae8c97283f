import { assertEquals } from "@std/assert";
import { AcceptWatchdog } from "./accept_watchdog.ts";

function watchdog(queue: Array<number | null>) {
  let accepted = 0;
  const stalls: number[] = [];
  const dog = new AcceptWatchdog({
    accepted: () => accepted,
    queued: () => Promise.resolve(queue.length > 1 ? queue.shift()! : queue[0]!),
    stalledChecks: 3,
    onStalled: (queued) => stalls.push(queued),
  });
  return { dog, stalls, accept: () => accepted++ };
}

Deno.test("AcceptWatchdog: connections waiting through three checks with none accepted is a stall, reported once", async () => {
  const { dog, stalls } = watchdog([5]);
  await dog.check();
  await dog.check();
  assertEquals(stalls, []);
  await dog.check();
  assertEquals(stalls, [5]);
  await dog.check();
  assertEquals(stalls, [5]);
});

Deno.test("AcceptWatchdog: an accept between checks, an empty queue or an unreadable one starts the count again", async () => {
  const accepting = watchdog([5]);
  for (let i = 0; i < 10; i++) {
    await accepting.dog.check();
    if (i % 2 === 0) accepting.accept();
  }
  assertEquals(accepting.stalls, []);

  const draining = watchdog([5, 5, 0, 5, 5, null, 5, 5, 0]);
  for (let i = 0; i < 9; i++) await draining.dog.check();
  assertEquals(draining.stalls, []);

  const idle = watchdog([0]);
  for (let i = 0; i < 10; i++) await idle.dog.check();
  assertEquals(idle.stalls, []);
});
