/** Alerts (stations offline too long, Faulted connectors) and the run-time fleet settings. */
import { z } from "zod";
import { principalLabel } from "../../auth/principal.ts";
import type { Fleet } from "../../fleet/mod.ts";
import type { ApiRouter } from "./http.ts";
import { AlertSchema, FleetSettingsSchema } from "./fleet_schemas.ts";
import { ErrorSchema } from "./schemas.ts";

const days = z.number().min(0).max(36_500);
const SettingsBody = z.object({
  retention: z.object({
    meterValuesDays: days.optional(),
    statusHistoryDays: days.optional(),
    framesMinutes: z.number().min(0).max(525_600).optional(),
    webhookDeliveriesDays: days.optional(),
    dataTransfersDays: days.optional(),
    commandLogDays: days.optional(),
  }).strict().optional().describe("How long to keep each kind of data; 0 keeps it for ever"),
}).strict();

const ERRORS = {
  400: { description: "Invalid request", schema: ErrorSchema },
  401: { description: "Not authenticated", schema: ErrorSchema },
  403: { description: "Role too low", schema: ErrorSchema },
};

export function addAlertRoutes(router: ApiRouter, fleet: Fleet, now: () => Date): void {
  router.add({
    method: "get",
    path: "/v1/alerts",
    operationId: "listAlerts",
    summary: "Stations offline longer than ATTENTION_OFFLINE_MIN, and Faulted connectors of online stations",
    tag: "Alerts",
    access: "viewer",
    responses: {
      200: {
        description: "The current alerts",
        schema: z.object({ items: z.array(AlertSchema), truncated: z.boolean() }),
      },
      ...ERRORS,
    },
  }, async (c) => {
    const { alerts, truncated } = await fleet.alerts();
    return c.json({ items: alerts, truncated });
  });

  router.add({
    method: "get",
    path: "/v1/fleet-settings",
    operationId: "getFleetSettings",
    summary: "Data retention settings",
    tag: "Alerts",
    access: "viewer",
    responses: { 200: { description: "The settings", schema: FleetSettingsSchema }, ...ERRORS },
  }, async (c) => c.json(await fleet.store.settings.getSettings()));

  router.add({
    method: "put",
    path: "/v1/fleet-settings",
    operationId: "putFleetSettings",
    summary: "Change data retention settings (fields left out stay as they are)",
    description:
      "Meter values, status history, webhook deliveries and DataTransfer messages older than their " +
      "setting are deleted in the background, in batches, every RETENTION_INTERVAL_S, by one process at a time; " +
      "each process forgets its own OCPP frames older than framesMinutes.",
    tag: "Alerts",
    access: "admin",
    body: SettingsBody,
    responses: { 200: { description: "The settings", schema: FleetSettingsSchema }, ...ERRORS },
  }, async (c, { body, principal }) => {
    const defined = <T extends object>(o: T | undefined) =>
      Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined));
    // The fields sent, over the settings as stored when written: another admin's change meanwhile stays.
    const next = await fleet.store.settings.changeSettings((current) => ({
      retention: { ...current.retention, ...defined(body.retention) },
      updatedBy: principal ? principalLabel(principal) : "anonymous",
      updatedAt: now().toISOString(),
    }));
    return c.json(next);
  });
}
