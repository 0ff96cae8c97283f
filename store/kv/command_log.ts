/**
 * The command log on Deno KV: `["cmd", cpId, requestedAt, seq]`, newest first by requestedAt. An entry over
 * one KV value keeps the start of its payload's and response's JSON (`cutJson`).
 */
import type { StationChanges } from "../../model/changes.ts";
import type { CommandLogEntry } from "../../model/command_log.ts";
import { cutJson, fitsOneValue } from "./fit.ts";
import { type Sequence, values } from "./keys.ts";
import type { WriteSet } from "./write_set.ts";

export class KvCommandLog {
  constructor(private readonly kv: Deno.Kv) {}

  async listCommandLog(chargePointId: string, limit: number): Promise<CommandLogEntry[]> {
    return await values<CommandLogEntry>(this.kv, ["cmd", chargePointId], limit, true);
  }
}

export function planCommandLog(changes: StationChanges, set: WriteSet, seq: Sequence): void {
  for (const entry of changes.commandLog ?? []) {
    const kept = fitsOneValue(entry)
      ? entry
      : { ...entry, payload: cutJson(entry.payload), response: cutJson(entry.response) };
    set.set(["cmd", entry.chargePointId, entry.requestedAt, seq.next()], kept);
  }
}
