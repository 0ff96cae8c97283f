import { assertEquals } from "@std/assert";
import { createLogger, createMemoryLogger } from "./logger.ts";

Deno.test("createLogger() writes one JSON line per entry at or above its level", () => {
  const lines: string[] = [];
  const logger = createLogger({ level: "info", write: (l) => lines.push(l), clock: () => new Date(0) });
  logger.debug("hidden");
  logger.info("shown", { a: 1 });
  assertEquals(lines.map((l) => JSON.parse(l)), [{
    time: "1970-01-01T00:00:00.000Z",
    level: "info",
    msg: "shown",
    a: 1,
  }]);
});

Deno.test("Logger.with() adds fields to every line and shares the parent's sink", () => {
  const logger = createMemoryLogger();
  const station = logger.with({ chargePointId: "CP-1" }).with({ remote: "x" });
  station.warn("bad frame", { reason: "binary" });
  logger.error("plain");
  assertEquals(logger.lines.map(({ time: _, ...rest }) => rest), [
    { level: "warn", msg: "bad frame", chargePointId: "CP-1", remote: "x", reason: "binary" },
    { level: "error", msg: "plain" },
  ]);
});
