/**
 * The overview's view of the fleet as pure functions: one row per station (with its sessions and energy
 * today), the live KPIs, what needs attention, and the search, filters and sort of the station table.
 * `fleet_scan.ts` gathers the input from the stores; the API route serves the result.
 *
 * Definitions (also in the README):
 * - energy today: finished sessions that started today, plus what running sessions delivered so far; a
 *   session whose meter readings are implausible (`model/energy_plausibility.ts`) adds nothing;
 * - availability: connectors of online stations that are neither Faulted nor Unavailable, out of all
 *   connectors (an offline station's connectors count as not available);
 * - utilisation: connectors of online stations with a session running, out of the online stations' connectors;
 * - attention: Faulted connectors of online stations, stations offline longer than the threshold, stations
 *   Pending or Rejected, running sessions whose id tag was not Accepted, running sessions flagged open
 *   after their station's reboot (stuck: likely forgotten by the station), and stations whose last firmware
 *   status is a failure (until their next status: a retried update, or a triggered Idle; or an operator
 *   dismisses it), stations that sent a frame we refused within the last 24 h (protocol errors: invalid
 *   JSON, a schema's violation, an unknown action or message type; `model/protocol_errors.ts`), and
 *   stations connected and not reporting: Accepted, and no StatusNotification since their boot for longer
 *   than the status grace (`awaiting_status.ts`; within it they are starting up, not a problem).
 */
import { isFirmwareFailure } from "../fleet/firmware_campaign.ts";
import type { ConnectorState, LiveRecord } from "../model/charge_point.ts";
import type { TransactionRecord } from "../model/transaction.ts";
import { plausibleRunningWh } from "../model/energy_plausibility.ts";
import { recentProtocolErrors } from "../model/protocol_errors.ts";
import { type AwaitingStatus, awaitingStatus } from "./awaiting_status.ts";
import { inUse, operative, pointsOfCharge, shownStatus } from "./connector_status.ts";
import { naturalOrder } from "./natural_order.ts";

export const ATTENTION_KINDS = [
  "faulted",
  "offline",
  "registration",
  "badTags",
  "stuck",
  "firmware",
  "protocol",
  "silent",
] as const;
export type AttentionKind = typeof ATTENTION_KINDS[number];

export const SORT_KEYS = ["id", "state", "vendor", "firmware", "lastSeen", "sessions", "energy"] as const;
export type SortKey = typeof SORT_KEYS[number];

/** One station as the scan found it. */
export interface ScannedStation {
  record: LiveRecord;
  online: boolean;
  connectedAt: string | null;
  remoteAddress: string | null;
}

export interface FleetInput {
  stations: ScannedStation[];
  /** Running sessions. */
  active: TransactionRecord[];
  /** Sessions that started since `dayStart`. */
  today: TransactionRecord[];
  /** Energy so far of running sessions, by transaction id (Wh). */
  sessionEnergyWh: ReadonlyMap<number, number>;
  /** Transactions flagged open after their station's reboot (running or not). */
  openAfterReboot?: ReadonlySet<number>;
  now: Date;
  /** A station offline longer than this needs attention. */
  offlineAfterMs: number;
  /** How long after its boot a connected station may send no status before it needs attention. */
  statusGraceMs: number;
}

export interface FleetRow {
  id: string;
  online: boolean;
  connectedAt: string | null;
  remoteAddress: string | null;
  lastSeen: string | null;
  registrationStatus: LiveRecord["registrationStatus"];
  boot: LiveRecord["boot"];
  /** The dialect of its last connection (`ocpp1.6`, `ocpp2.0.1`); null if it never connected. */
  ocppVersion: string | null;
  /** The station's last FirmwareStatusNotification status, null before one (or once an operator dismissed a failure). */
  firmwareStatus: string | null;
  connectors: ConnectorState[];
  /** Running sessions' ids. */
  sessions: number[];
  energyTodayWh: number;
  attention: AttentionKind[];
  /** Connected and no status since its boot (`awaiting_status.ts`): starting up, or overdue; else null. */
  awaitingStatus: AwaitingStatus | null;
}

