/**
 * DataTransfer from stations (OCPP 1.6 §4.3): each message is stored with the answer it got, and the answer
 * comes from the rules operators set per vendorId and messageId (answerDataTransfer), with no code change.
 * The rules are cached for a few seconds (changes made through this process apply at once).
 */
import type { DataTransferRecord, DataTransferRule, DataTransferStore } from "../store/fleet.ts";
import { answerDataTransfer, type DataTransferAnswer } from "./data_transfer_answer.ts";

export interface DataTransferDeskDeps {
  dataTransfers: DataTransferStore;
  now: () => Date;
  newId: (now: Date) => string;
  cacheMs?: number;
}

export class DataTransferDesk {
  #rules: { at: number; list: DataTransferRule[] } | null = null;

  constructor(private readonly deps: DataTransferDeskDeps) {}

  /** The answer for a station's DataTransfer.req, from the current rules. */
  async answer(vendorId: string, messageId: string | undefined): Promise<DataTransferAnswer> {
    return answerDataTransfer(await this.#rulesNow(), vendorId, messageId);
  }

  /** The record to store for a message and its answer. */
  record(
    chargePointId: string,
    request: { vendorId: string; messageId?: string; data?: string },
    answer: DataTransferAnswer,
    receivedAt: Date,
  ): DataTransferRecord {
    return {
      id: this.deps.newId(receivedAt),
      chargePointId,
      vendorId: request.vendorId,
      messageId: request.messageId ?? null,
      data: request.data ?? null,
      receivedAt: receivedAt.toISOString(),
      status: answer.status,
      responseData: answer.data ?? null,
    };
  }

  async putRule(rule: DataTransferRule): Promise<void> {
    await this.deps.dataTransfers.putRule(rule);
    this.#rules = null;
  }

  async deleteRule(vendorId: string, messageId: string): Promise<boolean> {
    const deleted = await this.deps.dataTransfers.deleteRule(vendorId, messageId);
    this.#rules = null;
    return deleted;
  }

  async #rulesNow(): Promise<DataTransferRule[]> {
    const nowMs = this.deps.now().getTime();
    if (this.#rules && nowMs - this.#rules.at < (this.deps.cacheMs ?? 5000)) return this.#rules.list;
    const list = await this.deps.dataTransfers.listRules();
    this.#rules = { at: nowMs, list };
    return list;
  }
}
