/**
 * The last N OCPP frames of each station, in and out, for troubleshooting. Bounded twice: N frames per
 * station, and a cap on how many stations are remembered (the least recently active are forgotten first).
 * Secrets are redacted (protocol/ocppj/secret_values.ts) before a frame is shown: when it is read for a short
 * frame (recording is on every frame's path, reading is an operator's rare look), before it is kept for a
 * long one, which is cut to a copy of its start (a slice would keep the whole original frame alive, and a cut
 * frame is no longer JSON to redact).
 */
import { redactFrameText } from "../protocol/ocppj/secret_values.ts";

export interface FrameLogEntry {
  at: string;
  direction: "in" | "out";
  frame: string;
}

/** Frames longer than this are cut; the log is for reading, not for replay. */
const MAX_FRAME_CHARS = 2000;

/**
 * As kept: a number for the time (a date string per frame would cost more than many frames). A slot of a
 * full ring is written over in place: no object per frame once a station's ring is full.
 */
interface StoredFrame {
  at: number;
  direction: "in" | "out";
  frame: string;
  /** False: `frame` is the text as sent or received, redacted when read. */
  redacted: boolean;
}

/**
 * One station's last frames: a circular buffer (no array shifting per frame once full). `next` is where the
 * next frame goes; once the buffer is full it is also the oldest frame. The rings are also a list from the
 * least to the most recently active station (`older`, `newer`): moving a station to the end is a few
 * pointers, not a delete and a set of the map per frame.
 */
interface Ring {
  id: string;
  frames: StoredFrame[];
  next: number;
  older: Ring | null;
  newer: Ring | null;
}

export class FrameLog {
  #rings = new Map<string, Ring>();
  #oldest: Ring | null = null;
  #newest: Ring | null = null;

  constructor(readonly perStation: number, readonly maxStations: number) {}

  record(chargePointId: string, direction: "in" | "out", frame: string, at: Date): void {
    if (this.perStation <= 0) return;
    let ring = this.#rings.get(chargePointId);
    if (ring) {
      if (ring !== this.#newest) {
        this.#unlink(ring);
        this.#append(ring);
      }
    } else {
      if (this.#rings.size >= this.maxStations && this.#oldest) this.#forget(this.#oldest);
      ring = { id: chargePointId, frames: [], next: 0, older: null, newer: null };
      this.#rings.set(chargePointId, ring);
      this.#append(ring);
    }
    const long = frame.length > MAX_FRAME_CHARS;
    const text = long ? cutRedacted(frame) : frame;
    if (ring.frames.length < this.perStation) {
      ring.frames.push({ at: at.getTime(), direction, frame: text, redacted: long });
    } else {
      const slot = ring.frames[ring.next]!;
      slot.at = at.getTime();
      slot.direction = direction;
      slot.frame = text;
      slot.redacted = long;
      ring.next = (ring.next + 1) % ring.frames.length;
    }
  }

  /** Forgets the frames older than `before` (retention); returns how many went. */
  pruneBefore(before: Date): number {
    const cutoff = before.getTime();
    let pruned = 0;
    for (const ring of [...this.#rings.values()]) {
      const frames = inOrder(ring);
      const keep = frames.findIndex((f) => f.at >= cutoff);
      if (keep === 0) continue;
      const gone = keep < 0 ? frames.length : keep;
      pruned += gone;
      if (keep < 0) {
        this.#forget(ring);
      } else {
        ring.frames = frames.slice(keep);
        ring.next = 0;
      }
    }
    return pruned;
  }

  /** Oldest first; [] for a station we have no frames of. */
  list(chargePointId: string): FrameLogEntry[] {
    const ring = this.#rings.get(chargePointId);
    if (!ring) return [];
    return inOrder(ring).map((f) => ({
      at: new Date(f.at).toISOString(),
      direction: f.direction,
      frame: f.redacted ? f.frame : redacted(f.frame),
    }));
  }

  /** Station ids from the least to the most recently active (the order stations are forgotten in). */
  stations(): string[] {
    const ids: string[] = [];
    for (let ring = this.#oldest; ring; ring = ring.newer) ids.push(ring.id);
    return ids;
  }

  #forget(ring: Ring): void {
    this.#unlink(ring);
    this.#rings.delete(ring.id);
  }

  #unlink(ring: Ring): void {
    if (ring.older) ring.older.newer = ring.newer;
    else this.#oldest = ring.newer;
    if (ring.newer) ring.newer.older = ring.older;
    else this.#newest = ring.older;
    ring.older = ring.newer = null;
  }

  #append(ring: Ring): void {
    ring.older = this.#newest;
    if (this.#newest) this.#newest.newer = ring;
    else this.#oldest = ring;
    this.#newest = ring;
  }
}

/** A ring's frames, oldest first. */
function inOrder(ring: Ring): StoredFrame[] {
  return ring.next === 0
    ? ring.frames
    : [...ring.frames.slice(ring.next), ...ring.frames.slice(0, ring.next)];
}

/** A frame with its secrets redacted; never throws (the note for an unreadable frame is built only then). */
function redacted(frame: string): string {
  try {
    return redactFrameText(frame);
  } catch {
    return `[frame of ${frame.length} characters, not readable]`;
  }
}

/** What is kept of a long frame: its secrets redacted, then cut to a copy of its start. */
function cutRedacted(frame: string): string {
  const text = redacted(frame);
  return text.length > MAX_FRAME_CHARS ? copyOf(`${text.slice(0, MAX_FRAME_CHARS)}…`) : text;
}

/** A string that shares no memory with `text` (V8 keeps a slice as a pointer into its parent). */
function copyOf(text: string): string {
  return JSON.parse(JSON.stringify(text));
}
