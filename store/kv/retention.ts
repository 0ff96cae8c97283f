/**
 * Retention on Deno KV: deletes old meter values, status history and command log entries in batches, on the
 * keys the Store's KV layout documents (store/kv/keys.ts): a station's list `["mv_cp", cpId, timestamp, ..]`
 * holds its groups (their `seq` in the value, see `groupSeq`) and pointers to the other meter values' entries
 * (a row, or a group of the layout before), each with `["mv_tx", transactionId, timestamp, seq]` and
 * `["mv_rx", transactionId, receivedAt, seq]` beside it,
 * `["cp_status", cpId, receivedAt, seq]` and `["cmd", cpId, requestedAt, seq]`. KV has no index by time across
 * stations, so each call walks the stations from where the last one stopped.
 */
import type { RetentionStore } from "../fleet.ts";
import { AtomicBatches, getMany } from "./kv_helpers.ts";
import { commandIdKey, commandSendingKey } from "./command_log.ts";
import { statusReportKey } from "./charge_points.ts";
import type { StatusHistoryEntry } from "../../model/status_history.ts";
import { drainMeterJournals } from "./meter_journal.ts";
import { decodeGroup, entryRows, groupSeq, isInlineGroup, transactionPointers } from "./meter_values.ts";

/** Entries per atomic: each is four deletions. */
const ROWS_PER_ATOMIC = 100;

export class KvRetentionStore implements RetentionStore {
  /** Where the last call stopped, per kind: the next call starts there (a hint; any value is correct). */
  #cursor = { mv: "", status: "", cmd: "" };

  constructor(private readonly kv: Deno.Kv) {}

