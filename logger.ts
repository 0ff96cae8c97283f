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
  /** Writes what `write` holds, if it holds lines (stdout's does, for a turn of the event loop). */
  flush?: () => void;
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
    // A warning or an error is out before anything else happens (the lines held before it with it).
    if (ORDER[level] >= ORDER.warn) this.sink.flush?.();
  }
}

export function createLogger(
  options: { level?: LogLevel; write?: (line: string) => void; clock?: () => Date; fields?: LogFields } = {},
): Logger {
  const sink: Sink = {
    min: ORDER[options.level ?? "info"],
    write: options.write ?? writeStdout,
    ...(options.write ? {} : { flush: flushStdout }),
    clock: options.clock ?? (() => new Date()),
  };
  return new JsonLogger(sink, options.fields ?? {});
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** The lines of this turn of the event loop, as UTF-8, written to stdout together at its end. */
let pending = new Uint8Array(16 * 1024);
let pendingBytes = 0;
let flushScheduled = false;
let exitHooked = false;

/**
 * One line to stdout, without the console's formatting machinery. The lines of one turn of the event loop go
 * out in one write at its end (a timer of 0 ms): a sync write to a pipe costs a system call and often a wake-up
 * of the reader, and a boot burst logs two lines per station (measured: ~12% of the server's busy JavaScript
 * during 1,000 boots, one write per line). A warning or an error is written at once, with the lines before it
 * (`flushStdout`); so is everything when the process exits, fails on an uncaught error or is stopped with
 * `Deno.exit`: only a signal that kills the process outright (SIGKILL; SIGTERM before main.ts handles it)
 * loses this turn's info lines.
 */
export function writeStdout(line: string): void {
  // UTF-8 takes at most 3 bytes per UTF-16 code unit; +1 for the newline.
  const room = line.length * 3 + 1;
  if (pendingBytes + room > pending.length) {
    flushStdout();
    if (room > pending.length) pending = new Uint8Array(room);
  }
  pendingBytes += encoder.encodeInto(line, pending.subarray(pendingBytes)).written;
  pending[pendingBytes++] = 10;
  if (!exitHooked) hookExit();
  if (!flushScheduled) {
    flushScheduled = true;
    setTimeout(flushStdout, 0);
  }
}

/**
 * The most a write holds: POSIX keeps a pipe write of up to PIPE_BUF (4,096 bytes on Linux) whole, so the
 * lines of processes sharing one stdout (WORKERS=N: the workers inherit the supervisor's) never interleave
 * mid-line. A longer line goes alone, as every line did before lines were held.
 */
const PIPE_ATOMIC_BYTES = 4096;

/**
 * Writes the lines held (`writeStdout`) to stdout now, all of them, in writes of whole lines of at most
 * PIPE_ATOMIC_BYTES, each with `Deno.stdout.writeSync` until all of it is out; where stdout cannot be written
 * that way (no `Deno.stdout`, or a write fails), what is left goes through `console.log`.
 */
export function flushStdout(): void {
  flushScheduled = false;
  if (pendingBytes === 0) return;
  const end = pendingBytes;
  pendingBytes = 0;
  let offset = 0;
  try {
    while (offset < end) {
      const stop = piece(offset, end);
      while (offset < stop) offset += Deno.stdout.writeSync(pending.subarray(offset, stop));
    }
  } catch {
    // The rest (without its last newline: console.log adds one) through the console.
    console.log(decoder.decode(pending.subarray(offset, end - 1)));
  }
}

/** Where the write from `start` ends: after the last whole line within PIPE_ATOMIC_BYTES, else after the first. */
function piece(start: number, end: number): number {
  if (end - start <= PIPE_ATOMIC_BYTES) return end;
  const last = pending.lastIndexOf(10, start + PIPE_ATOMIC_BYTES - 1);
  return last >= start ? last + 1 : pending.indexOf(10, start) + 1;
}

/** The lines held are written before the process ends: at exit, an uncaught error or rejection. */
function hookExit(): void {
  exitHooked = true;
  for (const event of ["unload", "error", "unhandledrejection"]) {
    globalThis.addEventListener(event, flushStdout);
  }
}

/** Collects lines in memory, for tests. */
export function createMemoryLogger(level: LogLevel = "debug"): Logger & { lines: LogFields[] } {
  const lines: LogFields[] = [];
  const logger = createLogger({ level, write: (line) => lines.push(JSON.parse(line)) });
  return Object.assign(logger, { lines });
}
