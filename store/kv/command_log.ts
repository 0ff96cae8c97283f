/**
 * The command log on Deno KV: `["cmd", cpId, requestedAt, seq]`, newest first by requestedAt, with
 * `["cmd_id", id]` -> `{ key }` (the row of an id, to settle it in place) and, while a row is `sending`,
 * `["cmd_sending", id]` -> `{ key, nodeId, requestedAt }` (what the sweep of lost nodes reads). An entry over
 * one KV value keeps the start of its payload's and response's JSON (`cutJson`).
 */
import type { StationChanges } from "../../model/changes.ts";
import { type CommandLogEntry, NODE_LOST_RESPONSE, settleCommandRow } from "../../model/command_log.ts";
import { cutJson, fitsOneValue } from "./fit.ts";
import type { HistoryPage, HistoryPageRequest } from "../mod.ts";
import { getAll, historyPage, type Sequence, values } from "./keys.ts";
import type { WriteSet } from "./write_set.ts";

/** The pointer of a command log row by its id. */
export const commandIdKey = (id: string): Deno.KvKey => ["cmd_id", id];
/** A row still `sending`, by its id. */
export const commandSendingKey = (id: string): Deno.KvKey => ["cmd_sending", id];

interface RowPointer {
  key: Deno.KvKey;
}

interface SendingPointer extends RowPointer {
  nodeId: string | null;
  requestedAt: string;
}

/** How many `sending` rows one atomic of the sweep settles (each: a check and three mutations). */
const SWEEP_PER_ATOMIC = 20;

export class KvCommandLog {
  constructor(private readonly kv: Deno.Kv) {}

  async listCommandLog(chargePointId: string, limit: number): Promise<CommandLogEntry[]> {
    return await values<CommandLogEntry>(this.kv, ["cmd", chargePointId], limit, true);
  }

  /**
   * See CommandLogStore: the station's rows from `since` on (its key's time), newest first; the rows of other
   * actions are read and skipped (the hold's lifetime of one station's commands).
   */
  async listCommandLogSince(
    chargePointId: string,
    action: string,
    since: string,
    limit: number,
  ): Promise<CommandLogEntry[]> {
    const out: CommandLogEntry[] = [];
    if (limit <= 0) return out;
    const prefix = ["cmd", chargePointId];
    for await (
      const e of this.kv.list<CommandLogEntry>({ prefix, start: [...prefix, since] }, { reverse: true })
    ) {
      if (e.value.action !== action) continue;
      out.push(e.value);
      if (out.length >= limit) break;
    }
    return out;
  }

  async pageCommandLog(
    chargePointId: string,
    page: HistoryPageRequest,
  ): Promise<HistoryPage<CommandLogEntry>> {
    return await historyPage<CommandLogEntry>(this.kv, ["cmd", chargePointId], page);
  }

  /** See CommandLogStore; each row settled under a check of its value, so two sweeps settle it once. */
  async settleCommandsOfLostNodes(
    liveNodeIds: readonly string[],
    graceMs: number,
    at: string,
  ): Promise<number> {
    const live = new Set(liveNodeIds);
    // One process (or Deno Deploy's isolates, on one clock): the request's time is the write's.
    const sentBefore = new Date(Date.parse(at) - graceMs).toISOString();
    const lost: Deno.KvEntry<SendingPointer>[] = [];
    for await (const e of this.kv.list<SendingPointer>({ prefix: ["cmd_sending"] })) {
      const { nodeId, requestedAt } = e.value;
      if (nodeId !== null && !live.has(nodeId) && requestedAt < sentBefore) lost.push(e);
    }
    let settled = 0;
    for (let i = 0; i < lost.length; i += SWEEP_PER_ATOMIC) {
      const chunk = lost.slice(i, i + SWEEP_PER_ATOMIC);
      const rows = await getAll<CommandLogEntry>(this.kv, chunk.map((e) => e.value.key));
      const op = this.kv.atomic();
      let n = 0;
      rows.forEach((row, k) => {
        const pointer = chunk[k]!;
        op.check(pointer).delete(pointer.key);
        if (row.value === null || row.value.outcome !== "sending") return;
        op.check(row).set(row.key, {
          ...row.value,
          outcome: "unknown",
          response: NODE_LOST_RESPONSE,
          finishedAt: at,
        });
        n++;
      });
      // Another sweep (or the row's settlement) got there first: it is settled, whoever did it.
      if ((await op.commit()).ok) settled += n;
    }
    return settled;
  }
}

/** The keys a commit of `changes` reads before planning its command log: each entry's row pointer. */
export function commandLogPointerKeys(changes: StationChanges): Deno.KvKey[] {
  return (changes.commandLog ?? []).map((e) => commandIdKey(e.id));
}

/**
 * Each entry a new row, or the row its id has settled in place when the entry knows more (`outcomeRank`): the
 * row keeps its place, request and sender, and takes the outcome, answer and finish time. `read` answers the
 * pointer keys and the rows they point to.
 */
export function planCommandLog(
  changes: StationChanges,
  read: (key: Deno.KvKey) => Deno.KvEntryMaybe<unknown>,
  set: WriteSet,
  seq: Sequence,
): void {
  for (const entry of mostKnowingById(changes.commandLog ?? [])) {
    const pointer = read(commandIdKey(entry.id)) as Deno.KvEntryMaybe<RowPointer>;
    if (pointer.value === null) {
      const key: Deno.KvKey = ["cmd", entry.chargePointId, entry.requestedAt, seq.next()];
      set.set(key, fitted(entry));
      set.set(commandIdKey(entry.id), { key } satisfies RowPointer);
      if (entry.outcome === "sending") {
        const sending: SendingPointer = { key, nodeId: entry.nodeId ?? null, requestedAt: entry.requestedAt };
        set.set(commandSendingKey(entry.id), sending);
      }
      continue;
    }
    const row = read(pointer.value.key) as Deno.KvEntryMaybe<CommandLogEntry>;
    // Gone by retention: nothing left to settle.
    if (row.value === null) continue;
    const settled = settleCommandRow(row.value, entry);
    if (settled === null) continue;
    set.check(row);
    set.set(row.key, fitted(settled));
    if (row.value.outcome === "sending" && settled.outcome !== "sending") {
      set.delete(commandSendingKey(entry.id));
    }
  }
}

/** The rows (pointed to) that planning reads, from the pointers read first. */
export function commandLogRowKeys(pointers: readonly Deno.KvEntryMaybe<unknown>[]): Deno.KvKey[] {
  return pointers.flatMap((p) => p.value === null ? [] : [(p.value as RowPointer).key]);
}

/** One entry per id in one commit: the entries of an id written over the first in turn (`settleCommandRow`). */
function mostKnowingById(entries: readonly CommandLogEntry[]): CommandLogEntry[] {
  const byId = new Map<string, CommandLogEntry>();
  for (const e of entries) {
    const kept = byId.get(e.id);
    byId.set(e.id, kept ? settleCommandRow(kept, e) ?? kept : e);
  }
  return [...byId.values()];
}

function fitted(entry: CommandLogEntry): CommandLogEntry {
  if (fitsOneValue(entry)) return entry;
  const cut = { ...entry, payload: cutJson(entry.payload), response: cutJson(entry.response) };
  return entry.lateAnswer === undefined
    ? cut
    : { ...cut, lateAnswer: { ...entry.lateAnswer, response: cutJson(entry.lateAnswer.response) } };
}
