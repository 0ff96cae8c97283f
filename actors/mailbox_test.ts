import { assertEquals } from "@std/assert";
import { Mailbox } from "./mailbox.ts";

Deno.test("Mailbox handles one message at a time, in order, even when handlers await", async () => {
  const log: string[] = [];
  const box = new Mailbox<number>(async (n) => {
    log.push(`start ${n}`);
    await new Promise((r) => setTimeout(r, 3 - n));
    log.push(`end ${n}`);
  }, () => {});
  box.post(1);
  box.post(2);
  box.post(3);
  await box.idle();
  assertEquals(log, ["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]);
});

Deno.test("Mailbox reports a failing message and goes on with the next", async () => {
  const errors: unknown[] = [];
  const handled: number[] = [];
  const box = new Mailbox<number>((n) => {
    if (n === 2) throw new Error("boom");
    handled.push(n);
  }, (error, message) => errors.push([String(error), message]));
  box.post(1);
  box.post(2);
  box.post(3);
  await box.idle();
  assertEquals(handled, [1, 3]);
  assertEquals(errors, [["Error: boom", 2]]);
});

Deno.test("Mailbox goes on at once after a message handled synchronously (no microtask turn)", () => {
  const handled: string[] = [];
  const box = new Mailbox<string>((m) => {
    handled.push(m);
    if (m === "first") box.post("second");
  }, () => {});
  box.post("first");
  // Still inside post(): "second" was handled without waiting for a microtask.
  assertEquals(handled, ["first", "second"]);
  assertEquals(box.size, 0);
});

Deno.test("Mailbox reports a handler's rejected promise with its message and goes on", async () => {
  const errors: unknown[] = [];
  const handled: number[] = [];
  const box = new Mailbox<number>(async (n) => {
    await Promise.resolve();
    if (n === 2) throw new Error("late boom");
    handled.push(n);
  }, (error, message) => errors.push([String(error), message]));
  box.post(1);
  box.post(2);
  box.post(3);
  assertEquals(box.size, 3);
  await box.idle();
  assertEquals(handled, [1, 3]);
  assertEquals(errors, [["Error: late boom", 2]]);
  assertEquals(box.size, 0);
});