  /**
   * Counts meter values (rows), at most `max`, except that a group is deleted whole: a group larger than
   * `max` at the head of a station's old values is deleted alone, so every call makes progress.
   */
  async pruneMeterValues(before: string, max: number): Promise<number> {
    // Groups still in a meter journal are not in the stations' lists yet.
    await drainMeterJournals(this.kv);
    return await this.#walk("mv", max, async (cp, budget) => {
      const listed: Deno.KvEntry<unknown>[] = [];
      const selector = { prefix: ["mv_cp", cp], end: ["mv_cp", cp, before] };
      for await (const e of this.kv.list<unknown>(selector, { limit: budget })) listed.push(e);
      let deleted = 0;
      let full = false;
      for (let i = 0; i < listed.length && !full; i += ROWS_PER_ATOMIC) {
        const slice = listed.slice(i, i + ROWS_PER_ATOMIC);
        const pointers = slice.filter((e) => !isInlineGroup(e));
        const pointed = await getMany<unknown>(this.kv, pointers.map((p) => p.value as Deno.KvKey));
        const op = this.kv.atomic();
        for (const listedEntry of slice) {
          // A group in the list is its own entry; a pointer leads to the entry it indexes.
          const inline = isInlineGroup(listedEntry);
          const entry = inline ? listedEntry : pointed[pointers.indexOf(listedEntry)]!;
          const rows = entry.versionstamp === null
            ? []
            : inline
            ? decodeGroup(listedEntry)
            : entryRows(entry as Deno.KvEntry<unknown>);
          if (deleted > 0 && deleted + rows.length > budget) {
            full = true;
            break;
          }
          op.delete(listedEntry.key);
          if (!inline) op.delete(listedEntry.value as Deno.KvKey);
          const seq = inline ? groupSeq(listedEntry) : listedEntry.key[3] as string;
          const first = rows[0];
          if (first !== undefined && first.transactionId !== null && seq !== "") {
            for (const [pointer] of transactionPointers(first, seq, listedEntry.key)) op.delete(pointer);
          }
          // A pointer to nothing (the entry went with another pointer) is still deleted; it counts one.
          deleted += Math.max(rows.length, 1);
        }
        await op.commit();
      }
      return { deleted, full: full || deleted >= budget };
    });
  }

  /** Connector statuses, then the station's file transfer statuses (`["file_status", cpId, receivedAt, seq]`). */
  async pruneStatusHistory(before: string, max: number): Promise<number> {
    return await this.#walk("status", max, async (cp, budget) => {
      // A report's key goes with its entry (a copy of it is stored again after that).
      const statuses = await this.#deleteBefore(
        ["cp_status", cp],
        before,
        budget,
        (e) => [statusReportKey(e.value as StatusHistoryEntry)],
      );
      if (statuses.full) return statuses;
      const files = await this.#deleteBefore(["file_status", cp], before, budget - statuses.deleted);
      return { deleted: statuses.deleted + files.deleted, full: files.full };
    });
  }

  /** Over the ids the log has entries for, not the stations: a command to an id never stored is logged too. */
  async pruneCommandLog(before: string, max: number): Promise<number> {
    return await this.#walk(
      "cmd",
      max,
      // A row's pointers by id go with it.
      (cp, budget) =>
        this.#deleteBefore(["cmd", cp], before, budget, (e) => {
          const id = (e.value as { id?: unknown } | null)?.id;
          return typeof id === "string" ? [commandIdKey(id), commandSendingKey(id)] : [];
        }),
      (from, to) => this.#loggedIds(from, to),
    );
  }

  /** The ids the command log has entries for, from `from` and before `to` (null: to the end), in order. */
  async *#loggedIds(from: string, to: string | null): AsyncIterable<string> {
    for (let low = from; to === null || low < to;) {
      const selector: Deno.KvListSelector = to === null
        ? { prefix: ["cmd"], start: ["cmd", low] }
        : { start: ["cmd", low], end: ["cmd", to] };
      let id: string | null = null;
      for await (const entry of this.kv.list(selector, { limit: 1 })) id = entry.key[1] as string;
      if (id === null) return;
      yield id;
      // Past every key of this id ("\0" sorts after the id and before any longer id).
      low = `${id}\0`;
    }
  }

  /** Deletes up to `budget` entries under `prefix` whose next key part (a time) is before `before`. */
  async #deleteBefore(
    prefix: Deno.KvKey,
    before: string,
    budget: number,
    alsoDelete: (entry: Deno.KvEntry<unknown>) => Deno.KvKey[] = () => [],
  ): Promise<{ deleted: number; full: boolean }> {
    const keys: Deno.KvKey[] = [];
    let deleted = 0;
    for await (const e of this.kv.list({ prefix, end: [...prefix, before] }, { limit: budget })) {
      keys.push(e.key, ...alsoDelete(e));
      deleted++;
    }
    const batches = new AtomicBatches(this.kv, ROWS_PER_ATOMIC * 3);
    for (const key of keys) await batches.add((op) => op.delete(key));
    await batches.flush();
    return { deleted, full: deleted >= budget };
  }

  /**
   * Calls `prune` station by station (from the cursor, wrapping once) until `max` rows are deleted or a
   * station's old rows fill what is left of it (`full`). `ids`: the stations in order from `from` and before
   * `to` (null: to the end); default, those with a record.
   */
  async #walk(
    kind: "mv" | "status" | "cmd",
    max: number,
    prune: (chargePointId: string, budget: number) => Promise<{ deleted: number; full: boolean }>,
    ids: (from: string, to: string | null) => AsyncIterable<string> = (from, to) => this.#storedIds(from, to),
  ): Promise<number> {
    let deleted = 0;
    const start = this.#cursor[kind];
    for (const [from, to] of [[start, null], ["", start]] as const) {
      for await (const cp of ids(from, to)) {
        const out = await prune(cp, max - deleted);
        deleted += out.deleted;
        if (out.full) {
          // This station may have more: start with it next time.
          this.#cursor[kind] = cp;
          return deleted;
        }
      }
      if (start === "") break;
    }
    this.#cursor[kind] = "";
    return deleted;
  }

  /** The stations with a record, from `from` and before `to` (null: to the end), in order. */
  async *#storedIds(from: string, to: string | null): AsyncIterable<string> {
    if (to !== null && to <= from) return;
    const selector: Deno.KvListSelector = to === null
      ? { prefix: ["cp"], start: ["cp", from] }
      : { start: ["cp", from], end: ["cp", to] };
    for await (const entry of this.kv.list(selector, { batchSize: 200 })) yield entry.key[1] as string;
  }
}
