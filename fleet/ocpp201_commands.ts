/**
 * The fleet's features (the managed local list, reservations) speak OCPP 1.6; an OCPP 2.0.1 station gets the same
 * commands in its own shape (OCPP 2.0.1 Part 2 D01, D02, B06), and the answers come back in 1.6's:
 * SendLocalList's idTags become idTokens (of the id tag's `idTokenType`, else `ISO14443`, the usual card),
 * GetLocalListVersion's versionNumber is listVersion, ReserveNow's connector is the EVSE (0: none, any EVSE),
 * and the configuration keys the fleet reads come from the device model (LocalAuthListCtrlr.ItemsPerMessage,
 * the maximum of LocalAuthListCtrlr.Entries, ReservationCtrlr.NonEvseSpecific), and UpdateFirmware's
 * location and retrieve date go in its `firmware` with a requestId. Pure.
 */
import type { AuthorizationData } from "../protocol/ocpp16/common.ts";
import type { RequestOf as RequestOf201 } from "../protocol/ocpp201/mod.ts";

/** The idToken type of our id tags that have none of their own. */
export const ID_TOKEN_TYPE = "ISO14443";

type SendLocalList201 = RequestOf201<"SendLocalList">;
/** A type from an id tag is one the API checked; the station's actor checks the payload again before sending. */
type IdTokenType201 = RequestOf201<"ReserveNow">["idToken"]["type"];

export function sendLocalList201(request: {
  listVersion: number;
  updateType: "Full" | "Differential";
  localAuthorizationList?: AuthorizationData[];
}, typeOf: (idTag: string) => string = () => ID_TOKEN_TYPE): SendLocalList201 {
  const out: SendLocalList201 = { versionNumber: request.listVersion, updateType: request.updateType };
  const entries = request.localAuthorizationList ?? [];
  // 2.0.1 wants at least one entry when the list is there: an empty Full list (clear) leaves it out.
  if (entries.length > 0) {
    out.localAuthorizationList = entries.map((entry) => {
      const item: NonNullable<SendLocalList201["localAuthorizationList"]>[number] = {
        idToken: { idToken: entry.idTag, type: typeOf(entry.idTag) as IdTokenType201 },
      };
      const info = entry.idTagInfo;
      if (info) {
        item.idTokenInfo = { status: info.status };
        if (info.expiryDate !== undefined) item.idTokenInfo.cacheExpiryDateTime = info.expiryDate;
        if (info.parentIdTag !== undefined) {
          item.idTokenInfo.groupIdToken = { idToken: info.parentIdTag, type: "Central" };
        }
      }
      return item;
    });
  }
  return out;
}

/** A 1.6 ReserveNow as 2.0.1's: connector 0 (any) is a reservation without an EVSE. */
export function reserveNow201(request: {
  connectorId: number;
  expiryDate: string;
  idTag: string;
  reservationId: number;
  parentIdTag?: string;
}, type: string = ID_TOKEN_TYPE): RequestOf201<"ReserveNow"> {
  const out: RequestOf201<"ReserveNow"> = {
    id: request.reservationId,
    expiryDateTime: request.expiryDate,
    idToken: { idToken: request.idTag, type: type as IdTokenType201 },
  };
  if (request.connectorId > 0) out.evseId = request.connectorId;
  if (request.parentIdTag !== undefined) out.groupIdToken = { idToken: request.parentIdTag, type: "Central" };
  return out;
}

/**
 * A 1.6 UpdateFirmware (a firmware campaign over a mixed fleet) as 2.0.1's (OCPP 2.0.1 L01): the location and
 * retrieve date go in `firmware`, with the `requestId` the station's FirmwareStatusNotifications will carry. A
 * payload already in 2.0.1's shape (it has `firmware`) goes as it is.
 */
export function updateFirmware201(
  request: { location: string; retrieveDate: string; retries?: number; retryInterval?: number } | {
    firmware: unknown;
  },
  requestId: number,
): RequestOf201<"UpdateFirmware"> {
  if ("firmware" in request) return request as RequestOf201<"UpdateFirmware">;
  const out: RequestOf201<"UpdateFirmware"> = {
    requestId,
    firmware: { location: request.location, retrieveDateTime: request.retrieveDate },
  };
  if (request.retries !== undefined) out.retries = request.retries;
  if (request.retryInterval !== undefined) out.retryInterval = request.retryInterval;
  return out;
}

/**
 * 1.6 configuration keys and where a 2.0.1 device model keeps them. A Map: a key is whatever a job names, and
 * a plain object would also "know" "constructor" or "__proto__" (Object.prototype's members).
 */
const CONFIGURATION_KEYS: ReadonlyMap<
  string,
  { component: string; variable: string; attribute: "Actual" | "MaxSet" }
> = new Map([
  ["SendLocalListMaxLength", {
    component: "LocalAuthListCtrlr",
    variable: "ItemsPerMessage",
    attribute: "Actual",
  }],
  ["LocalAuthListMaxLength", { component: "LocalAuthListCtrlr", variable: "Entries", attribute: "MaxSet" }],
  ["ReserveConnectorZeroSupported", {
    component: "ReservationCtrlr",
    variable: "NonEvseSpecific",
    attribute: "Actual",
  }],
]);

/** GetConfiguration's keys as one GetVariables request; null when none of them has a 2.0.1 place. */
export function getVariablesFor(keys: readonly string[]): RequestOf201<"GetVariables"> | null {
  const data = keys.flatMap((key) => {
    const place = CONFIGURATION_KEYS.get(key);
    return place
      ? [{
        component: { name: place.component },
        variable: { name: place.variable },
        attributeType: place.attribute,
      }]
      : [];
  });
  return data.length > 0 ? { getVariableData: data } : null;
}

/** A GetVariables answer as GetConfiguration's, for the keys asked. */
export function configurationFrom(
  keys: readonly string[],
  answer: {
    getVariableResult: {
      attributeStatus: string;
      attributeValue?: string | undefined;
      component: { name: string };
      variable: { name: string };
    }[];
  },
): { configurationKey: { key: string; readonly: boolean; value?: string }[]; unknownKey: string[] } {
  const configurationKey: { key: string; readonly: boolean; value?: string }[] = [];
  const unknownKey: string[] = [];
  for (const key of keys) {
    const place = CONFIGURATION_KEYS.get(key);
    const result = place &&
      answer.getVariableResult.find((r) =>
        r.component.name === place.component && r.variable.name === place.variable
      );
    if (result?.attributeStatus === "Accepted" && result.attributeValue !== undefined) {
      configurationKey.push({ key, readonly: true, value: result.attributeValue });
    } else {
      unknownKey.push(key);
    }
  }
  return { configurationKey, unknownKey };
}
