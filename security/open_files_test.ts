import { assertEquals } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import { connectionCeiling } from "./open_files.ts";

Deno.test("connectionCeiling() keeps a setting that fits and lowers one that does not, with a warning", () => {
  const logger = createMemoryLogger();
  assertEquals(connectionCeiling(15_000, 20_000, logger), 15_000);
  assertEquals(connectionCeiling(15_000, null, logger), 15_000);
  assertEquals(logger.lines.length, 0);
  assertEquals(connectionCeiling(19_900, 20_000, logger), 19_488);
  assertEquals(connectionCeiling(15_000, 256, logger), 192);
  assertEquals(logger.lines.map((l) => l.msg), [
    "MAX_CONNECTIONS lowered to fit the open-files limit",
    "MAX_CONNECTIONS lowered to fit the open-files limit",
  ]);
});
