/**
 * What an API token that expires may not make: anything that keeps working after it, as a token it creates
 * expires with it at the latest (`POST /api/v1/tokens`). A user, a password, a role or an enabled user would be
 * a credential; a webhook (a new one, another URL, more events, enabled again) would go on sending station
 * events, and its renewed secret signs deliveries its receiver trusts. A station's AuthorizationKey (set,
 * generated, or sent by a command or job) is the station's password, and what else changes whom a station
 * trusts (`security/trust_commands.ts`: its certificates, security profile, network profile) stays changed, as
 * do weaker settings of whom the server lets in as a station (`routes/api/station_security.ts`: a lower
 * profile, a wider allow-list, the settings deleted; tightening them is allowed).
 * An id tag that is Accepted is a credential too (whoever holds the card may charge): such a token may create,
 * extend or unblock one only so that it lets no one charge after the token expires (an expiryDate no later than
 * the token's, or a blocked tag), nor let one usable after it be presented in more ways (its idToken type taken
 * off or changed). Refused rather than cut to the token's expiry: a card that silently stops
 * working weeks later, at a charger, surprises its holder more than a refusal surprises whoever makes it. The
 * same holds for an entry of a SendLocalList (a command or a job): the station keeps its list; and for a setting
 * that widens who may charge (WIDENING_SETTINGS: unknown cards, stale local copies, Invalid cards charging on):
 * the station keeps it (one whose higher number widens it is judged by the station's known value:
 * `outliving_raises.ts`); and for a DataTransfer rule that answers Accepted, which may be a yes to whether a
 * car may charge (ISO 15118 Plug & Charge over 1.6), and for a tag put on the managed local list (the stations
 * are sent it). A reservation (an API one, a ReserveNow) ends with it at the latest: the connector is held for
 * its card against everyone else. Nor may it put a tag usable after it in a group (its parentIdTag) that is
 * not a tag usable only until the token expires.
 * A 2.0.1 master pass group (AuthCtrlr.MasterPassGroupId) stops any session: such a token may only clear it.
 * Firmware stays on a station: such a token may install only an image of the library (`csms:firmware/<id>`)
 * and may add none to it.
 * A station's registration lets it in: one Accepted (or pre-registered so) stays Accepted at every boot, and a
 * recommissioned one is no longer refused when it connects; such a token may do neither. Pending, Rejected
 * and decommissioning shut a station out (until Accepted it may send BootNotification only, OCPP 1.6 §4.2.1):
 * allowed, as is saying Accepted again of a station that is.
 * A session and a token that never expires are not limited.
 *
 * @example
 * ```ts ignore
 * refuseOutlivingGrant(principal, "create a user"); // throws 403 for a token with an expiry
 * ```
 */
import type { Principal } from "../../auth/principal.ts";
import { type IdTagRecord, sameIdTag } from "../../model/id_tag.ts";
import { isPlainObject } from "../../protocol/ocppj/frames.ts";
import { answerDataTransfer } from "../../fleet/data_transfer_answer.ts";
import type { DataTransferRule, DataTransferRuleChange } from "../../store/fleet.ts";
import { FIRMWARE_PLACEHOLDER } from "../../files/command_locations.ts";
import { ApiError } from "./http.ts";

/**
 * Throws 403 `forbidden` when `principal` is a token that expires; its details name the `rule` (a caller can
 * tell which one refused it) and the token's `expiresAt`, with `more` (what was judged).
 */
export function refuseOutlivingGrant(
  principal: Principal | null,
  what: string,
  rule = "expiring_token_outliving_grant",
  more: Record<string, unknown> = {},
): void {
  const expiresAt = principal?.expiresAt;
  if (expiresAt === undefined || expiresAt === null) return;
  throw new ApiError(
    403,
    "forbidden",
    `An API token that expires (at ${expiresAt}) cannot ${what}: that would outlive it; use a user's session ` +
      "or a token that does not expire",
    { rule, expiresAt, ...more },
  );
}

