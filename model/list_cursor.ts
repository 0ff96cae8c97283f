/**
 * The cursor of a list read newest first by a time that several records may share (the certificates issued,
 * the files uploaded): the time and the id of the last record of a page. The next page starts strictly after
 * it in the order (time descending, id descending), so records of equal time are neither repeated nor
 * skipped. On the wire: `<ISO time>_<id>` (an ISO time has no `_`).
 *
 * @example
 * ```ts
 * const cursor = encodeListCursor({ at: "2024-05-01T10:00:00.000Z", id: "0a1b" }); // "2024-05-01T10:00:00.000Z_0a1b"
 * decodeListCursor(cursor, (id) => /^[0-9a-f]+$/.test(id)); // { at: "2024-05-01T10:00:00.000Z", id: "0a1b" }
 * ```
 */
export interface ListCursor {
  /** ISO time, milliseconds, UTC (`toISOString()`). */
  at: string;
  id: string;
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Year 0 has the form but no store's date: PostgreSQL refuses it (an error, not a page). */
const FIRST_YEAR = "0001";

export function encodeListCursor(cursor: ListCursor): string {
  return `${cursor.at}_${cursor.id}`;
}

/**
 * The cursor `text` spells, or null when it is not one (a time not of `toISOString()`'s form or before the year
 * 1, a bad id).
 */
export function decodeListCursor(text: string, isId: (id: string) => boolean): ListCursor | null {
  const cut = text.indexOf("_");
  if (cut < 0) return null;
  const at = text.slice(0, cut);
  const id = text.slice(cut + 1);
  if (!ISO_MS.test(at) || Number.isNaN(Date.parse(at)) || new Date(at).toISOString() !== at) return null;
  if (at < FIRST_YEAR) return null;
  return isId(id) ? { at, id } : null;
}

/**
 * Whether `id` has the shape of a station history's sequence (the status, command and file transfer
 * histories): what orders entries of one time in the store, the KV key's `seq` (`Sequence`, base 36 with dots)
 * or PostgreSQL's `seq` column (digits). Which of the two a store takes, it alone knows
 * (`ForeignCursorError`).
 */
export function isHistorySequence(id: string): boolean {
  return /^[0-9a-z.]{1,40}$/.test(id);
}

/** A cursor whose id is no sequence of the store read (another store's, or made up): the request is refused. */
export class ForeignCursorError extends Error {
  constructor(readonly cursor: ListCursor) {
    super(`Cannot page from "${encodeListCursor(cursor)}": not a cursor of this list`);
    this.name = "ForeignCursorError";
  }
}

/**
 * A station's meter value rows are ordered, within one time, by the entry that holds them (its sequence, as
 * in the other histories) and their position in it (a MeterValues element's sampled values): the cursor's id
 * is both, `<sequence>-<position>`.
 */
export interface MeterValueCursor {
  at: string;
  seq: string;
  position: number;
}

export function meterValueCursorId(seq: string, position: number): string {
  return `${seq}-${position}`;
}

/** Whether `id` has the shape of a meter value cursor's id (which store's, only the store knows). */
export function isMeterValueCursorId(id: string): boolean {
  return /^[0-9a-z.]{1,40}-[0-9]{1,5}$/.test(id);
}

/** The sequence and position a meter value cursor names, or null when its id is not of that shape. */
export function parseMeterValueCursor(cursor: ListCursor): MeterValueCursor | null {
  if (!isMeterValueCursorId(cursor.id)) return null;
  const cut = cursor.id.lastIndexOf("-");
  return { at: cursor.at, seq: cursor.id.slice(0, cut), position: Number(cursor.id.slice(cut + 1)) };
}
