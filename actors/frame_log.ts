/**
 * The last N OCPP frames of each station, in and out, for troubleshooting. Bounded twice: N frames per
 * station, and a cap on how many stations are remembered (the least recently active are forgotten first).
 * Secrets are redacted (protocol/ocppj/secret_values.ts) before a frame is shown: when it is read for a short
 * frame (recording is on every frame's path, reading is an operator's rare look), before it is kept for a
 * long one, which is cut to its start (a cut frame is no longer JSON to redact).
 *
 * A station's frames are kept as UTF-8 bytes in one buffer of its own (`ByteRing`), not as strings: a kept
 * frame lives for several of the station's messages, long enough for V8 to copy it out of the young
 * generation into the old one, where it is garbage soon after. With strings, every frame of every station went
 * that way (half of what a KV server promoted at 5,000 msgs/s, and 6-10% of its CPU at saturation); bytes
 * written into a buffer that lives on cost one copy and nothing to the collector.
 */
import { redactFrameText } from "../protocol/ocppj/secret_values.ts";

export interface FrameLogEntry {
  at: string;
  direction: "in" | "out";
  frame: string;
}

/** Frames longer than this are cut; the log is for reading, not for replay. */
const MAX_FRAME_CHARS = 2000;

/** Flags of a kept frame. */
const OUT = 1;
/** The frame was redacted (and cut) when kept; a short one is redacted when read. */
const REDACTED = 2;

/** A station's first buffer; it grows when its last N frames do not fit, and shrinks when far too big. */
const INITIAL_BYTES = 512;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Where a frame is encoded before it is copied into its ring (UTF-8: at most 3 bytes per UTF-16 unit). */
let scratch = new Uint8Array(4 * 1024);

/** A kept frame, as read back. */
interface KeptFrame {
  at: number;
  flags: number;
  text: string;
}

/**
 * One station's last frames, oldest first: their bytes one after another in a buffer, and per frame slot its
 * time, start, length and flags in number arrays (doubles and small integers, written in place: no object per
 * frame). A frame is appended after the newest; when it does not fit before the end, the kept frames move to
 * the buffer's start (the dropped ones' bytes are gone then), and the buffer grows when that is not enough.
 */
class ByteRing {
  older: ByteRing | null = null;
  newer: ByteRing | null = null;
  #bytes = new Uint8Array(INITIAL_BYTES);
  /** Where the next frame's bytes go: the end of the newest frame. */
  #write = 0;
  /** Slot of the oldest frame, and how many are kept. */
  #first = 0;
  #count = 0;
  readonly #at: number[];
  readonly #start: number[];
  /** length * 4 + flags. */
  readonly #info: number[];

  constructor(readonly id: string, readonly slots: number) {
    this.#at = new Array<number>(slots).fill(0.5); // Doubles from the start: kept unboxed.
    this.#start = new Array<number>(slots).fill(0);
    this.#info = new Array<number>(slots).fill(0);
  }

  get size(): number {
    return this.#count;
  }

