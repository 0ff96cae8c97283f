/**
 * What the answers to our commands teach us about a station, applied to its snapshot by its own actor
 * (nothing outside an actor writes its state). Each effect returns true when the snapshot changed.
 */
import type { CsToCpAction, RequestOf, ResponseOf } from "../protocol/ocpp16/mod.ts";
import { isSecretName, REDACTED } from "../protocol/ocppj/secret_values.ts";
import { toUtcIso } from "../protocol/ocppj/time.ts";
import type { ChargePointRecord, ConfigurationKeyValue, Reservation } from "../store/store.ts";

type Effect<A extends CsToCpAction> = (
  record: ChargePointRecord,
  request: RequestOf<A>,
  response: ResponseOf<A>,
  at: string,
) => boolean;

const getConfiguration: Effect<"GetConfiguration"> = (record, request, response) => {
  const reported: ConfigurationKeyValue[] = (response.configurationKey ?? []).map((k) => {
    const entry: ConfigurationKeyValue = { key: k.key, readonly: k.readonly };
    if (k.value !== undefined) entry.value = storedValue(k.key, k.value);
    return entry;
  });
  const asked = request.key ?? [];
  // Asked for everything: the answer is the whole configuration. Asked for some keys: merge them in.
  const base = asked.length === 0
    ? []
    : (record.configuration ?? []).filter((k) => !reported.some((r) => r.key === k.key));
  record.configuration = [...base, ...reported].sort((a, b) => a.key.localeCompare(b.key));
  return true;
};

const changeConfiguration: Effect<"ChangeConfiguration"> = (record, request, response) => {
  if (response.status !== "Accepted" && response.status !== "RebootRequired") return false;
  const current = record.configuration ?? [];
  const existing = current.find((k) => k.key === request.key);
  const updated: ConfigurationKeyValue = {
    key: request.key,
    readonly: existing?.readonly ?? false,
    value: storedValue(request.key, request.value),
  };
  record.configuration = [...current.filter((k) => k.key !== request.key), updated].sort((a, b) =>
    a.key.localeCompare(b.key)
  );
  return true;
};

const changeAvailability: Effect<"ChangeAvailability"> = (record, request, response, at) => {
  const others = (record.scheduledAvailability ?? []).filter((s) => s.connectorId !== request.connectorId);
  // OCPP 1.6 §5.2: Scheduled means "after the running transaction(s)"; remember it until it takes effect.
  record.scheduledAvailability = response.status === "Scheduled"
    ? [...others, { connectorId: request.connectorId, type: request.type, requestedAt: at }]
    : others;
  return true;
};

const getLocalListVersion: Effect<"GetLocalListVersion"> = (record, _request, response) => {
  record.localListVersion = response.listVersion;
  return true;
};

const sendLocalList: Effect<"SendLocalList"> = (record, request, response) => {
  if (response.status !== "Accepted") return false;
  record.localListVersion = request.listVersion;
  return true;
};

const reserveNow: Effect<"ReserveNow"> = (record, request, response, at) => {
  if (response.status !== "Accepted") return false;
  const reservation: Reservation = {
    reservationId: request.reservationId,
    connectorId: request.connectorId,
    idTag: request.idTag,
    expiryDate: toUtcIso(request.expiryDate),
    requestedAt: at,
  };
  if (request.parentIdTag !== undefined) reservation.parentIdTag = request.parentIdTag;
  // OCPP 1.6 §5.13: a ReserveNow with a known reservationId replaces that reservation.
  record.reservations = [...withoutReservation(record, request.reservationId), reservation];
  return true;
};

const cancelReservation: Effect<"CancelReservation"> = (record, request, response) => {
  if (response.status !== "Accepted") return false;
  record.reservations = withoutReservation(record, request.reservationId);
  return true;
};

/** What the snapshot keeps of a configuration value: never a secret (viewers read the snapshot). */
function storedValue(key: string, value: string): string {
  return isSecretName(key) ? REDACTED : value;
}

/** The station's reservations without one (used, cancelled or replaced). */
export function withoutReservation(record: ChargePointRecord, reservationId: number): Reservation[] {
  return (record.reservations ?? []).filter((r) => r.reservationId !== reservationId);
}

/**
 * One entry per CS->CP action, so a new command cannot be added without deciding what its answer teaches us
 * (the compiler refuses a missing key); null when it teaches nothing we keep.
 */
const EFFECTS: { readonly [A in CsToCpAction]: Effect<A> | null } = {
  CancelReservation: cancelReservation,
  ChangeAvailability: changeAvailability,
  ChangeConfiguration: changeConfiguration,
  ClearCache: null,
  ClearChargingProfile: null,
  DataTransfer: null,
  GetCompositeSchedule: null,
  GetConfiguration: getConfiguration,
  GetDiagnostics: null,
  GetLocalListVersion: getLocalListVersion,
  RemoteStartTransaction: null,
  RemoteStopTransaction: null,
  ReserveNow: reserveNow,
  Reset: null,
  SendLocalList: sendLocalList,
  SetChargingProfile: null,
  TriggerMessage: null,
  UnlockConnector: null,
  UpdateFirmware: null,
};

export function applyCommandEffect(
  record: ChargePointRecord,
  action: CsToCpAction,
  request: unknown,
  response: unknown,
  at: string,
): boolean {
  const effect = EFFECTS[action] as Effect<CsToCpAction> | null;
  return effect ? effect(record, request as never, response as never, at) : false;
}
