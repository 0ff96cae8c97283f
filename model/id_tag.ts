/**
 * The idTag check shared by Authorize, StartTransaction and StopTransaction (OCPP 1.6 §4.1, §4.8, §4.10):
 * unknown -> Invalid, a stored non-Accepted status as stored, past expiry -> Expired, and with single-use
 * tags an idTag already charging elsewhere -> ConcurrentTx.
 */
import type { AuthorizationStatus } from "../protocol/ocpp16/enums.ts";
import { IdTokenEnumType } from "../protocol/ocpp201/common.ts";
import type { Lookups } from "./lookups.ts";

export { idTagKey, sameIdTag } from "./id_tag_key.ts";

/**
 * Whether an id tag can be named in a URL path (the API's `/id-tags/{idTag}`): not empty, not "." or "..",
 * which URLs resolve away.
 */
export function isAddressableIdTag(idTag: string): boolean {
  return idTag !== "" && idTag !== "." && idTag !== "..";
}

/** The OCPP 2.0.1 idToken types a stored tag may have: IdTokenEnumType but NoAuthorization (not a tag). */
export const TagIdTokenType = IdTokenEnumType.exclude(["NoAuthorization"]);

/**
 * The statuses an operator may store for a tag (the API, `deno task idtags`). ConcurrentTx is an answer of the
 * moment (the tag charges elsewhere, SINGLE_USE_ID_TAGS): stored, every station would answer it for ever,
 * offline too (the local list).
 */
export const STORED_ID_TAG_STATUSES = ["Accepted", "Blocked", "Expired", "Invalid"] as const;

export interface IdTagRecord {
  idTag: string;
  status: AuthorizationStatus;
  expiryDate: string | null;
  parentIdTag: string | null;
  /**
   * OCPP 2.0.1 IdTokenEnumType of the tag (ISO14443, ISO15693, eMAID, KeyCode, ...): sent to 2.0.1 stations
   * with it and required of their Authorize. Absent: any type matches, and we send ISO14443. 1.6 ignores it.
   */
  idTokenType?: string;
}

export interface IdTagInfo {
  status: AuthorizationStatus;
  expiryDate?: string;
  parentIdTag?: string;
}

export interface AuthorizeOptions {
  now: Date;
  /** Check for an active transaction of this idTag (ConcurrentTx). */
  singleUse: boolean;
  /** A transaction that does not count as concurrent: the one on this station and connector. */
  ignoreActiveOn?: { chargePointId: string; connectorId?: number };
  /** OCPP 2.0.1: the idToken's type; a tag with a type of its own matches only that type. */
  idTokenType?: string;
}

export async function checkIdTag(
  lookups: Pick<Lookups, "getIdTag" | "findActiveTransactionByIdTag">,
  idTag: string,
  options: AuthorizeOptions,
): Promise<IdTagInfo> {
  return (await judgeIdTag(lookups, idTag, options)).info;
}

/**
 * `checkIdTag`'s answer, and whether the tag is unknown: no id tag of that value is stored (an operator may
 * want to add it: a new card). A known tag of another 2.0.1 type is Invalid but not unknown.
 */
export async function judgeIdTag(
  lookups: Pick<Lookups, "getIdTag" | "findActiveTransactionByIdTag">,
  idTag: string,
  options: AuthorizeOptions,
): Promise<{ info: IdTagInfo; unknown: boolean }> {
  const record = await lookups.getIdTag(idTag);
  if (!record) return { info: { status: "Invalid" }, unknown: true };
  return { info: await checkRecord(lookups, record, idTag, options), unknown: false };
}

async function checkRecord(
  lookups: Pick<Lookups, "findActiveTransactionByIdTag">,
  record: IdTagRecord,
  idTag: string,
  options: AuthorizeOptions,
): Promise<IdTagInfo> {
  if (
    options.idTokenType !== undefined && record.idTokenType !== undefined &&
    options.idTokenType !== record.idTokenType
  ) return { status: "Invalid" };
  const info: IdTagInfo = { status: record.status };
  if (record.expiryDate) info.expiryDate = record.expiryDate;
  if (record.parentIdTag) info.parentIdTag = record.parentIdTag;
  if (record.status !== "Accepted") return info;
  if (record.expiryDate && Date.parse(record.expiryDate) <= options.now.getTime()) {
    return { ...info, status: "Expired" };
  }
  if (options.singleUse) {
    const active = await lookups.findActiveTransactionByIdTag(idTag);
    const ignored = options.ignoreActiveOn;
    const sameSpot = active && ignored && active.chargePointId === ignored.chargePointId &&
      (ignored.connectorId === undefined || ignored.connectorId === active.connectorId);
    if (active && !sameSpot) return { ...info, status: "ConcurrentTx" };
  }
  return info;
}
