/**
 * What handler tests run on: a station's snapshot and a context at a fixed time with lookups answered from
 * plain lists (no socket, no store); the station's details are none unless a test gives them.
 */
import { type ChargePointRecord, emptyRecord, type Reservation } from "../../model/charge_point.ts";
import { fakeLookups } from "../../model/fakes.ts";
import type { ActorSettings } from "../deps.ts";
import type { HandlerContext } from "./handler.ts";

export const NOW = new Date("2026-05-01T10:00:00.000Z");

export const SETTINGS: ActorSettings = {
  registrationPolicy: "Accepted",
  heartbeatIntervalS: 300,
  bootRetryIntervalS: 60,
  callTimeoutMs: 30_000,
  maxFrameBytes: 65_536,
  maxBadFrames: 10,
  badFramesWindowMs: 600_000,
  singleUseIdTags: false,
};

/** An accepted station with the given fields. */
export function station(fields: Partial<ChargePointRecord> = {}): ChargePointRecord {
  return {
    ...emptyRecord("CP-1", new Date("2026-04-01T00:00:00.000Z")),
    registrationStatus: "Accepted",
    ...fields,
  };
}

/** A reservation of connector 1 for TAG-0, made on 2026-04-01, until `expiryDate`. */
export function reservation(reservationId: number, expiryDate: string): Reservation {
  return {
    reservationId,
    connectorId: 1,
    idTag: "TAG-0",
    expiryDate,
    requestedAt: "2026-04-01T00:00:00.000Z",
  };
}

/** A station charging transaction `transactionId` on connector 1. */
export function charging(transactionId: number): ChargePointRecord {
  const connector = { connectorId: 1, status: "Charging" as const, errorCode: "NoError" as const };
  return station({ connectors: [{ ...connector, timestamp: NOW.toISOString(), transactionId }] });
}

export function context(fields: Partial<HandlerContext> = {}): HandlerContext {
  return {
    chargePointId: "CP-1",
    securityProfile: 0,
    now: NOW,
    settings: SETTINGS,
    lookups: fakeLookups(),
    vendors: {},
    details: () => Promise.resolve({ configuration: null }),
    ...fields,
  };
}

export { fakeLookups, transaction } from "../../model/fakes.ts";
