/**
 * Reservations with a lifecycle: the CSMS allocates the id and sends ReserveNow; a reservation is active until
 * used, expired, or cancelled (by an operator, or because its connector became Faulted or Unavailable).
 */
import { z } from "zod";
import { principalLabel } from "../../auth/principal.ts";
import type { Fleet } from "../../fleet/mod.ts";
import type { ApiRouter } from "./http.ts";
import { refuseUnknownStation, type StationLookup } from "./known_station.ts";
import { refuseOutlivingReservation } from "./outliving_grants.ts";
import { ReservationSchema } from "./fleet_schemas.ts";
import { ErrorSchema, isoDateTime, limit, OperatorIdTag, pageOf, queryBoolean, urlInt } from "./schemas.ts";

const CreateBody = z.object({
  chargePointId: z.string().min(1).max(48),
  connectorId: z.number().int().min(0).max(2 ** 31 - 1).describe(
    "0 reserves the whole station (only where ReserveConnectorZeroSupported is true)",
  ),
  idTag: OperatorIdTag,
  parentIdTag: OperatorIdTag.optional(),
  expiryDate: isoDateTime,
  force: z.boolean().default(false).describe(
    "Reserve although the connector is not Available or already holds an active reservation",
  ),
}).strict();
const ListQuery = z.object({
  chargePointId: z.string().max(48).optional(),
  state: z.enum(["active", "used", "expired", "cancelled"]).optional(),
  before: urlInt(1, 2 ** 31 - 1).optional().describe(
    "Cursor: the nextCursor of the previous page",
  ),
  limit: limit(50, 500),
});
const IdParam = z.object({ reservationId: urlInt(1, 2 ** 31 - 1) });
const CancelQuery = z.object({
  force: queryBoolean.optional().describe("Cancel here even when the station cannot be told (not connected)"),
});

const ERRORS = {
  400: { description: "Invalid request", schema: ErrorSchema },
  401: { description: "Not authenticated", schema: ErrorSchema },
  403: { description: "Role too low", schema: ErrorSchema },
};
const STATION_ERRORS = {
  409: {
    description: "Not connected, refused (connector not Available, connector 0 not supported, or the " +
      "station answered Occupied/Faulted/Unavailable/Rejected), the connector already holds an active " +
      "reservation (`conflict`, `details.reservationId` names it; retry with force), or not active",
    schema: ErrorSchema,
  },
  502: { description: "The station answered with a CALLERROR", schema: ErrorSchema },
  504: { description: "The station did not answer in time", schema: ErrorSchema },
};

export function addReservationRoutes(router: ApiRouter, fleet: Fleet, stations: StationLookup): void {
  router.add({
    method: "post",
    path: "/v1/reservations",
    operationId: "createReservation",
    summary: "Reserve a connector (the CSMS allocates the reservationId)",
    description: "An API token that expires may reserve only until its own expiry (403 otherwise: the " +
      "connector would be held against everyone else after it).",
    tag: "Reservations",
    access: "operator",
    body: CreateBody,
    responses: {
      201: { description: "The active reservation", schema: ReservationSchema },
      ...ERRORS,
      404: { description: "No station ever had this id (a typo): nothing reserved", schema: ErrorSchema },
      ...STATION_ERRORS,
      504: {
        description: "The station did not answer in time: the reservation (details.reservationId) is held " +
          "all the same until its expiry, the station's late answer (a refusal ends it) or a cancel",
        schema: ErrorSchema,
      },
    },
  }, async (c, { body, principal }) => {
    // As for commands: an id no station ever had is a typo, not an offline station.
    await refuseUnknownStation(stations, body.chargePointId, "chargePointId");
    refuseOutlivingReservation(principal, null, body.expiryDate);
    const reservation = await fleet.reservations.create({
      chargePointId: body.chargePointId,
      connectorId: body.connectorId,
      idTag: body.idTag,
      expiryDate: body.expiryDate,
      force: body.force,
      ...(body.parentIdTag !== undefined ? { parentIdTag: body.parentIdTag } : {}),
    }, principal ? principalLabel(principal) : "anonymous");
    return c.json(reservation, 201);
  });

  router.add({
    method: "get",
    path: "/v1/reservations",
    operationId: "listReservations",
    summary: "Reservations, newest first, with their state",
    tag: "Reservations",
    access: "viewer",
    query: ListQuery,
    responses: {
      200: { description: "A page of reservations", schema: pageOf(ReservationSchema) },
      ...ERRORS,
    },
  }, async (c, { query }) => {
    const items = await fleet.reservations.list({
      limit: query.limit,
      ...(query.chargePointId !== undefined ? { chargePointId: query.chargePointId } : {}),
      ...(query.state !== undefined ? { state: query.state } : {}),
      ...(query.before !== undefined ? { before: query.before } : {}),
    });
    const last = items.at(-1);
    return c.json({
      items,
      nextCursor: items.length >= query.limit && last ? String(last.reservationId) : null,
    });
  });

  router.add({
    method: "get",
    path: "/v1/reservations/{reservationId}",
    operationId: "getReservation",
    summary: "One reservation",
    tag: "Reservations",
    access: "viewer",
    params: IdParam,
    responses: {
      200: { description: "The reservation", schema: ReservationSchema },
      ...ERRORS,
      404: { description: "Unknown reservation", schema: ErrorSchema },
    },
  }, async (c, { params }) => c.json(await fleet.reservations.get(params.reservationId)));

  router.add({
    method: "post",
    path: "/v1/reservations/{reservationId}/cancel",
    operationId: "cancelReservation",
    summary: "Cancel an active reservation (CancelReservation to the station)",
    tag: "Reservations",
    access: "operator",
    params: IdParam,
    query: CancelQuery,
    responses: {
      200: { description: "The cancelled reservation", schema: ReservationSchema },
      ...ERRORS,
      404: { description: "Unknown reservation", schema: ErrorSchema },
      ...STATION_ERRORS,
    },
  }, async (c, { params, query, principal }) =>
    c.json(
      await fleet.reservations.cancel(
        params.reservationId,
        principal ? principalLabel(principal) : "anonymous",
        {
          force: query.force ?? false,
        },
      ),
    ));
}
