/**
 * Newest connection wins, across nodes: of two connections of one station, the later start wins; a tie (the
 * same millisecond on two nodes) goes to the greater node id. One rule for the registries (which socket to
 * close) and the presence stores (which node the row names), so the row never names the node whose socket
 * was closed: its release would then leave the station without a row, offline while connected. The
 * PostgreSQL presence (`cluster/postgres.ts`) says the same in SQL. The stores keep a stale connection's
 * snapshot off a newer one's by it too (PostgreSQL's `writeSnapshots` in SQL, KV's `planStation`). In
 * `model/` (pure) so that actors, cluster and stores can use it.
 */
export interface Connection {
  connectedAt: string;
  nodeId: string;
}

/** Whether `challenger` replaces `current` (the same connection again does: a claim repeated). */
export function replaces(challenger: Connection, current: Connection): boolean {
  if (challenger.connectedAt !== current.connectedAt) return challenger.connectedAt > current.connectedAt;
  return challenger.nodeId >= current.nodeId;
}

/**
 * When a new connection of a station starts, as the cluster orders it: the node's clock, but after every
 * connection of that station the node knows of as it opens (they started before it, whatever the clocks say).
 * Else a station reconnecting to a node whose clock is behind the old connection's node lost to its own old
 * connection, perhaps half-open: its new socket closed 4000 and the old one kept its presence, until the
 * clocks' skew had passed.
 *
 * @example
 * ```ts
 * import { startAfter } from "./newest_connection.ts";
 * const old = { connectedAt: "2026-12-06T10:00:05.000Z", nodeId: "ahead" };
 * startAfter(new Date("2026-12-06T10:00:02.000Z"), [old]).toISOString(); // "2026-12-06T10:00:05.001Z"
 * ```
 */
export function startAfter(now: Date, known: readonly (Connection | null | undefined)[]): Date {
  let ms = now.getTime();
  for (const k of known) {
    const at = k ? Date.parse(k.connectedAt) : NaN;
    if (at >= ms) ms = at + 1;
  }
  return ms === now.getTime() ? now : new Date(ms);
}

/**
 * The connection a new actor writes its station's snapshot as: its own, or, when the writer the store held at
 * its load does not order before it, just after that writer. A connection loaded after a writer's write started
 * after that writer's connection, whatever the clocks say: a node whose clock ran ahead (or this one's, before
 * it was stepped back) left a start no later connection's clock passes, and each of the station's next
 * connections was refused its every write (closed 4000, reconnecting, refused again) until the clock caught up.
 * A node frozen past its lease still cannot write: its connection was loaded before the newer one's.
 *
 * @example
 * ```ts
 * import { writerAfter } from "./newest_connection.ts";
 * const stored = { connectedAt: "2026-12-06T10:10:00.000Z", nodeId: "b" };
 * writerAfter({ connectedAt: "2026-12-06T10:00:00.000Z", nodeId: "a" }, stored);
 * // { connectedAt: "2026-12-06T10:10:00.001Z", nodeId: "a" }
 * ```
 */
export function writerAfter(own: Connection, stored: Connection | null): Connection {
  if (stored === null || !replaces(stored, own)) return own;
  return { connectedAt: new Date(Date.parse(stored.connectedAt) + 1).toISOString(), nodeId: own.nodeId };
}

/** Where a store puts, on a record it read, the connection that last wrote it (not enumerable: never listed). */
const STORED_WRITER = Symbol("storedWriter");

/**
 * `record` with the connection that wrote it, as the stores read it (`writerAfter`): a property no spread,
 * JSON or comparison sees, so it stays the store's and the loading actor's business.
 */
export function withStoredWriter<T extends object>(record: T, writer: Connection | null | undefined): T {
  if (writer) Object.defineProperty(record, STORED_WRITER, { value: writer, enumerable: false });
  return record;
}

/** The connection that last wrote `record` when a store read it (`withStoredWriter`), or null. */
export function storedWriterOf(record: object | null): Connection | null {
  return (record as { [STORED_WRITER]?: Connection } | null)?.[STORED_WRITER] ?? null;
}
