/** File transfer status history on Deno KV: `["file_status", cpId, receivedAt, seq]`, newest first. */
import type { StationChanges } from "../../model/changes.ts";
import type { FileStatusEntry } from "../../model/file_status.ts";
import type { HistoryPage, HistoryPageRequest } from "../mod.ts";
import { historyPage, type Sequence, values } from "./keys.ts";
import type { WriteSet } from "./write_set.ts";

export class KvFileStatus {
  constructor(private readonly kv: Deno.Kv) {}

  async listFileStatus(chargePointId: string, limit: number): Promise<FileStatusEntry[]> {
    return await values<FileStatusEntry>(this.kv, ["file_status", chargePointId], limit, true);
  }

  async pageFileStatus(
    chargePointId: string,
    page: HistoryPageRequest,
  ): Promise<HistoryPage<FileStatusEntry>> {
    return await historyPage<FileStatusEntry>(this.kv, ["file_status", chargePointId], page);
  }
}

export function planFileStatus(changes: StationChanges, set: WriteSet, seq: Sequence): void {
  for (const entry of changes.fileStatus ?? []) {
    set.set(["file_status", entry.chargePointId, entry.receivedAt, seq.next()], entry);
  }
}
