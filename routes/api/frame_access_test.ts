import { assertEquals } from "@std/assert";
import type { FrameLogEntry } from "../../actors/frame_log.ts";
import { framesFor } from "./frame_access.ts";

const at = "2026-01-01T00:00:00.000Z";
const frame = (direction: "in" | "out", value: unknown[]): FrameLogEntry => ({
  at,
  direction,
  frame: JSON.stringify(value),
});
const refusal = (id: string) =>
  frame("out", [4, id, "PropertyConstraintViolation", 'Field "techInfo" ...: "SECRET…"', {
    field: "techInfo",
  }]);

Deno.test("framesFor() withholds from a viewer our CALLERROR to a SecurityEventNotification, keeping its code", () => {
  const frames = [frame("in", [2, "9", "SecurityEventNotification", { techInfo: "SECRET" }]), refusal("9")];
  const read = framesFor("viewer", frames).map((f) => JSON.parse(f.frame));
  assertEquals(read[1], [4, "9", "PropertyConstraintViolation", "Withheld: " + read[0][3].withheld, {}]);
  assertEquals(framesFor("operator", frames), frames);
});

Deno.test("framesFor() withholds from a viewer a CALLERROR whose CALL is no longer kept", () => {
  const read = framesFor("viewer", [refusal("gone")]);
  assertEquals(JSON.parse(read[0]!.frame)[3].startsWith("Withheld: "), true);
});

Deno.test("framesFor() shows a viewer our CALLERROR to another action, and the station's CALLERROR to ours", () => {
  const frames = [
    frame("in", [2, "1", "Heartbeat", { extra: 1 }]),
    frame("out", [4, "1", "FormationViolation", 'Unexpected field "extra"', {}]),
    frame("out", [2, "2", "Reset", { type: "Soft" }]),
    frame("in", [4, "2", "NotImplemented", "No reset here", {}]),
  ];
  assertEquals(framesFor("viewer", frames), frames);
});
