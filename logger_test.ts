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

/** Runs `body` in a child Deno that imports the logger; its stdout, stderr and exit code. */
async function loggingChild(body: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const code = `
    import { createLogger } from ${JSON.stringify(new URL("./logger.ts", import.meta.url).href)};
    const logger = createLogger({ clock: () => new Date(0) });
    ${body}
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

const messages = (stdout: string) => stdout.split("\n").filter((l) => l).map((l) => JSON.parse(l).msg);

Deno.test("writeStdout() writes the lines of one turn of the event loop in one write, a warning at once", async () => {
  const out = await loggingChild(`
    const writes = [];
    const write = Deno.stdout.writeSync.bind(Deno.stdout);
    Deno.stdout.writeSync = (bytes) => {
      writes.push(new TextDecoder().decode(bytes).split("\\n").filter((l) => l).map((l) => JSON.parse(l).msg));
      return write(bytes);
    };
    logger.info("a");
    logger.info("b");
    logger.info("c");
    const beforeTurnEnds = writes.length;
    setTimeout(() => {
      logger.info("d");
      logger.warn("e");
      const afterWarning = writes.length;
      logger.info("f");
      setTimeout(() => console.error(JSON.stringify({ beforeTurnEnds, afterWarning, writes })), 20);
    }, 10);
  `);
  assertEquals(out.code, 0);
  assertEquals(JSON.parse(out.stderr), {
    beforeTurnEnds: 0,
    afterWarning: 2,
    writes: [["a", "b", "c"], ["d", "e"], ["f"]],
  });
  assertEquals(messages(out.stdout), ["a", "b", "c", "d", "e", "f"]);
});

Deno.test("writeStdout() loses no line held when the process fails on an uncaught error", async () => {
  const thrown = await loggingChild(`logger.info("before the throw"); throw new Error("boom");`);
  assertEquals(thrown.code, 1);
  assertEquals(messages(thrown.stdout), ["before the throw"]);
  const rejected = await loggingChild(
    `logger.info("before the rejection"); await Promise.reject(new Error("no"));`,
  );
  assertEquals(rejected.code, 1);
  assertEquals(messages(rejected.stdout), ["before the rejection"]);
  const late = await loggingChild(
    `setTimeout(() => { logger.info("in a timer"); throw new Error("late"); }, 0);`,
  );
  assertEquals(late.code, 1);
  assertEquals(messages(late.stdout), ["in a timer"]);
});