export interface FleetKpis {
  stations: number;
  online: number;
  offline: number;
  faultedConnectors: number;
  activeSessions: number;
  energyTodayWh: number;
  /** 0..1, null without connectors. */
  availability: number | null;
  /** 0..1, null without online connectors. */
  utilisation: number | null;
}

export interface Fleet {
  rows: FleetRow[];
  kpis: FleetKpis;
  attention: Record<AttentionKind, number>;
  /**
   * The soonest a station starting up turns silent (its grace ends, `overdueAt`), any station of the fleet's, shown
   * or not; null when none is starting up. Nothing else the overview counts changes without an event, so a page
   * asks again then rather than at its next periodic refresh.
   */
  nextOverdueAt: string | null;
}

export function buildFleet(input: FleetInput): Fleet {
  const sessionsOf = new Map<string, TransactionRecord[]>();
  for (const tx of input.active) {
    const list = sessionsOf.get(tx.chargePointId);
    if (list) list.push(tx);
    else sessionsOf.set(tx.chargePointId, [tx]);
  }
  // A running session that started today is in both lists: counted once, with its energy so far.
  const energyOf = new Map<string, number>();
  const counted = new Set<number>();
  const add = (tx: TransactionRecord, wh: number) => {
    if (counted.has(tx.transactionId)) return;
    counted.add(tx.transactionId);
    energyOf.set(tx.chargePointId, (energyOf.get(tx.chargePointId) ?? 0) + Math.max(0, wh));
  };
  // A session whose readings cannot be a real meter's counts 0 (`implausibleEnergy`): one broken meter must not
  // poison the fleet's total. A finished one's energyWh is then null already.
  const nowMs = input.now.getTime();
  for (const tx of input.active) {
    add(tx, plausibleRunningWh(tx, input.sessionEnergyWh.get(tx.transactionId) ?? 0, nowMs));
  }
  for (const tx of input.today) add(tx, tx.energyWh ?? 0);

  const attention: Record<AttentionKind, number> = {
    faulted: 0,
    offline: 0,
    registration: 0,
    badTags: 0,
    stuck: 0,
    firmware: 0,
    protocol: 0,
    silent: 0,
  };
  let connectors = 0, operativeNow = 0, onlineConnectors = 0, inUseNow = 0, online = 0;
  let nextOverdueAt: string | null = null;
  const rows = input.stations.map((s): FleetRow => {
    const r = s.record;
    const sessions = sessionsOf.get(r.id) ?? [];
    const marks: AttentionKind[] = [];
    const points = pointsOfCharge(
      r,
      (id) => sessions.find((t) => t.stationTransactionId === id)?.transactionId,
    );
    const faulted = s.online ? points.filter((c) => c.status === "Faulted").length : 0;
    if (faulted > 0) marks.push("faulted");
    attention.faulted += faulted;
    if (!s.online && offlineLongerThan(r.lastSeen, nowMs, input.offlineAfterMs)) marks.push("offline");
    if (r.registrationStatus === "Pending" || r.registrationStatus === "Rejected") marks.push("registration");
    const bad = sessions.filter((t) => t.startIdTagStatus !== "Accepted").length;
    if (bad > 0) marks.push("badTags");
    attention.badTags += bad;
    const stuck = input.openAfterReboot
      ? sessions.filter((t) => input.openAfterReboot!.has(t.transactionId)).length
      : 0;
    if (stuck > 0) marks.push("stuck");
    attention.stuck += stuck;
    if (r.firmwareStatus !== null && isFirmwareFailure(r.firmwareStatus)) marks.push("firmware");
    if (recentProtocolErrors(r.protocolErrors, nowMs)) marks.push("protocol");
    const waiting = awaitingStatus(s, nowMs, input.statusGraceMs);
    if (waiting?.overdue) marks.push("silent");
    else if (waiting && (nextOverdueAt === null || waiting.overdueAt < nextOverdueAt)) {
      nextOverdueAt = waiting.overdueAt;
    }
    for (const kind of ["offline", "registration", "firmware", "protocol", "silent"] as const) {
      if (marks.includes(kind)) attention[kind]++;
    }

    if (s.online) online++;
    for (const c of points) {
      if (c.connectorId === 0) continue;
      connectors++;
      if (!s.online) continue;
      onlineConnectors++;
      if (operative(c)) operativeNow++;
      if (inUse(c)) inUseNow++;
    }
    return {
      id: r.id,
      online: s.online,
      connectedAt: s.connectedAt,
      remoteAddress: s.remoteAddress,
      lastSeen: r.lastSeen,
      registrationStatus: r.registrationStatus,
      boot: r.boot,
      ocppVersion: r.ocppVersion ?? null,
      firmwareStatus: r.firmwareStatus ?? null,
      connectors: points,
      sessions: sessions.map((t) => t.transactionId),
      energyTodayWh: energyOf.get(r.id) ?? 0,
      attention: marks,
      awaitingStatus: waiting,
    };
  });
  let energyTodayWh = 0;
  for (const wh of energyOf.values()) energyTodayWh += wh;
  return {
    rows,
    attention,
    nextOverdueAt,
    kpis: {
      stations: rows.length,
      online,
      offline: rows.length - online,
      faultedConnectors: attention.faulted,
      activeSessions: input.active.length,
      energyTodayWh,
      availability: connectors > 0 ? operativeNow / connectors : null,
      utilisation: onlineConnectors > 0 ? inUseNow / onlineConnectors : null,
    },
  };
}