/**
 * Throws 403 when `principal` is a token that expires and the id tag `after` lets its holder charge after the
 * token expires, longer than `before` did (null: no tag before), or in more ways: its OCPP 2.0.1 idToken type
 * taken off (any type then matches) or changed, so that its number is accepted presented in a way it was not
 * (an RFID UID typed in as a KeyCode). Blocking, shortening, giving a type to a tag of any type: allowed.
 */
export function refuseOutlivingIdTag(
  principal: Principal | null,
  before: IdTagRecord | null,
  after: IdTagRecord,
): void {
  const expiresAt = principal?.expiresAt;
  if (expiresAt === undefined || expiresAt === null) return;
  const until = usableUntil(after);
  if (until <= Date.parse(expiresAt)) return;
  if (until > usableUntil(before)) {
    const how = after.expiryDate === null ? "with no expiry" : `until ${after.expiryDate}`;
    refuseOutlivingGrant(principal, `${before === null ? "create" : "make"} an id tag usable ${how}`);
  }
  const was = before?.idTokenType;
  if (was !== undefined && after.idTokenType !== was) {
    const as = after.idTokenType === undefined ? "any idToken type" : after.idTokenType;
    refuseOutlivingGrant(principal, `let an id tag usable after it be presented as ${as}, not only ${was}`);
  }
}

/**
 * Throws 403 when `principal` is a token that expires and gives the id tag `after`, usable after the token
 * expires, a parentIdTag it did not have (`before`: the stored tag; null when it is being created) that is not
 * an id tag (`parent`: the stored parent, null when there is none) or is one usable after the token. The
 * parent is the tag's group (OCPP 1.6 §3.5.2 and §5.13, 2.0.1 groupIdToken): its members stop each other's
 * sessions, use reservations made for the group and, where a 2.0.1 station's MasterPassGroupId names it, stop
 * any session; joining a group that lasts, or one the server does not know, is a power the card keeps after
 * the token. A tag the token could not keep usable (blocked, expiring with it) may join any group; taking
 * the parent off, or naming it again in another case, is allowed.
 */
export function refuseOutlivingParent(
  principal: Principal | null,
  before: IdTagRecord | null,
  after: IdTagRecord,
  parent: IdTagRecord | null,
): void {
  const expiresAt = principal?.expiresAt;
  if (expiresAt === undefined || expiresAt === null || after.parentIdTag === null) return;
  const limit = Date.parse(expiresAt);
  if (usableUntil(after) <= limit) return;
  const was = before?.parentIdTag ?? null;
  if (was !== null && sameIdTag(was, after.parentIdTag)) return;
  const known = parent !== null && sameIdTag(parent.idTag, after.parentIdTag);
  if (known && usableUntil(parent) <= limit) return;
  const why = !known
    ? "which is no id tag here (a group whose powers cannot be judged)"
    : parent.expiryDate === null
    ? "an Accepted tag with no expiry"
    : `an Accepted tag usable until ${parent.expiryDate}`;
  refuseOutlivingGrant(
    principal,
    `put id tag ${JSON.stringify(after.idTag)}, usable after it, under parent ${
      JSON.stringify(after.parentIdTag)
    }, ${why}`,
    "expiring_token_parent_id_tag",
    { idTag: after.idTag, parentIdTag: after.parentIdTag },
  );
}

/**
 * Throws 403 when `principal` is a token that expires and puts the id tag `tag` (as it is stored with the
 * change) on the managed local list while it is usable after the token: every station is sent it as a local
 * list entry (SendLocalList, `fleet/local_list_sync.ts`) and lets its card charge offline on it, as an entry
 * `refuseOutlivingLocalList` refuses in a raw SendLocalList; a station offline when the tag is later blocked
 * keeps it. Taking a tag off the list, or putting one on that ends with the token, goes.
 */
export function refuseOutlivingListMember(principal: Principal | null, tag: IdTagRecord): void {
  const expiresAt = principal?.expiresAt;
  if (expiresAt === undefined || expiresAt === null) return;
  if (usableUntil(tag) <= Date.parse(expiresAt)) return;
  refuseOutlivingGrant(
    principal,
    `put id tag ${JSON.stringify(tag.idTag)}, usable ${
      tag.expiryDate === null ? "with no expiry" : `until ${tag.expiryDate}`
    }, on the local list every station keeps`,
    "expiring_token_local_list_member",
    { idTag: tag.idTag },
  );
}

