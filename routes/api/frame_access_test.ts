import { assertEquals } from "@std/assert";
import type { FrameLogEntry } from "../../actors/frame_log.ts";
import { framesFor } from "./frame_access.ts";

const at = "2026-12-07T00:00:00.000Z";
const frameIn = (frame: unknown[]): FrameLogEntry => ({ at, direction: "in", frame: JSON.stringify(frame) });
const frameOut = (frame: unknown[]): FrameLogEntry => ({
  at,
  direction: "out",
  frame: JSON.stringify(frame),
});
const event = { type: "x", timestamp: "secret-value" };
const refusal = (id: string) => frameOut([4, id, "PropertyConstraintViolation", 'got "secret-value"', {}]);

Deno.test("framesFor() withholds from a viewer our CALLERROR refusing a SecurityEventNotification, not others'", () => {
  const frames = [
    frameIn([2, "1", "SecurityEventNotification", event]),
    refusal("1"),
    frameIn([2, "2", "StatusNotification", { connectorId: "x" }]),
    frameOut([4, "2", "TypeConstraintViolation", 'got string "x"', {}]),
  ];
  const seen = framesFor("viewer", frames).map((f) => f.frame);
  assertEquals(seen.some((f) => f.includes("secret-value")), false, seen.join("\n"));
  assertEquals(
    seen[1],
    JSON.stringify([
      4,
      "1",
      "PropertyConstraintViolation",
      "security event content is shown to operators and admins",
      {},
    ]),
  );
  assertEquals(seen[3], frames[3]!.frame);
  assertEquals(framesFor("operator", frames), frames);
});

Deno.test("framesFor() keeps a refusal withheld when a copy reused its CALL's id, or its CALL was cut off", () => {
  const copied = [
    frameIn([2, "x", "SecurityEventNotification", event]),
    // A copy under the same id while the first is unanswered: dropped unanswered.
    frameIn([2, "x", "Heartbeat", {}]),
    refusal("x"),
    // Answered: the id may be used again, and its refusal is shown.
    frameIn([2, "x", "Heartbeat", { unexpected: 1 }]),
    frameOut([4, "x", "OccurenceConstraintViolation", "Field unexpected is not allowed", {}]),
  ];
  const seen = framesFor("viewer", copied).map((f) => f.frame);
  assertEquals(seen.some((f) => f.includes("secret-value")), false, seen.join("\n"));
  assertEquals(seen[4], copied[4]!.frame);
  // The frame log keeps the last N frames: the CALL went, its answer stayed.
  assertEquals(framesFor("viewer", [refusal("9")])[0]!.frame.includes("secret-value"), false);
});

Deno.test("framesFor() withholds a SecurityEventNotification whose message id is not a string", () => {
  // The decoder refuses it (FormationViolation), but the frame log lists what the station sent.
  for (const id of [5, null, true, 1.5]) {
    const frame = frameIn([2, id, "SecurityEventNotification", event]);
    const seen = framesFor("viewer", [frame])[0]!.frame;
    assertEquals(seen.includes("secret-value"), false, seen);
    assertEquals(seen.includes("SecurityEventNotification"), true, seen);
  }
});

Deno.test("framesFor() withholds a SecurityEventNotification whatever spells its MessageTypeId", () => {
  for (const type of ['"2"', "2", "2.0", "20E-1", "null"]) {
    const frame: FrameLogEntry = {
      at,
      direction: "in",
      frame: `[${type},"1","SecurityEventNotification",{"techInfo":"secret-value"}]`,
    };
    const seen = framesFor("viewer", [frame])[0]!.frame;
    assertEquals(seen.includes("secret-value"), false, seen);
  }
});

Deno.test("framesFor() withholds a SecurityEventNotification whose message id or type is an array or object", () => {
  // The decoder refuses each (FormationViolation), but the frame log lists what the station sent.
  for (
    const [type, id] of [[2, { n: 1 }], [2, [1, "a,b"]], [2, { a: { b: "]" } }], [[2], "1"], [{ t: 2 }, "1"]]
  ) {
    const frame = frameIn([type, id, "SecurityEventNotification", event]);
    const seen = framesFor("viewer", [frame])[0]!.frame;
    assertEquals(seen.includes("secret-value"), false, seen);
    assertEquals(seen.includes("SecurityEventNotification"), true, seen);
  }
});

Deno.test("framesFor() withholds a SecurityEventNotification cut after its action", () => {
  const whole = JSON.stringify([2, { n: 1 }, "SecurityEventNotification", event]);
  const cut = whole.slice(0, whole.indexOf("secret-value") + 6);
  const seen = framesFor("viewer", [{ at, direction: "in", frame: cut }])[0]!.frame;
  assertEquals(seen.includes("secret"), false, seen);
});