  push(at: number, flags: number, text: string): void {
    const length = encodeToScratch(text);
    if (this.#count === this.slots) this.#dropOldest();
    if (this.#write + length > this.#bytes.length) {
      const needed = this.#used() + length;
      // Grown by half again what is needed, so the next frames fit without moving the kept ones at once.
      const capacity = needed > this.#bytes.length ? Math.ceil(needed * 1.5) : this.#bytes.length;
      this.#moveTo(capacity);
    }
    this.#bytes.set(scratch.subarray(0, length), this.#write);
    const slot = (this.#first + this.#count) % this.slots;
    this.#at[slot] = at;
    this.#start[slot] = this.#write;
    this.#info[slot] = length * 4 + flags;
    this.#count++;
    this.#write += length;
    // A station that once sent large frames gives the room back once its frames are small again.
    const used = this.#used();
    if (this.#bytes.length > INITIAL_BYTES && this.#bytes.length > used * 4) {
      this.#moveTo(Math.max(INITIAL_BYTES, Math.ceil(used * 1.5)));
    }
  }

  /** Oldest first. */
  frames(): KeptFrame[] {
    const out: KeptFrame[] = [];
    for (let k = 0; k < this.#count; k++) {
      const slot = (this.#first + k) % this.slots;
      const info = this.#info[slot]!;
      const start = this.#start[slot]!;
      out.push({
        at: this.#at[slot]!,
        flags: info & 3,
        text: decoder.decode(this.#bytes.subarray(start, start + (info >>> 2))),
      });
    }
    return out;
  }

  /** Forgets the frames older than `cutoff` (ms); returns how many went. */
  dropBefore(cutoff: number): number {
    let dropped = 0;
    while (this.#count > 0 && this.#at[this.#first]! < cutoff) {
      this.#dropOldest();
      dropped++;
    }
    return dropped;
  }

  /** Bytes of the kept frames: they are contiguous, from the oldest's start to the newest's end. */
  #used(): number {
    return this.#count === 0 ? 0 : this.#write - this.#start[this.#first]!;
  }

  #dropOldest(): void {
    this.#first = (this.#first + 1) % this.slots;
    this.#count--;
    if (this.#count === 0) this.#first = this.#write = 0;
  }

  /** The kept frames, oldest first, at the start of a buffer of `capacity` bytes (this one when as large). */
  #moveTo(capacity: number): void {
    const from = this.#bytes;
    const to = capacity === from.length ? from : new Uint8Array(capacity);
    const offset = this.#count === 0 ? 0 : this.#start[this.#first]!;
    // The kept frames are contiguous, from the oldest's start to the newest's end.
    if (to === from) from.copyWithin(0, offset, this.#write);
    else to.set(from.subarray(offset, this.#write));
    for (let k = 0; k < this.#count; k++) this.#start[(this.#first + k) % this.slots]! -= offset;
    this.#bytes = to;
    this.#write -= offset;
  }
}

/** Encodes `text` into `scratch` (grown when needed); returns its byte length. */
function encodeToScratch(text: string): number {
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(text.length * 3);
  return encoder.encodeInto(text, scratch).written;
}

export class FrameLog {
  #rings = new Map<string, ByteRing>();
  /** The rings from the least to the most recently active station: moving one to the end is a few pointers. */
  #oldest: ByteRing | null = null;
  #newest: ByteRing | null = null;

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
      ring = new ByteRing(chargePointId, this.perStation);
      this.#rings.set(chargePointId, ring);
      this.#append(ring);
    }
    const long = frame.length > MAX_FRAME_CHARS;
    const flags = (direction === "out" ? OUT : 0) | (long ? REDACTED : 0);
    ring.push(at.getTime(), flags, long ? cutRedacted(frame) : frame);
  }

  /** Forgets the frames older than `before` (retention); returns how many went. */
  pruneBefore(before: Date): number {
    const cutoff = before.getTime();
    let pruned = 0;
    for (const ring of [...this.#rings.values()]) {
      pruned += ring.dropBefore(cutoff);
      if (ring.size === 0) this.#forget(ring);
    }
    return pruned;
  }

  /** Oldest first; [] for a station we have no frames of. */
  list(chargePointId: string): FrameLogEntry[] {
    const ring = this.#rings.get(chargePointId);
    if (!ring) return [];
    return ring.frames().map((f) => ({
      at: new Date(f.at).toISOString(),
      direction: f.flags & OUT ? "out" : "in",
      frame: f.flags & REDACTED ? f.text : redacted(f.text),
    }));
  }

  /** Station ids from the least to the most recently active (the order stations are forgotten in). */
  stations(): string[] {
    const ids: string[] = [];
    for (let ring = this.#oldest; ring; ring = ring.newer) ids.push(ring.id);
    return ids;
  }

  #forget(ring: ByteRing): void {
    this.#unlink(ring);
    this.#rings.delete(ring.id);
  }

  #unlink(ring: ByteRing): void {
    if (ring.older) ring.older.newer = ring.newer;
    else this.#oldest = ring.newer;
    if (ring.newer) ring.newer.older = ring.older;
    else this.#newest = ring.older;
    ring.older = ring.newer = null;
  }

  #append(ring: ByteRing): void {
    ring.older = this.#newest;
    if (this.#newest) this.#newest.newer = ring;
    else this.#oldest = ring;
    this.#newest = ring;
  }
}

/** A frame with its secrets redacted; never throws (the note for an unreadable frame is built only then). */
function redacted(frame: string): string {
  try {
    return redactFrameText(frame);
  } catch {
    return `[frame of ${frame.length} characters, not readable]`;
  }
}

/** What is kept of a long frame: its secrets redacted, then cut to its start (never inside a character). */
function cutRedacted(frame: string): string {
  const text = redacted(frame);
  if (text.length <= MAX_FRAME_CHARS) return text;
  const splitsPair = isHighSurrogate(text.charCodeAt(MAX_FRAME_CHARS - 1));
  return `${text.slice(0, splitsPair ? MAX_FRAME_CHARS - 1 : MAX_FRAME_CHARS)}…`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