/** Until when a tag lets its holder charge (ms; Infinity without an expiry, -Infinity when not Accepted). */
function usableUntil(tag: IdTagRecord | null): number {
  if (tag?.status !== "Accepted") return -Infinity;
  return tag.expiryDate === null ? Infinity : Date.parse(tag.expiryDate);
}

/**
 * Throws 403 when `principal` is a token that expires and the registration status `after` accepts a station
 * that was not Accepted (`before`: its stored status, null when it is unknown or never booted). Pre-registering
 * as Accepted is refused whatever REGISTRATION_POLICY says: the policy may change, the decision stays.
 */
export function refuseOutlivingRegistration(
  principal: Principal | null,
  id: string,
  before: string | null,
  after: string,
): void {
  if (after !== "Accepted" || before === "Accepted") return;
  refuseOutlivingGrant(principal, `accept station ${JSON.stringify(id)}`);
}

/**
 * Throws 403 when `principal` is a token that expires and putting `after` (null: deleting the rule) for
 * `vendorId` and `messageId` changes the answer that message gets to an Accepted one it did not get (another
 * status, other data) given the stored `rules`: a station's DataTransfer may ask who may charge (the OCA's
 * ISO 15118 Plug & Charge over 1.6, vendorId "org.openchargealliance.iso15118pnc", messageId "Authorize",
 * reads `{"idTokenInfo":{"status":"Accepted"}}` as a yes to every car), the server cannot tell which does, and
 * the rule answers for it after the token. A vendor's catch-all (messageId "") is judged as such: it is the
 * answer of its messages without a rule of their own. Refusing answers, and deleting a rule that leaves no
 * Accepted one in its place, go.
 */
export function refuseOutlivingDataTransferAnswer(
  principal: Principal | null,
  rules: readonly DataTransferRule[],
  vendorId: string,
  messageId: string,
  after: DataTransferRuleChange,
): void {
  const expiresAt = principal?.expiresAt;
  if (expiresAt === undefined || expiresAt === null) return;
  const others = rules.filter((r) => !(r.vendorId === vendorId && r.messageId === messageId));
  const was = answerDataTransfer(rules, vendorId, messageId);
  const will = answerDataTransfer(after === null ? others : [...others, after], vendorId, messageId);
  if (will.status !== "Accepted" || (was.status === "Accepted" && was.data === will.data)) return;
  const message = messageId === "" ? "every other messageId" : `messageId ${JSON.stringify(messageId)}`;
  const data = will.data === undefined ? "" : ` with ${JSON.stringify(will.data)}`;
  refuseOutlivingGrant(
    principal,
    `${after === null ? "delete the rule" : "set a rule"} that makes DataTransfer of vendorId ${
      JSON.stringify(vendorId)
    }, ${message}, answered Accepted${data} (it was ${was.status}): such an answer may let stations' users charge`,
    "expiring_token_data_transfer_accept",
    { vendorId, messageId, was: was.status },
  );
}

/**
 * Throws 403 when `principal` is a token that expires and `action` is a ReserveNow (1.6 `expiryDate`, 2.0.1
 * `expiryDateTime`; any JSON may come, a job's payload is checked after this) or `action` null and `payload` a
 * reservation's expiry (`POST /reservations`) that ends after the token: the station holds the connector for
 * the reservation's card (and its group, parentIdTag / groupIdToken) and refuses everyone else there until
 * then. A reservation up to the token's expiry goes.
 */
export function refuseOutlivingReservation(
  principal: Principal | null,
  action: string | null,
  payload: unknown,
): void {
  const expiresAt = principal?.expiresAt;
  if (expiresAt === undefined || expiresAt === null) return;
  if (action !== null && (action !== "ReserveNow" || !isPlainObject(payload))) return;
  const until = action === null || !isPlainObject(payload)
    ? payload
    : payload.expiryDate ?? payload.expiryDateTime;
  const ends = typeof until === "string" ? Date.parse(until) : NaN;
  if (ends <= Date.parse(expiresAt)) return;
  refuseOutlivingGrant(
    principal,
    `reserve a connector until ${typeof until === "string" ? until : JSON.stringify(until ?? null)}`,
    "expiring_token_reservation",
    { expiryDate: until ?? null },
  );
}

