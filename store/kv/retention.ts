/**
 * Retention on Deno KV: deletes old meter values and status history in batches, on the keys the Store's KV
 * layout documents (store/kv.ts): `["mv_cp", cpId, timestamp, seq]` -> the meter value's key, with
 * `["mv_tx", transactionId, timestamp, seq]` beside it, and `["cp_status", cpId, receivedAt, seq]`. KV has no
 * index by time across stations, so each call walks the stations from where the last one stopped.
 */
import type { MeterValueRow } from "../../model/meter_value.ts";
import type { RetentionStore } from "../fleet.ts";
import { getMany } from "./kv_helpers.ts";

/** Meter values per atomic: each is three deletions. */
const ROWS_PER_ATOMIC = 100;

export class KvRetentionStore implements RetentionStore {
  /** Where the last call stopped, per kind: the next call starts there (a hint; any value is correct). */
  #cursor = { mv: "", status: "" };

  constructor(private readonly kv: Deno.Kv) {}

  async pruneMeterValues(before: string, max: number): Promise<number> {
    return await this.#walk("mv", max, async (cp, budget) => {
      const pointers: Deno.KvEntry<Deno.KvKey>[] = [];
      const selector = { prefix: ["mv_cp", cp], end: ["mv_cp", cp, before] };
      for await (const e of this.kv.list<Deno.KvKey>(selector, { limit: budget })) pointers.push(e);
      let deleted = 0;
      for (let i = 0; i < pointers.length; i += ROWS_PER_ATOMIC) {
        const slice = pointers.slice(i, i + ROWS_PER_ATOMIC);
        const rows = await getMany<MeterValueRow>(this.kv, slice.map((p) => p.value));
        const op = this.kv.atomic();
        for (const [j, pointer] of slice.entries()) {
          const row = rows[j]?.value;
          op.delete(pointer.key).delete(pointer.value);
          if (row && row.transactionId !== null) {
            op.delete(["mv_tx", row.transactionId, pointer.key[2] as string, pointer.key[3] as string]);
          }
        }
        await op.commit();
        deleted += slice.length;
      }
      return deleted;
    });
  }

  async pruneStatusHistory(before: string, max: number): Promise<number> {
    return await this.#walk("status", max, async (cp, budget) => {
      const keys: Deno.KvKey[] = [];
      const selector = { prefix: ["cp_status", cp], end: ["cp_status", cp, before] };
      for await (const e of this.kv.list(selector, { limit: budget })) keys.push(e.key);
      for (let i = 0; i < keys.length; i += ROWS_PER_ATOMIC * 3) {
        const op = this.kv.atomic();
        for (const k of keys.slice(i, i + ROWS_PER_ATOMIC * 3)) op.delete(k);
        await op.commit();
      }
      return keys.length;
    });
  }

  /** Calls `prune` station by station (from the cursor, wrapping once) until `max` rows are deleted. */
  async #walk(
    kind: "mv" | "status",
    max: number,
    prune: (chargePointId: string, budget: number) => Promise<number>,
  ): Promise<number> {
    let deleted = 0;
    const start = this.#cursor[kind];
    for (const range of [{ from: start, to: null }, { from: "", to: start }]) {
      const selector: Deno.KvListSelector = range.to === null
        ? { prefix: ["cp"], start: ["cp", range.from] }
        : { prefix: ["cp"], end: ["cp", range.to] };
      for await (const e of this.kv.list(selector, { batchSize: 200 })) {
        const cp = e.key[1] as string;
        deleted += await prune(cp, max - deleted);
        if (deleted >= max) {
          // This station may have more: start with it next time.
          this.#cursor[kind] = cp;
          return deleted;
        }
      }
      if (range.to === null && start === "") break;
    }
    this.#cursor[kind] = "";
    return deleted;
  }
}
