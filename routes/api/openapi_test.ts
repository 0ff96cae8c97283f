import { assertEquals } from "@std/assert";
import { describeSchema } from "./openapi.ts";

Deno.test("describeSchema() writes a parameter's schema in words, enums as a list that can wrap", () => {
  assertEquals(
    describeSchema({ type: "integer", minimum: 1, maximum: 1000, default: 100 }),
    "integer, 1 to 1000, default 100",
  );
  assertEquals(
    describeSchema({ type: "string", enum: ["Available", "Faulted", "Unknown"] }),
    "string, one of: Available, Faulted, Unknown",
  );
  assertEquals(
    describeSchema({ type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    "integer, at least 0",
  );
  assertEquals(
    describeSchema({ type: "string", maxLength: 48, format: "date-time" }),
    "string, format date-time, up to 48 characters",
  );
  assertEquals(describeSchema({ anyOf: [{ type: "string" }, { type: "null" }] }), "string or null");
});
