/**
 * The API's answers as the dashboard sees them: types only, derived from the API's own zod schemas, so pages
 * and islands stay in step with the API without importing it (islands import types only).
 */
import type { z } from "zod";
import type {
  ChargePointDetailSchema,
  ChargePointSummarySchema,
  CommandLogSchema,
  DeviceModelPageSchema,
  FileStatusSchema,
  IdTagSchema,
  MeterValueSchema,
  StatusHistorySchema,
  TransactionSchema,
} from "../routes/api/schemas.ts";
import type { SiteAllocationEvent, StationEvent } from "../actors/events.ts";
import type { ChargingProfileListSchema, StoredProfileSchema } from "../routes/api/charging_profiles.ts";
import type { SiteDetailSchema, SiteSampleSchema, SiteSchema } from "../routes/api/sites.ts";
import type { StationSecurityView } from "../routes/api/station_security.ts";
import type { SecurityEvent } from "../security/security_events.ts";
import type { OverviewSchema } from "../routes/api/overview.ts";
import type { TokenView, UserView } from "../routes/api/auth.ts";
import type { SimulatorStatusSchema } from "../routes/api/simulator.ts";
import type { FirmwareView, UploadedFileView } from "../routes/api/files.ts";
import type { IssuedCertificateView } from "../routes/api/pki.ts";
import type { UnknownIdTagSchema } from "../routes/api/unknown_id_tags.ts";
import type { TransactionFlagSchema } from "../routes/api/fleet_schemas.ts";
import type { ServerWarning } from "../routes/api/server_warnings.ts";
import type { ClusterNodeView } from "../cluster/nodes.ts";

export type StationSummary = z.infer<typeof ChargePointSummarySchema>;
export type StationDetail = z.infer<typeof ChargePointDetailSchema>;
export type DeviceModelPage = z.infer<typeof DeviceModelPageSchema>;
export type Connector = StationSummary["connectors"][number];
export type ConnectorStatus = Connector["status"];
export type StatusHistoryItem = z.infer<typeof StatusHistorySchema>;
export type CommandLogItem = z.infer<typeof CommandLogSchema>;
export type Transaction = z.infer<typeof TransactionSchema>;
export type MeterValue = z.infer<typeof MeterValueSchema>;
/** With its local list membership (answered when fleet operations run). */
export type IdTag = z.infer<typeof IdTagSchema> & { localList?: boolean };
export type UnknownIdTag = z.infer<typeof UnknownIdTagSchema>;
export type TransactionFlag = z.infer<typeof TransactionFlagSchema>;
export type Role = "viewer" | "operator" | "admin";
export type StationSecurity = z.infer<typeof StationSecurityView>;
export type Site = z.infer<typeof SiteSchema>;
export type SiteDetail = z.infer<typeof SiteDetailSchema>;
export type SiteSample = z.infer<typeof SiteSampleSchema>;
export type StoredChargingProfile = z.infer<typeof StoredProfileSchema>;
export type ChargingProfileList = z.infer<typeof ChargingProfileListSchema>;
export type { SecurityEvent, ServerWarning, SiteAllocationEvent, StationEvent };
export type UploadedFile = z.infer<typeof UploadedFileView>;
export type FirmwareImage = z.infer<typeof FirmwareView>;
export type IssuedCertificate = z.infer<typeof IssuedCertificateView>;
export type FileStatus = z.infer<typeof FileStatusSchema>;
export type ClusterNode = ClusterNodeView;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Frame {
  at: string;
  direction: "in" | "out";
  frame: string;
}

export type { HandshakeFailure } from "../security/handshake_log.ts";

/** `GET /api/v1/overview`. */
export type Overview = z.infer<typeof OverviewSchema>;
export type FleetRow = Overview["items"][number];
export type AttentionKind = keyof Overview["attention"];

export type User = z.infer<typeof UserView>;
export type ApiToken = z.infer<typeof TokenView>;
export type SimulatorStatus = z.infer<typeof SimulatorStatusSchema>;

export type { FleetEvent } from "../fleet/events.ts";
export type { Alert } from "../fleet/alerts.ts";
export type { JobRecord as Job, JobTaskRecord as JobTask, TaskCounts } from "../store/fleet.ts";
export type { JobCommand } from "./job_catalog.ts";
