import { assertEquals } from "@std/assert";
import { JournalRule } from "./journal_rule.ts";

function rule(from: number) {
  const clock = { now: 0 };
  return { clock, rule: new JournalRule({ windowMs: 1000, from, now: () => clock.now }) };
}

Deno.test("JournalRule journals a station from its `from`-th commit of a window on, not before", () => {
  const { rule: r } = rule(3);
  assertEquals([r.note("CP-1"), r.note("CP-1"), r.note("CP-1"), r.note("CP-1")], [false, false, true, true]);
  // Counted per station.
  assertEquals(r.note("CP-2"), false);
});

Deno.test("JournalRule journals from the first commit of a window a station that reached `from` in the window before", () => {
  const { clock, rule: r } = rule(3);
  for (let i = 0; i < 3; i++) r.note("CP-1");
  r.note("CP-2");
  clock.now = 1500;
  assertEquals(r.note("CP-1"), true);
  assertEquals(r.note("CP-2"), false);
  // The window after: CP-1 made one commit in the last full window.
  clock.now = 2100;
  assertEquals(r.note("CP-1"), false);
});

Deno.test("JournalRule forgets a station after a window without commits", () => {
  const { clock, rule: r } = rule(2);
  r.note("CP-1");
  assertEquals(r.note("CP-1"), true);
  // A whole window passed without any commit: the last full window is empty.
  clock.now = 2500;
  assertEquals(r.note("CP-1"), false);
});

Deno.test("JournalRule with `from` 0 or 1 journals every commit, with Infinity none", () => {
  assertEquals(rule(0).rule.note("CP-1"), true);
  assertEquals(rule(1).rule.note("CP-1"), true);
  const never = rule(Infinity).rule;
  for (let i = 0; i < 5; i++) assertEquals(never.note("CP-1"), false);
});
