/**
 * One logger, JSON lines on stdout. Injected everywhere so tests can capture lines; every actor line carries
 * the charge point id.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines all carry `fields`. */
  with(fields: LogFields): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

interface Sink {
  min: number;
  write: (line: string) => void;
  clock: () => Date;
}

/**
 * A logger holds only its sink and its fields: one per station costs two references, not a set of closures
 * (the registry makes one `with({ chargePointId })` per connected station).
 */
class JsonLogger implements Logger {
  constructor(private readonly sink: Sink, private readonly fields: LogFields) {}

  debug(msg: string, fields?: LogFields): void {
    this.#emit("debug", msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.#emit("info", msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.#emit("warn", msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.#emit("error", msg, fields);
  }
  with(fields: LogFields): Logger {
    return new JsonLogger(this.sink, { ...this.fields, ...fields });
  }

  #emit(level: LogLevel, msg: string, fields?: LogFields): void {
    if (ORDER[level] < this.sink.min) return;
    this.sink.write(
      JSON.stringify({ time: this.sink.clock().toISOString(), level, msg, ...this.fields, ...fields }),
    );
  }
}

export function createLogger(
  options: { level?: LogLevel; write?: (line: string) => void; clock?: () => Date; fields?: LogFields } = {},
): Logger {
  const sink: Sink = {
    min: ORDER[options.level ?? "info"],
    write: options.write ?? writeStdout,
    clock: options.clock ?? (() => new Date()),
  };
  return new JsonLogger(sink, options.fields ?? {});
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let scratch = new Uint8Array(4096);

/**
 * One line to stdout, synchronously, as `console.log` did (nothing is held in memory, so a crash loses no
 * line already logged), without the console's formatting machinery: the line is encoded into a reused buffer
 * and written with `Deno.stdout.writeSync` until all of it is out (about a third of `console.log`'s cost).
 * Where stdout cannot be written that way (no `Deno.stdout`, or a write fails), the line (or what is left of
 * it) goes through `console.log` as before.
 */
export function writeStdout(line: string): void {
  const text = line + "\n";
  // UTF-8 takes at most 3 bytes per UTF-16 code unit.
  if (text.length * 3 > scratch.length) {
    scratch = new Uint8Array(Math.max(text.length * 3, scratch.length * 2));
  }
  const { written } = encoder.encodeInto(text, scratch);
  let offset = 0;
  try {
    while (offset < written) offset += Deno.stdout.writeSync(scratch.subarray(offset, written));
  } catch {
    // The rest of the line (all of it when nothing was written) through the console, as before.
    console.log(offset === 0 ? line : decoder.decode(scratch.subarray(offset, written - 1)));
  }
}

/** Collects lines in memory, for tests. */
export function createMemoryLogger(level: LogLevel = "debug"): Logger & { lines: LogFields[] } {
  const lines: LogFields[] = [];
  const logger = createLogger({ level, write: (line) => lines.push(JSON.parse(line)) });
  return Object.assign(logger, { lines });
}
