/**
 * What to send a station so its local authorization list matches the managed one (OCPP 1.6 §3.5, §5.15): a
 * pure function of what the station reports, what we know it holds and the list's changes.
 *
 * - Differential when the station holds exactly the version we last gave it and we still have every change
 *   since: only the tags that changed, each upsert with its current idTagInfo, each removal without one.
 * - Full otherwise (a version mismatch, a station we never synced, changes no longer kept).
 * - Nothing when it is up to date, or when no list was ever managed (version 0: stations' own lists are left
 *   alone).
 * - `SendLocalListMaxLength` splits the entries over several messages, with increasing versions (a station
 *   answers VersionMismatch to a Differential whose version is not above its own, §5.15). A Differential
 *   chunk carries the version of its last change, so a station interrupted between chunks holds a true
 *   version. A Full list goes as one Full and then Differentials numbered up to the final version (a list
 *   of n tags has a version of at least n, one per addition): the caller forgets the station's version before
 *   sending, so an interrupted Full is redone.
 * - A station reporting 0 holds an empty list (§5.10), which is right when the managed list is empty.
 * - `LocalAuthListMaxLength`: a list longer than the station takes is not sent (too_large).
 */
import type { AuthorizationData } from "../protocol/ocpp16/common.ts";
import { idTagKey, type IdTagRecord } from "../model/id_tag.ts";
import type { LocalListChange } from "../store/fleet.ts";

export interface LocalListMessage {
  listVersion: number;
  updateType: "Full" | "Differential";
  localAuthorizationList: AuthorizationData[];
}

export type LocalListPlan =
  | { kind: "up_to_date" }
  | { kind: "not_managed" }
  | { kind: "too_large"; size: number; max: number }
  | { kind: "send"; updateType: "Full" | "Differential"; messages: LocalListMessage[]; version: number };

export interface LocalListPlanInput {
  /** What GetLocalListVersion answered. */
  stationVersion: number;
  /** The version we know the station holds; null when unknown. */
  knownVersion: number | null;
  /** The managed list's current version. */
  currentVersion: number;
  /** Every member tag, with its record (null when the tag was deleted from the id tags). */
  members: ReadonlyMap<string, IdTagRecord | null>;
  /** Changes after `knownVersion`, oldest first; null when they are not all kept. */
  changes: readonly LocalListChange[] | null;
  /** LocalAuthListMaxLength; null when the station does not say. */
  maxListLength: number | null;
  /** SendLocalListMaxLength; null when the station does not say. */
  maxSendLength: number | null;
  /** Send a Full list even when a Differential would do (after VersionMismatch). */
  full?: boolean;
}

/**
 * @example
 * ```ts
 * const plan = planLocalList({
 *   stationVersion: 3, knownVersion: 3, currentVersion: 4,
 *   members: new Map([["TAG-1", { idTag: "TAG-1", status: "Blocked", expiryDate: null, parentIdTag: null }]]),
 *   changes: [{ version: 4, idTag: "TAG-1", op: "upsert", at: "2026-01-01T00:00:00.000Z" }],
 *   maxListLength: null, maxSendLength: null,
 * });
 * // { kind: "send", updateType: "Differential", version: 4, messages: [{ listVersion: 4,
 * //   updateType: "Differential", localAuthorizationList: [{ idTag: "TAG-1", idTagInfo: { status: "Blocked" } }] }] }
 * ```
 */
export function planLocalList(input: LocalListPlanInput): LocalListPlan {
  const { currentVersion } = input;
  if (currentVersion === 0) return { kind: "not_managed" };
  if (holdsCurrentList(input)) return { kind: "up_to_date" };
  const inSync = input.knownVersion !== null && input.stationVersion === input.knownVersion;
  const size = [...input.members.values()].filter((r) => r !== null).length;
  if (input.stationVersion === 0 && size === 0 && !input.full) return { kind: "up_to_date" };
  if (input.maxListLength !== null && size > input.maxListLength) {
    return { kind: "too_large", size, max: input.maxListLength };
  }
  if (inSync && input.changes !== null && !input.full) return differential(input);
  return full(input);
}

/**
 * Whether the station holds the current list, as far as we know (its version is the one we sent it, and
 * current): decided without the members, which a station's every reconnect would otherwise read.
 */
export function holdsCurrentList(
  input: Pick<LocalListPlanInput, "stationVersion" | "knownVersion" | "currentVersion" | "full">,
): boolean {
  return input.knownVersion !== null && input.stationVersion === input.knownVersion &&
    input.knownVersion === input.currentVersion && !input.full;
}

function differential(input: LocalListPlanInput): LocalListPlan {
  // The last change of each tag decides, tags matched in any case (a log written before members were may name
  // one tag in two spellings); each keeps the version it was made in, for the chunk versions.
  const last = new Map<string, LocalListChange>();
  for (const change of input.changes ?? []) {
    const key = idTagKey(change.idTag);
    last.delete(key);
    last.set(key, change);
  }
  const memberOf = new Map(
    [...input.members].map(([spelling, record]) => [idTagKey(spelling), { spelling, record }]),
  );
  const entries = [...last.entries()].sort(([, a], [, b]) => a.version - b.version).map(([key, change]) => {
    // The tag as the list holds it now (a log from before may have removed one spelling of a member kept in
    // another): a member in its spelling, anything else removed.
    const member = memberOf.get(key);
    return {
      version: change.version,
      data: member ? entryFor(member.spelling, member.record) : entryFor(change.idTag, null),
    };
  });
  const messages = chunk(entries, input.maxSendLength).map((slice, i, all) => ({
    listVersion: i === all.length - 1 ? input.currentVersion : slice.at(-1)!.version,
    updateType: "Differential" as const,
    localAuthorizationList: slice.map((e) => e.data),
  }));
  // Changes that cancel out (added, then removed before any sync) still move the station to the new version.
  if (messages.length === 0) {
    messages.push({
      listVersion: input.currentVersion,
      updateType: "Differential",
      localAuthorizationList: [],
    });
  }
  return { kind: "send", updateType: "Differential", messages, version: input.currentVersion };
}

function full(input: LocalListPlanInput): LocalListPlan {
  const entries = [...input.members.entries()]
    .filter(([, record]) => record !== null)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([idTag, record]) => entryFor(idTag, record));
  const chunks = chunk(entries, input.maxSendLength);
  if (chunks.length === 0) chunks.push([]);
  const first = Math.max(1, input.currentVersion - (chunks.length - 1));
  const messages = chunks.map((slice, i) => ({
    listVersion: Math.min(input.currentVersion, first + i),
    updateType: i === 0 ? "Full" as const : "Differential" as const,
    localAuthorizationList: slice,
  }));
  return { kind: "send", updateType: "Full", messages, version: input.currentVersion };
}

/** A list entry: with idTagInfo it adds or updates the tag, without one it removes it (OCPP 1.6 §5.15). */
function entryFor(idTag: string, record: IdTagRecord | null): AuthorizationData {
  if (record === null) return { idTag };
  return {
    idTag,
    idTagInfo: {
      status: record.status,
      ...(record.expiryDate !== null ? { expiryDate: record.expiryDate } : {}),
      ...(record.parentIdTag !== null ? { parentIdTag: record.parentIdTag } : {}),
    },
  };
}

function chunk<T>(items: readonly T[], size: number | null): T[][] {
  if (items.length === 0) return [];
  const step = size !== null && size > 0 ? size : items.length;
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += step) out.push(items.slice(i, i + step));
  return out;
}
