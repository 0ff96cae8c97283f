/**
 * What the station knows about idTags without asking: the Local Authorization List (OCPP 1.6 §3.5.3, §5.10,
 * §5.15) and the Authorization Cache (§3.5.2), and how a driver's swipe is decided from them (LocalPreAuthorize,
 * LocalAuthorizeOffline, AllowOfflineTxForUnknownId). Pure.
 */
import { type IdTagInfo, parseOcppTime, type RequestOf } from "./ocpp.ts";

export interface LocalList {
  version: number;
  /** By lower-case idTag (idTags are case-insensitive). */
  entries: ReadonlyMap<string, IdTagInfo>;
}

export const EMPTY_LIST: LocalList = { version: 0, entries: new Map() };

/** By lower-case idTag: the last answer the Central System gave for it. */
export type AuthorizationCache = ReadonlyMap<string, IdTagInfo>;

export interface LocalListLimits {
  enabled: boolean;
  /** LocalAuthListMaxLength. */
  maxLength: number;
  /** SendLocalListMaxLength. */
  sendMaxLength: number;
}

export type SendLocalListStatus = "Accepted" | "Failed" | "NotSupported" | "VersionMismatch";

/**
 * SendLocalList: a Full update replaces the list, a Differential one adds, changes and (without idTagInfo)
 * removes entries, and needs a version above the current one (VersionMismatch otherwise).
 *
 * @example
 * ```ts
 * applySendLocalList(EMPTY_LIST, { listVersion: 1, updateType: "Full", localAuthorizationList: [] }, limits);
 * // { status: "Accepted", list: { version: 1, entries: Map(0) } }
 * ```
 */
export function applySendLocalList(
  list: LocalList,
  request: RequestOf<"SendLocalList">,
  limits: LocalListLimits,
): { status: SendLocalListStatus; list: LocalList } {
  const unchanged = (status: SendLocalListStatus) => ({ status, list });
  if (!limits.enabled) return unchanged("NotSupported");
  const updates = request.localAuthorizationList ?? [];
  if (updates.length > limits.sendMaxLength) return unchanged("Failed");
  let entries: Map<string, IdTagInfo>;
  if (request.updateType === "Full") {
    // OCPP 1.6 §6.46: idTagInfo is required in a Full update.
    if (updates.some((u) => !u.idTagInfo)) return unchanged("Failed");
    entries = new Map(updates.map((u) => [u.idTag.toLowerCase(), u.idTagInfo as IdTagInfo]));
  } else {
    if (request.listVersion <= list.version) return unchanged("VersionMismatch");
    entries = new Map(list.entries);
    for (const u of updates) {
      if (u.idTagInfo) entries.set(u.idTag.toLowerCase(), u.idTagInfo);
      else entries.delete(u.idTag.toLowerCase());
    }
  }
  if (entries.size > limits.maxLength) return unchanged("Failed");
  return { status: "Accepted", list: { version: request.listVersion, entries } };
}

/**
 * GetLocalListVersion (OCPP 1.6 §5.10): -1 when the list is switched off, 0 when it is empty.
 */
export function localListVersion(list: LocalList, enabled: boolean): number {
  if (!enabled) return -1;
  return list.entries.size === 0 ? 0 : list.version;
}

/** The status an idTagInfo stands for at `now`: an Accepted tag past its expiryDate is Expired. */
export function effectiveStatus(info: IdTagInfo, now: number): IdTagInfo["status"] {
  if (info.status === "Accepted" && info.expiryDate && parseOcppTime(info.expiryDate) <= now) {
    return "Expired";
  }
  return info.status;
}

export interface SwipeSettings {
  online: boolean;
  listEnabled: boolean;
  cacheEnabled: boolean;
  /** LocalPreAuthorize: start at once for an idTag known Accepted, without asking. */
  localPreAuthorize: boolean;
  /** LocalAuthorizeOffline: offline, decide from the list and cache. */
  localAuthorizeOffline: boolean;
  /** AllowOfflineTxForUnknownId: offline, let unknown idTags charge. */
  allowOfflineTxForUnknownId: boolean;
}

export type SwipeDecision =
  | { decision: "accept"; info: IdTagInfo }
  | { decision: "ask" }
  | { decision: "reject"; info: IdTagInfo | null };

/** The local list before the cache (OCPP 1.6 §3.5.3). */
export function knownInfo(
  idTag: string,
  list: LocalList,
  cache: AuthorizationCache,
  settings: Pick<SwipeSettings, "listEnabled" | "cacheEnabled">,
): IdTagInfo | undefined {
  const key = idTag.toLowerCase();
  return (settings.listEnabled ? list.entries.get(key) : undefined) ??
    (settings.cacheEnabled ? cache.get(key) : undefined);
}

/**
 * What the station does when `idTag` is presented: start at once, ask the Central System (Authorize), or
 * refuse.
 *
 * @example
 * ```ts
 * decideSwipe("TAG-1", list, cache, { ...settings, online: false }, Date.now()); // { decision: "accept", ... }
 * ```
 */
export function decideSwipe(
  idTag: string,
  list: LocalList,
  cache: AuthorizationCache,
  settings: SwipeSettings,
  now: number,
): SwipeDecision {
  const info = knownInfo(idTag, list, cache, settings);
  const accepted = info !== undefined && effectiveStatus(info, now) === "Accepted";
  if (settings.online) {
    return accepted && settings.localPreAuthorize ? { decision: "accept", info } : { decision: "ask" };
  }
  if (info && settings.localAuthorizeOffline) {
    return accepted ? { decision: "accept", info } : { decision: "reject", info };
  }
  if (!info && settings.allowOfflineTxForUnknownId) {
    return { decision: "accept", info: { status: "Accepted" } };
  }
  return { decision: "reject", info: info ?? null };
}
