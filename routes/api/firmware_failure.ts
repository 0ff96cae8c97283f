/**
 * An operator dismisses a station's firmware failure (the overview's `firmware` attention): the failure seen is
 * acknowledged, so it no longer needs attention until the station's next failure. The station's firmware status
 * is cleared in its snapshot, by its actor when it is connected (wherever in the cluster), else in the store,
 * so every process sees it; its file status history keeps the failure. A `firmwareFailureDismissed` event
 * tells the live stream (the overviews open) and the overview's scan.
 */
import { z } from "zod";
import { principalLabel } from "../../auth/principal.ts";
import type { Registry } from "../../actors/registry.ts";
import { isFirmwareFailure } from "../../fleet/firmware_campaign.ts";
import type { Logger } from "../../logger.ts";
import type { Store } from "../../store/mod.ts";
import { ApiError, type ApiRouter } from "./http.ts";
import { ChargePointIdParam, ErrorSchema } from "./schemas.ts";

export interface FirmwareFailureRouteOptions {
  registry: Registry;
  store: Store;
  logger: Logger;
  now: () => Date;
}

const DismissBody = z.object({
  status: z.string().min(1).max(50).describe(
    "The failure the operator saw (e.g. InstallationFailed): a station that reported another status since is " +
      "not dismissed (409)",
  ),
}).strict();

const DismissedSchema = z.object({
  chargePointId: z.string(),
  dismissed: z.string().describe("The failure dismissed"),
});

export function addFirmwareFailureRoutes(router: ApiRouter, options: FirmwareFailureRouteOptions): void {
  const { registry, store, logger, now } = options;

  router.add({
    method: "post",
    path: "/v1/charge-points/{id}/firmware-failure/dismiss",
    operationId: "dismissFirmwareFailure",
    summary:
      "Dismiss a station's failed firmware update: it no longer needs attention until its next failure",
    description: "Clears the station's firmware status (null, as before its first) when it is still the " +
      "failure named; its file status history keeps it. 409 with `details.reason` `no_firmware_failure` when " +
      "its status is not a failure, `firmware_status_changed` when it is not the one named (reported since).",
    tag: "Charge points",
    access: "operator",
    params: ChargePointIdParam,
    body: DismissBody,
    responses: {
      200: { description: "Dismissed", schema: DismissedSchema },
      400: { description: "Invalid request", schema: ErrorSchema },
      401: { description: "Not authenticated", schema: ErrorSchema },
      403: { description: "Role too low", schema: ErrorSchema },
      404: { description: "Unknown charge point", schema: ErrorSchema },
      409: { description: "No such failure to dismiss", schema: ErrorSchema },
    },
  }, async (c, { params, body, principal }) => {
    const { id } = params;
    const record = registry.get(id)?.snapshot ?? await store.getChargePoint(id);
    if (!record) throw new ApiError(404, "not_found", `Charge point "${id}" is unknown`);
    const current = record.firmwareStatus;
    if (current === null || !isFirmwareFailure(current)) {
      throw new ApiError(
        409,
        "conflict",
        `Cannot dismiss a firmware failure of "${id}": its firmware status is ${JSON.stringify(current)}`,
        { reason: "no_firmware_failure", firmwareStatus: current },
      );
    }
    const changed = (now: string | null) =>
      new ApiError(
        409,
        "conflict",
        `Cannot dismiss "${body.status}" on "${id}": the station reported ${JSON.stringify(now)} since`,
        { reason: "firmware_status_changed", firmwareStatus: now },
      );
    if (current !== body.status) throw changed(current);
    const at = now().toISOString();
    const { record: updated } = await registry.updateSnapshot(id, {
      change: "dismissFirmwareFailure",
      status: body.status,
      at,
    });
    // Its actor compares with what it holds: a status reported meanwhile is kept.
    if (updated.firmwareStatus !== null) throw changed(updated.firmwareStatus);
    const by = principalLabel(principal);
    logger.info("firmware failure dismissed", { chargePointId: id, status: body.status, by });
    // The overview's scan and the operators' pages hear of it as of any change of a station.
    registry.deps.events.publish({
      type: "firmwareFailureDismissed",
      chargePointId: id,
      at,
      status: body.status,
      by,
    });
    return c.json({ chargePointId: id, dismissed: body.status });
  });
}
