/**
 * DataTransfer from stations (OCPP 1.6 §4.3): each message is stored with the answer it got, and the answer
 * comes from the rules operators set per vendorId and messageId (answerDataTransfer), with no code change.
 * The rules are cached for a few seconds (changes made through this process apply at once).
 */
import type { DataTransferDesk as Desk } from "../actors/handlers/data_transfer.ts";
import type { RequestOf, ResponseOf } from "../protocol/ocpp16/mod.ts";
import type {
  DataTransferRecord,
  DataTransferRule,
  DataTransferRuleChange,
  DataTransferStore,
} from "../store/fleet.ts";
import { answerDataTransfer } from "./data_transfer_answer.ts";

export interface DataTransferDeskDeps {
  dataTransfers: DataTransferStore;
  now: () => Date;
  newId: (now: Date) => string;
  cacheMs?: number;
}

export class DataTransferDesk implements Desk {
  #rules: { at: number; list: DataTransferRule[] } | null = null;

  constructor(private readonly deps: DataTransferDeskDeps) {}

  /** The answer for a station's DataTransfer.req, from the current rules. */
  async answer(request: RequestOf<"DataTransfer">): Promise<ResponseOf<"DataTransfer">> {
    return answerDataTransfer(await this.#rulesNow(), request.vendorId, request.messageId);
  }

  /** Stores a message with the answer it gets; resolves once it is stored. */
  async record(
    chargePointId: string,
    request: RequestOf<"DataTransfer">,
    response: ResponseOf<"DataTransfer">,
    receivedAt: Date,
  ): Promise<void> {
    const record: DataTransferRecord = {
      id: this.deps.newId(receivedAt),
      chargePointId,
      vendorId: request.vendorId,
      messageId: request.messageId ?? null,
      data: request.data ?? null,
      receivedAt: receivedAt.toISOString(),
      status: response.status,
      responseData: response.data ?? null,
    };
    await this.deps.dataTransfers.appendDataTransfer(record);
  }

  /** `DataTransferStore.changeRule`; the change applies here at once (not after the cache's few seconds). */
  async changeRule(
    vendorId: string,
    messageId: string,
    change: (vendorRules: readonly DataTransferRule[]) => DataTransferRuleChange,
  ): Promise<{ before: DataTransferRule | null; after: DataTransferRule | null }> {
    try {
      return await this.deps.dataTransfers.changeRule(vendorId, messageId, change);
    } finally {
      this.#rules = null;
    }
  }

  async #rulesNow(): Promise<DataTransferRule[]> {
    const nowMs = this.deps.now().getTime();
    if (this.#rules && nowMs - this.#rules.at < (this.deps.cacheMs ?? 5000)) return this.#rules.list;
    const list = await this.deps.dataTransfers.listRules();
    this.#rules = { at: nowMs, list };
    return list;
  }
}
