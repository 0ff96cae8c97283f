/**
 * sharedFeeds: one feed per key however many follow it, closed when the last follower leaves, opened afresh
 * for the next; a late joiner gets what comes after it joined, not what came before.
 */
import { assertEquals } from "@std/assert";
import { type Feed, sharedFeeds } from "./shared_feed.ts";

/** An opener that counts its opens and closes and keeps each feed it was given. */
function countingOpener() {
  const made = { opened: 0, closed: 0, feeds: [] as Feed<string>[] };
  const open = (feed: Feed<string>) => {
    made.opened++;
    made.feeds.push(feed);
    return () => {
      made.closed++;
    };
  };
  return { made, open };
}

Deno.test("sharedFeeds() opens one feed for two followers of a key and hands each what it hands out", () => {
  const feeds = sharedFeeds<number, string>();
  const { made, open } = countingOpener();
  const a: string[] = [];
  const b: string[] = [];
  const leaveA = feeds.follow(7, open, (v) => a.push(v));
  const leaveB = feeds.follow(7, open, (v) => b.push(v));
  assertEquals(made.opened, 1);
  made.feeds[0]!.handOut("x");
  assertEquals([a, b], [["x"], ["x"]]);
  leaveA();
  leaveB();
});

Deno.test("sharedFeeds() closes a key's feed when its last follower leaves, not before", () => {
  const feeds = sharedFeeds<number, string>();
  const { made, open } = countingOpener();
  const b: string[] = [];
  const leaveA = feeds.follow(7, open, () => {});
  const leaveB = feeds.follow(7, open, (v) => b.push(v));
  leaveA();
  assertEquals(made.closed, 0);
  assertEquals(made.feeds[0]!.open, true);
  made.feeds[0]!.handOut("still");
  assertEquals(b, ["still"]);
  leaveB();
  assertEquals(made.closed, 1);
  assertEquals(made.feeds[0]!.open, false);
  // A second leave by the same follower closes nothing again.
  leaveB();
  assertEquals(made.closed, 1);
});

Deno.test("sharedFeeds() opens a fresh feed for a follower after the last one left", () => {
  const feeds = sharedFeeds<number, string>();
  const { made, open } = countingOpener();
  feeds.follow(7, open, () => {})();
  const got: string[] = [];
  const leave = feeds.follow(7, open, (v) => got.push(v));
  assertEquals(made.opened, 2);
  // The closed feed's late answer reaches no one; the fresh one's does.
  made.feeds[0]!.handOut("old");
  made.feeds[1]!.handOut("new");
  assertEquals(got, ["new"]);
  assertEquals([made.feeds[0]!.open, made.feeds[1]!.open], [false, true]);
  leave();
});

Deno.test("sharedFeeds() keeps keys apart", () => {
  const feeds = sharedFeeds<string, string>();
  const { made, open } = countingOpener();
  const one: string[] = [];
  const two: string[] = [];
  const leaveOne = feeds.follow("CP-1\n1", open, (v) => one.push(v));
  const leaveTwo = feeds.follow("CP-1\n2", open, (v) => two.push(v));
  assertEquals(made.opened, 2);
  made.feeds[1]!.handOut("2 only");
  assertEquals([one, two], [[], ["2 only"]]);
  leaveOne();
  assertEquals([made.closed, made.feeds[1]!.open], [1, true]);
  leaveTwo();
});

Deno.test("sharedFeeds() hands a late follower what comes after it joined, not what came before", () => {
  const feeds = sharedFeeds<number, string>();
  const { made, open } = countingOpener();
  const early: string[] = [];
  const late: string[] = [];
  const leaveEarly = feeds.follow(7, open, (v) => early.push(v));
  made.feeds[0]!.handOut("before");
  const leaveLate = feeds.follow(7, open, (v) => late.push(v));
  made.feeds[0]!.handOut("after");
  assertEquals([early, late], [["before", "after"], ["after"]]);
  leaveEarly();
  leaveLate();
});

Deno.test("sharedFeeds() counts one follower following twice as two", () => {
  const feeds = sharedFeeds<number, string>();
  const { made, open } = countingOpener();
  const got: string[] = [];
  const follower = (v: string) => got.push(v);
  const leaveFirst = feeds.follow(7, open, follower);
  const leaveSecond = feeds.follow(7, open, follower);
  made.feeds[0]!.handOut("x");
  assertEquals(got, ["x", "x"]);
  leaveFirst();
  assertEquals(made.closed, 0);
  leaveSecond();
  assertEquals(made.closed, 1);
});
