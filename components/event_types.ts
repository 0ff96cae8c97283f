/**
 * The event names of the live stream (`GET /api/v1/events`): the API documents and filters by them, and the
 * dashboard's islands listen for them. Shared here, as plain data, so both sides list the same.
 */
export const EVENT_TYPES = [
  "connected",
  "disconnected",
  "boot",
  "status",
  // OCPP 2.0.1: one connector of one EVSE.
  "evseStatus",
  // OCPP 2.0.1: an external charging limit set or cleared.
  "chargingLimit",
  "transaction",
  // OCPP 2.0.1: a reservation the station no longer holds (ReservationStatusUpdate).
  "reservationStatus",
  "meterValues",
  // A station's firmware update progress (FirmwareStatusNotification, SignedFirmwareStatusNotification).
  "firmwareStatus",
  "siteAllocation",
  "securityEvent",
  // A station presented an id tag that is not stored (answered Invalid).
  "unknownIdTag",
  // An operator decommissioned a station or put it back in service.
  "service",
  // An operator dismissed a station's failed firmware update (the overview's attention).
  "firmwareFailureDismissed",
  // An operator cleared a station's protocol errors (the overview's attention).
  "protocolErrorsCleared",
  // Fleet operations (fleet/events.ts): job progress, reservations.
  "job",
  "reservation",
] as const;
