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

Deno.test("writeStdout() writes the whole line and its newline to stdout, each line at once", async () => {
  const long = "é€😀x".repeat(3000);
  const code = `
    import { createLogger } from ${JSON.stringify(new URL("./logger.ts", import.meta.url).href)};
    const logger = createLogger({ clock: () => new Date(0) });
    logger.info("first", { long: ${JSON.stringify(long)} });
    logger.info("second");
    Deno.exit(9);
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdout: "piped",
    stderr: "inherit",
  })
    .output();
  assertEquals(out.code, 9);
  const lines = new TextDecoder().decode(out.stdout).split("\n");
  assertEquals(lines.length, 3);
  assertEquals(lines[2], "");
  assertEquals(JSON.parse(lines[0]!), {
    time: "1970-01-01T00:00:00.000Z",
    level: "info",
    msg: "first",
    long,
  });
  assertEquals(JSON.parse(lines[1]!).msg, "second");
});
