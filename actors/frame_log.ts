/**
 * The last N OCPP frames of each station, in and out, for troubleshooting. Bounded twice: N frames per
 * station, and a cap on how many stations are remembered (the least recently active are forgotten first).
 * Secrets are redacted before a frame is kept (protocol/ocppj/secret_values.ts), and a long frame is cut to a copy
 * of its start: a slice would keep the whole original frame alive.
 */
import { redactFrameText } from "../protocol/ocppj/secret_values.ts";

export interface FrameLogEntry {
  at: string;
  direction: "in" | "out";
  frame: string;
}

/** Frames longer than this are cut; the log is for reading, not for replay. */
const MAX_FRAME_CHARS = 2000;

/** As kept: a number for the time (a date string per frame would cost more than many frames). */
interface StoredFrame {
  at: number;
  direction: "in" | "out";
  frame: string;
}

export class FrameLog {
  #rings = new Map<string, StoredFrame[]>();

  constructor(readonly perStation: number, readonly maxStations: number) {}

  record(chargePointId: string, direction: "in" | "out", frame: string, at: Date): void {
    if (this.perStation <= 0) return;
    let ring = this.#rings.get(chargePointId);
    if (ring) {
      // Re-insert so Map order is least recently active first.
      this.#rings.delete(chargePointId);
    } else {
      ring = [];
      if (this.#rings.size >= this.maxStations) {
        const oldest = this.#rings.keys().next().value;
        if (oldest !== undefined) this.#rings.delete(oldest);
      }
    }
    this.#rings.set(chargePointId, ring);
    const text = safely(() => redactFrameText(frame), `[frame of ${frame.length} characters, not readable]`);
    ring.push({
      at: at.getTime(),
      direction,
      frame: text.length > MAX_FRAME_CHARS ? copyOf(`${text.slice(0, MAX_FRAME_CHARS)}…`) : text,
    });
    if (ring.length > this.perStation) ring.shift();
  }

  /** Forgets the frames older than `before` (retention); returns how many went. */
  pruneBefore(before: Date): number {
    const cutoff = before.getTime();
    let pruned = 0;
    for (const [id, ring] of this.#rings) {
      const keep = ring.findIndex((f) => f.at >= cutoff);
      if (keep === 0) continue;
      const gone = keep < 0 ? ring.length : keep;
      pruned += gone;
      if (keep < 0) this.#rings.delete(id);
      else ring.splice(0, gone);
    }
    return pruned;
  }

  /** Oldest first; [] for a station we have no frames of. */
  list(chargePointId: string): FrameLogEntry[] {
    return (this.#rings.get(chargePointId) ?? []).map((f) => ({ ...f, at: new Date(f.at).toISOString() }));
  }
}

/** A string that shares no memory with `text` (V8 keeps a slice as a pointer into its parent). */
function copyOf(text: string): string {
  return JSON.parse(JSON.stringify(text));
}

/** `make()`, or `fallback` if it throws: recording runs in a socket's message handler and must never throw. */
function safely(make: () => string, fallback: string): string {
  try {
    return make();
  } catch {
    return fallback;
  }
}
