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

Deno.test("writeStdout() writes held lines in whole lines of at most 4,096 bytes, a longer line alone", async () => {
  const out = await loggingChild(`
    const writes = [];
    const write = Deno.stdout.writeSync.bind(Deno.stdout);
    Deno.stdout.writeSync = (bytes) => {
      writes.push(new TextDecoder().decode(bytes));
      return write(bytes);
    };
    for (let i = 0; i < 120; i++) logger.info("line " + i, { pad: "x".repeat(100) });
    logger.info("long", { pad: "é".repeat(5000) });
    logger.info("after");
    setTimeout(() => console.error(JSON.stringify(writes.map((w) => [new TextEncoder().encode(w).length, w.endsWith("\\n")]))), 20);
  `);
  assertEquals(out.code, 0);
  const writes: [number, boolean][] = JSON.parse(out.stderr);
  assertEquals(writes.every(([, whole]) => whole), true);
  const long = writes.filter(([bytes]) => bytes > 4096);
  assertEquals(long.length, 1);
  assertEquals(long[0]![0] > 10_000 && long[0]![0] < 10_300, true); // that line alone
  assertEquals(writes.length > 4, true);
  assertEquals(messages(out.stdout), [
    ...Array.from({ length: 120 }, (_, i) => `line ${i}`),
    "long",
    "after",
  ]);
});

Deno.test("writeStdout(): processes sharing one pipe never interleave inside a line", async () => {
  const code = `
    import { createLogger } from ${JSON.stringify(new URL("./logger.ts", import.meta.url).href)};
    const logger = createLogger();
    for (let turn = 0; turn < 40; turn++) {
      for (let i = 0; i < 300; i++) logger.info("line", { pid: Deno.pid, turn, i, pad: "x".repeat(150) });
      await new Promise((r) => setTimeout(r, 1));
    }
  `;
  // Three writers on one pipe, read slowly by a shell, as WORKERS=N share the supervisor's stdout.
  const script = `for n in 1 2 3; do "${Deno.execPath()}" eval '${
    code.replaceAll("'", "'\\''")
  }' & done; wait`;
  const out = await new Deno.Command("sh", {
    args: ["-c", `(${script}) | (sleep 0.3; cat)`],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const lines = new TextDecoder().decode(out.stdout).split("\n").filter((l) => l);
  const broken = lines.filter((l) => {
    try {
      return JSON.parse(l).msg !== "line";
    } catch {
      return true;
    }
  });
  assertEquals([lines.length, broken.length], [3 * 40 * 300, 0]);
});
