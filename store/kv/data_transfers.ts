/**
 * The DataTransferStore on Deno KV.
 *
 * Layout: `["dt", id]` DataTransferRecord with `["dt_cp", cpId, id]` -> true; `["dt_rule", vendorId,
 * messageId]` DataTransferRule. A record over one KV value keeps the start of its data (`cutText`).
 */
import type { DataTransferRecord, DataTransferRule, DataTransferStore } from "../fleet.ts";
import { cutText, fitsOneValue } from "./fit.ts";
import { getMany, listAll } from "./kv_helpers.ts";

const key = (id: string): Deno.KvKey => ["dt", id];
const byCpKey = (cp: string, id: string): Deno.KvKey => ["dt_cp", cp, id];
const ruleKey = (vendorId: string, messageId: string): Deno.KvKey => ["dt_rule", vendorId, messageId];

export class KvDataTransferStore implements DataTransferStore {
  constructor(private readonly kv: Deno.Kv) {}

  async appendDataTransfer(record: DataTransferRecord): Promise<void> {
    const kept = fitsOneValue(record)
      ? record
      : { ...record, data: cutText(record.data), responseData: cutText(record.responseData) };
    await this.kv.atomic().set(key(record.id), kept).set(byCpKey(record.chargePointId, record.id), true)
      .commit();
  }

  async listDataTransfers(
    query: { chargePointId?: string; before?: string; limit: number },
  ): Promise<DataTransferRecord[]> {
    if (query.chargePointId === undefined) {
      const selector: Deno.KvListSelector = query.before === undefined
        ? { prefix: ["dt"] }
        : { prefix: ["dt"], end: key(query.before) };
      return (await listAll<DataTransferRecord>(this.kv, selector, { reverse: true, limit: query.limit }))
        .map((e) => e.value);
    }
    const prefix = ["dt_cp", query.chargePointId];
    const selector: Deno.KvListSelector = query.before === undefined
      ? { prefix }
      : { prefix, end: [...prefix, query.before] };
    const pointers = await listAll(this.kv, selector, { reverse: true, limit: query.limit });
    const records = await getMany<DataTransferRecord>(this.kv, pointers.map((p) => key(p.key[2] as string)));
    return records.flatMap((e) => (e.value ? [e.value] : []));
  }

  async pruneDataTransfers(before: string, max: number): Promise<number> {
    const old = await listAll<DataTransferRecord>(this.kv, { prefix: ["dt"], end: ["dt", before] }, {
      limit: max,
    });
    for (let i = 0; i < old.length; i += 100) {
      const op = this.kv.atomic();
      for (const e of old.slice(i, i + 100)) {
        op.delete(e.key).delete(byCpKey(e.value.chargePointId, e.value.id));
      }
      await op.commit();
    }
    return old.length;
  }

  async putRule(rule: DataTransferRule): Promise<void> {
    await this.kv.set(ruleKey(rule.vendorId, rule.messageId), rule);
  }

  async getRule(vendorId: string, messageId: string): Promise<DataTransferRule | null> {
    return (await this.kv.get<DataTransferRule>(ruleKey(vendorId, messageId))).value;
  }

  async listRules(): Promise<DataTransferRule[]> {
    return (await listAll<DataTransferRule>(this.kv, { prefix: ["dt_rule"] })).map((e) => e.value);
  }

  async deleteRule(vendorId: string, messageId: string): Promise<boolean> {
    const entry = await this.kv.get(ruleKey(vendorId, messageId));
    if (entry.versionstamp === null) return false;
    return (await this.kv.atomic().check(entry).delete(entry.key).commit()).ok;
  }
}
