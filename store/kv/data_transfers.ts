/**
 * The DataTransferStore on Deno KV.
 *
 * Layout: `["dt", id]` DataTransferRecord with `["dt_cp", cpId, id]` -> true; `["dt_rule", vendorId,
 * messageId]` DataTransferRule, with `["dt_rule_vendor", vendorId]` -> a count changed with every change of
 * the vendor's rules, which a change checks so that it decided on the rules as they are (a rule added
 * meanwhile too). A rule written before versions is version 1. A record over one KV value keeps the start of its data (`cutText`).
 */
import type {
  DataTransferRecord,
  DataTransferRule,
  DataTransferRuleChange,
  DataTransferStore,
} from "../fleet.ts";
import { decideRuleChange } from "../data_transfer_rule_change.ts";
import { cutText, fitsOneValue } from "./fit.ts";
import { getMany, listAll } from "./kv_helpers.ts";

const key = (id: string): Deno.KvKey => ["dt", id];
const byCpKey = (cp: string, id: string): Deno.KvKey => ["dt_cp", cp, id];
const ruleKey = (vendorId: string, messageId: string): Deno.KvKey => ["dt_rule", vendorId, messageId];
const vendorChangesKey = (vendorId: string): Deno.KvKey => ["dt_rule_vendor", vendorId];
const withVersion = (rule: DataTransferRule): DataTransferRule => ({ ...rule, version: rule.version ?? 1 });

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

  async changeRule(
    vendorId: string,
    messageId: string,
    change: (vendorRules: readonly DataTransferRule[]) => DataTransferRuleChange,
  ): Promise<{ before: DataTransferRule | null; after: DataTransferRule | null }> {
    for (;;) {
      // The count first: a change committed after it is read fails the check below, even one the list saw.
      const changes = await this.kv.get<bigint>(vendorChangesKey(vendorId));
      const vendorRules = (await listAll<DataTransferRule>(this.kv, { prefix: ["dt_rule", vendorId] }))
        .map((e) => withVersion(e.value));
      const decided = decideRuleChange(vendorRules, messageId, change);
      const op = this.kv.atomic().check(changes).set(vendorChangesKey(vendorId), (changes.value ?? 0n) + 1n);
      if (decided.after === null) op.delete(ruleKey(vendorId, messageId));
      else op.set(ruleKey(vendorId, messageId), decided.after);
      if ((await op.commit()).ok) return decided;
    }
  }

  async getRule(vendorId: string, messageId: string): Promise<DataTransferRule | null> {
    const rule = (await this.kv.get<DataTransferRule>(ruleKey(vendorId, messageId))).value;
    return rule === null ? null : withVersion(rule);
  }

  async listRules(): Promise<DataTransferRule[]> {
    return (await listAll<DataTransferRule>(this.kv, { prefix: ["dt_rule"] })).map((e) =>
      withVersion(e.value)
    );
  }
}