/** Firmware commands and where each carries the image's location (OCPP 1.6 §5.19; Security extension; 2.0.1 L01). */
const FIRMWARE_ACTIONS: ReadonlySet<string> = new Set(["UpdateFirmware", "SignedUpdateFirmware"]);

/**
 * Throws 403 when `principal` is a token that expires and `action` installs firmware from anywhere but an
 * image of this server's library (`csms:firmware/<id>`, an admin's upload): a station runs the firmware it is
 * sent until it is sent another, and an image from an address of the token's choosing may let in or charge
 * whomever it likes. `payload` is the command's as sent (before placeholders become URLs); any JSON may come.
 */
export function refuseOutlivingFirmware(principal: Principal | null, action: string, payload: unknown): void {
  const expiresAt = principal?.expiresAt;
  if (expiresAt === undefined || expiresAt === null || !FIRMWARE_ACTIONS.has(action)) return;
  const firmware = isPlainObject(payload) && isPlainObject(payload.firmware) ? payload.firmware : payload;
  const location = isPlainObject(firmware) ? firmware.location : undefined;
  if (typeof location === "string" && location.startsWith(FIRMWARE_PLACEHOLDER)) return;
  refuseOutlivingGrant(
    principal,
    `send ${action} from ${
      JSON.stringify(location ?? null)
    }: the station keeps the firmware; install an image of this server's library (csms:firmware/<id>)`,
    "expiring_token_firmware",
    { location: location ?? null },
  );
}

/** Statuses of a local list entry that let its card charge (OCPP 1.6 §7.2 AuthorizationStatus, 2.0.1 too). */
const USABLE_STATUSES: ReadonlySet<unknown> = new Set(["Accepted", "ConcurrentTx"]);

/**
 * Throws 403 when `principal` is a token that expires and `action` is a SendLocalList (1.6 or 2.0.1) with an
 * entry that lets its card charge after the token expires (no expiryDate / cacheExpiryDateTime, or a later
 * one). Any JSON may come: a job's payload is checked against the schemas after this.
 */
export function refuseOutlivingLocalList(
  principal: Principal | null,
  action: string,
  payload: unknown,
): void {
  const expiresAt = principal?.expiresAt;
  if (expiresAt === undefined || expiresAt === null || action !== "SendLocalList") return;
  if (!isPlainObject(payload) || !Array.isArray(payload.localAuthorizationList)) return;
  const limit = Date.parse(expiresAt);
  const outliving = payload.localAuthorizationList.some((entry: unknown) => {
    if (!isPlainObject(entry)) return false;
    const info = isPlainObject(entry.idTagInfo) ? entry.idTagInfo : entry.idTokenInfo;
    if (!isPlainObject(info) || !USABLE_STATUSES.has(info.status)) return false;
    const until = info.expiryDate ?? info.cacheExpiryDateTime;
    return !(typeof until === "string" && Date.parse(until) <= limit);
  });
  if (outliving) refuseOutlivingGrant(principal, "send a local list entry usable after it");
}

/**
 * Settings that widen who may charge at a station, which keeps them, and the value that does, as
 * `component.variable` in lower case: component "" is an OCPP 1.6 ChangeConfiguration key (§9.1, §9.4), any
 * other a 2.0.1 SetVariables component (Appendix 2 variables). Any card: AllowOfflineTxForUnknownId,
 * OfflineTxForUnknownIdEnabled, AuthCtrlr.Enabled false (no authorization at all). The station's own word,
 * from its local list or authorization cache, copies that may be stale (a card the server has blocked since):
 * LocalAuthorizeOffline (offline), LocalPreAuthorize (online, before the server answers), the cache or list
 * enabled, DisableRemoteAuthorization (never asks the server). A card the server answers Invalid goes on
 * charging: StopTransactionOnInvalidId / StopTxOnInvalidId false. Not here: AuthorizeRemoteTxRequests /
 * AuthorizeRemoteStart false, as a remote start is ordered by the server itself, which checks its id tag
 * (`actors/commands/remote_start_transaction.ts`): it lets no card charge that the server would refuse.
 */