function offlineLongerThan(lastSeen: string | null, nowMs: number, ms: number): boolean {
  if (lastSeen === null) return true;
  const at = Date.parse(lastSeen);
  return Number.isNaN(at) || nowMs - at > ms;
}

export interface FleetQuery {
  /** Case-insensitive substring of the id, vendor, model, serial numbers or firmware version. */
  search?: string;
  /** A connector status (as shown: "Unknown" for offline stations). */
  status?: string;
  online?: boolean;
  attention?: AttentionKind;
  sort?: SortKey;
  order?: "asc" | "desc";
}

/** The words a search looks in. */
function searchable(row: FleetRow): string {
  const b = row.boot;
  return [
    row.id,
    b?.chargePointVendor,
    b?.chargePointModel,
    b?.chargePointSerialNumber,
    b?.chargeBoxSerialNumber,
    b?.firmwareVersion,
    b?.meterSerialNumber,
  ].filter(Boolean).join("\n").toLowerCase();
}

export function selectRows(rows: readonly FleetRow[], query: FleetQuery): FleetRow[] {
  const needle = query.search?.trim().toLowerCase();
  const picked = rows.filter((row) =>
    (!needle || searchable(row).includes(needle)) &&
    (query.online === undefined || row.online === query.online) &&
    (query.attention === undefined || row.attention.includes(query.attention)) &&
    (!query.status ||
      row.connectors.some((c) => c.connectorId > 0 && shownStatus(c, row.online) === query.status))
  );
  const sign = query.order === "desc" ? -1 : 1;
  const key = query.sort ?? "id";
  return picked.sort((a, b) => sign * compareBy(key, a, b) || naturalOrder(a.id, b.id));
}

function compareBy(key: SortKey, a: FleetRow, b: FleetRow): number {
  switch (key) {
    case "id":
      return naturalOrder(a.id, b.id);
    case "state":
      // Problems first when ascending: offline, then online with attention, then the rest.
      return rank(a) - rank(b);
    case "vendor":
      return naturalOrder(vendorOf(a), vendorOf(b));
    case "firmware":
      return naturalOrder(a.boot?.firmwareVersion ?? "", b.boot?.firmwareVersion ?? "");
    case "lastSeen":
      return naturalOrder(a.lastSeen ?? "", b.lastSeen ?? "");
    case "sessions":
      return a.sessions.length - b.sessions.length;
    case "energy":
      return a.energyTodayWh - b.energyTodayWh;
  }
}

function rank(row: FleetRow): number {
  if (!row.online) return 0;
  return row.attention.length > 0 ? 1 : 2;
}

function vendorOf(row: FleetRow): string {
  return row.boot ? `${row.boot.chargePointVendor} ${row.boot.chargePointModel}` : "";
}