const WIDENING_SETTINGS: ReadonlyMap<string, "true" | "false"> = new Map([
  [".allowofflinetxforunknownid", "true"],
  [".localauthorizeoffline", "true"],
  [".localpreauthorize", "true"],
  [".authorizationcacheenabled", "true"],
  [".localauthlistenabled", "true"],
  [".stoptransactiononinvalidid", "false"],
  ["authctrlr.offlinetxforunknownidenabled", "true"],
  ["authctrlr.enabled", "false"],
  ["authctrlr.localauthorizeoffline", "true"],
  ["authctrlr.localpreauthorize", "true"],
  ["authctrlr.disableremoteauthorization", "true"],
  ["authcachectrlr.enabled", "true"],
  ["localauthlistctrlr.enabled", "true"],
  ["txctrlr.stoptxoninvalidid", "false"],
]);

/**
 * Throws 403 when `principal` is a token that expires and the command (ChangeConfiguration or SetVariables)
 * sets one of the WIDENING_SETTINGS to the value that widens who may charge. Any JSON may come.
 */
export function refuseOutlivingOpenCharging(
  principal: Principal | null,
  action: string,
  payload: unknown,
): void {
  const expiresAt = principal?.expiresAt;
  if (expiresAt === undefined || expiresAt === null || !isPlainObject(payload)) return;
  const widens = (component: string, key: string, value: unknown) =>
    WIDENING_SETTINGS.get(`${component}.${key}`) === lowerText(value).trim();
  const settings: [string, string, unknown][] = action === "ChangeConfiguration"
    ? [["", lowerText(payload.key), payload.value]]
    : action === "SetVariables" && Array.isArray(payload.setVariableData)
    ? payload.setVariableData.filter(isPlainObject).map((d) => [
      lowerText(isPlainObject(d.component) ? d.component.name : undefined),
      lowerText(isPlainObject(d.variable) ? d.variable.name : undefined),
      d.attributeValue,
    ])
    : [];
  const widening = settings.find(([component, key, value]) => widens(component, key, value));
  if (widening === undefined) return;
  const [component, key] = widening;
  const name = component === "" ? key : `${component}.${key}`;
  refuseOutlivingGrant(principal, `send ${action} ${name} that widens who may charge`);
}

/**
 * Throws 403 when `principal` is a token that expires and the SetVariables `payload` names a master pass group
 * (OCPP 2.0.1 AuthCtrlr.MasterPassGroupId, C16): every card of that group (its groupIdToken, our parentIdTag)
 * may then stop any session at the station, which keeps the setting. Clearing it ("") goes. Any JSON may come.
 */
export function refuseOutlivingMasterPass(
  principal: Principal | null,
  action: string,
  payload: unknown,
): void {
  const expiresAt = principal?.expiresAt;
  if (expiresAt === undefined || expiresAt === null || action !== "SetVariables") return;
  if (!isPlainObject(payload) || !Array.isArray(payload.setVariableData)) return;
  const named = payload.setVariableData.find((d: unknown) =>
    isPlainObject(d) && isPlainObject(d.component) && isPlainObject(d.variable) &&
    lowerText(d.component.name) === "authctrlr" && lowerText(d.variable.name) === "masterpassgroupid" &&
    !(typeof d.attributeValue === "string" && d.attributeValue.trim() === "")
  );
  if (named === undefined) return;
  refuseOutlivingGrant(
    principal,
    `send SetVariables AuthCtrlr.MasterPassGroupId ${
      JSON.stringify(named.attributeValue ?? null)
    }: its group's cards would stop any session at the station`,
    "expiring_token_master_pass",
    { value: named.attributeValue ?? null },
  );
}

/** A name or value as lower-case text; anything but a string is "" (the schemas refuse it after this). */
function lowerText(value: unknown): string {
  return typeof value === "string" ? value.toLowerCase() : "";
}
