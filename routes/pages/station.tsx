/**
 * `/stations/:id`: the live console, configuration, commands (operators), activity, charging profiles, recent
 * transactions, and the station's security settings and service (admins: not even asked for otherwise).
 */
import { commandCatalog, DEFAULT_COMMAND } from "../../components/command_catalog.ts";
import {
  commandCatalog201,
  DEFAULT_COMMAND_201,
  ID_TOKEN_TYPES_201,
  TRIGGER_MESSAGES_201,
} from "../../components/command_catalog_201.ts";
import { commandPrefill } from "../../components/command_prefill.ts";
import { ChargingReportsCard } from "../../components/charging_reports.tsx";
import { ProtocolErrorsNotice } from "../../components/protocol_errors.tsx";
import { Island } from "../../components/island.tsx";
import { Layout } from "../../components/layout.tsx";
import { StationFiles } from "../../components/station_files.tsx";
import type {
  ChargingProfileList,
  CommandLogItem,
  DeviceModelPage,
  FileStatus,
  Frame,
  IdTag,
  IssuedCertificate,
  Page,
  StationDetail,
  StationSecurity,
  StatusHistoryItem,
  Transaction,
  UploadedFile,
} from "../../components/types.ts";
import { type PageApi, PageError } from "./http.ts";
import { runningEnergyReport } from "./running_energy.ts";

const HISTORY = 50;

/**
 * Where the station's server-rendered lists (file transfer statuses, uploads, certificates) start: the newest,
 * or after an "Older" link's cursor.
 */
export interface StationQuery {
  fileStatusBefore?: string | undefined;
  uploadsBefore?: string | undefined;
  certificatesBefore?: string | undefined;
}
/** The newest sessions the page lists (live: one the station starts is added on top). */
const RECENT_TRANSACTIONS = 10;

export async function stationPage(api: PageApi, id: string, now: Date, query: StationQuery = {}) {
  const base = `/api/v1/charge-points/${encodeURIComponent(id)}`;
  const [viewer, station] = await Promise.all([api.viewer(), api.find<StationDetail>(base)]);
  if (!station) throw new PageError(404, `Charge point "${id}" is unknown`);
  const forStation = `chargePointId=${encodeURIComponent(id)}&limit=${HISTORY}`;
  // A cursor the API refuses (400) shows as this page's 400.
  const uploadsBefore = query.uploadsBefore?.slice(0, 200) || undefined;
  const certificatesBefore = query.certificatesBefore?.slice(0, 200) || undefined;
  const fileStatusBefore = query.fileStatusBefore?.slice(0, 200) || undefined;
  const after = (before: string | undefined) => before ? `&before=${encodeURIComponent(before)}` : "";
  const [
    configuration,
    frames,
    history,
    commands,
    transactions,
    profiles,
    security,
    uploads,
    certificates,
    files,
  ] = await Promise.all([
    api.get<{ configuration: { key: string; readonly: boolean; value?: string }[] | null }>(
      `${base}/configuration`,
    ),
    api.get<{ items: Frame[] }>(`${base}/frames`),
    api.get<Page<StatusHistoryItem>>(`${base}/status-history?limit=${HISTORY}`),
    api.get<Page<CommandLogItem>>(`${base}/commands?limit=${HISTORY}`),
    api.get<Page<Transaction>>(
      `/api/v1/transactions?chargePointId=${encodeURIComponent(id)}&limit=${RECENT_TRANSACTIONS}`,
    ),
    // Null when the server runs without energy management (the API has no such route then).
    api.find<ChargingProfileList>(`${base}/charging-profiles`),
    // Null also when the server runs without station security (the API has no such route then).
    viewer.role === "admin"
      ? api.find<StationSecurity>(`/api/v1/station-security/${encodeURIComponent(id)}`)
      : Promise.resolve(null),
    // Null when the server runs without the Security extension.
    api.find<Page<UploadedFile>>(`/api/v1/uploads?${forStation}${after(uploadsBefore)}`),
    api.find<Page<IssuedCertificate> & { current: IssuedCertificate | null }>(
      `/api/v1/pki/certificates?${forStation}${after(certificatesBefore)}`,
    ),
    api.get<Page<FileStatus>>(`${base}/file-status-history?limit=${HISTORY}${after(fileStatusBefore)}`),
  ]);
  const canCommand = viewer.role === "operator" || viewer.role === "admin";
  // OCPP 2.0.1 stations have EVSEs, a device model and their own commands.
  const is201 = station.ocppVersion === "ocpp2.0.1";
  const deviceModel = is201 ? await api.get<DeviceModelPage>(`${base}/device-model?limit=200`) : null;
  // Suggestions for the id tag fields: the Accepted tags (typing any other one still works).
  const accepted = canCommand
    ? (await api.get<Page<IdTag>>("/api/v1/id-tags?limit=1000")).items.filter((t) => t.status === "Accepted")
    : [];
  const idTags = accepted.map((t) => t.idTag);
  // A 2.0.1 remote start names the token's type: a tag stored with one is accepted with that type only.
  const idTokenTypeOf = Object.fromEntries(
    accepted.flatMap((t) => t.idTokenType ? [[t.idTag, t.idTokenType]] : []),
  );
  const console201 = {
    triggerMessages: TRIGGER_MESSAGES_201,
    idTokenTypes: ID_TOKEN_TYPES_201,
    idTokenTypeOf,
  };

  return (
    <Layout title={id} current="/" viewer={viewer}>
      <p class="crumbs">
        <a href="/">Stations</a> / <span aria-current="page">{id}</span>
        {station.ocppVersion && (
          <span class="muted" data-testid="ocpp-version">
            {` · ${station.ocppVersion === "ocpp2.0.1" ? "OCPP 2.0.1" : "OCPP 1.6"}`}
          </span>
        )}
        {station.decommissionedAt && (
          <>
            {" "}
            <span class="chip tone-fault" data-testid="decommissioned">Decommissioned</span>
          </>
        )}
      </p>
      <div class="grid">
        <ProtocolErrorsNotice
          chargePointId={id}
          errors={station.protocolErrors}
          now={now}
          canClear={canCommand}
        />
        {/* The console's quick actions speak the station's dialect (2.0.1: islands/quick_actions_201.tsx). */}
        <Island
          name="StationConsole"
          props={{
            station,
            canCommand,
            canAccept: viewer.role === "admin",
            idTags,
            serverNow: now.toISOString(),
            ...(is201 ? console201 : {}),
          }}
        />
        {/* A 2.0.1 station's connector statuses, beside its console as a 1.6 station's are within it. */}
        {is201 && (
          <Island
            name="EvseTable"
            props={{ chargePointId: id, evses: station.evses ?? [], online: station.online }}
          />
        )}
        {canCommand && (
          <Island
            name="CommandForms"
            props={{
              chargePointId: id,
              commands: is201 ? commandCatalog201() : commandCatalog(),
              initial: is201 ? DEFAULT_COMMAND_201 : DEFAULT_COMMAND,
              idTags,
              online: station.online,
              connectors: is201
                ? { place: "EVSE", ids: (station.evses ?? []).map((e) => e.evseId) }
                : { place: "connector", ids: station.connectors.map((c) => c.connectorId) },
              prefill: commandPrefill(station),
            }}
          />
        )}
        {is201 && <ChargingReportsCard reports={station.chargingReports} />}
        {deviceModel && (
          <Island name="DeviceModelPanel" props={{ chargePointId: id, page: deviceModel, canCommand }} />
        )}
        <Island
          name="StationActivity"
          props={{
            chargePointId: id,
            history: { items: history.items, nextCursor: history.nextCursor ?? null },
            commands: { items: commands.items, nextCursor: commands.nextCursor ?? null },
            frames: frames.items,
          }}
        />
        {!is201 && (
          <Island
            name="ConfigurationPanel"
            props={{ chargePointId: id, configuration: configuration.configuration, canCommand }}
          />
        )}
        {profiles && (
          <Island
            name="ChargingProfilesPanel"
            props={{
              chargePointId: id,
              profiles,
              // A 2.0.1 station's profiles are per EVSE (energy/ocpp201_profiles.ts: the connector is the EVSE).
              connectorIds: [
                ...new Set([
                  0,
                  ...(is201
                    ? (station.evses ?? []).map((e) => e.evseId)
                    : station.connectors.map((c) => c.connectorId)),
                ]),
              ].sort((a, b) => a - b),
              place: is201 ? "EVSE" : "Connector",
              canCommand,
            }}
          />
        )}
        {security && <Island name="StationSecurityPanel" props={{ chargePointId: id, settings: security }} />}
        {viewer.role === "admin" && (
          <Island
            name="DecommissionStation"
            props={{ chargePointId: id, decommissionedAt: station.decommissionedAt }}
          />
        )}
        <StationFiles
          chargePointId={id}
          history={{
            items: files.items,
            nextCursor: files.nextCursor ?? null,
            before: fileStatusBefore ?? null,
          }}
          uploads={uploads && { ...uploads, before: uploadsBefore ?? null }}
          certificates={certificates &&
            { ...certificates, before: certificatesBefore ?? null }}
          canDownload={canCommand}
          canDelete={viewer.role === "admin"}
        />
        <section class="card wide" aria-labelledby="recent-tx-title">
          <div class="card-head">
            <h2 id="recent-tx-title">Recent transactions</h2>
            <a href={`/transactions?chargePointId=${encodeURIComponent(id)}`}>All</a>
          </div>
          <Island
            name="TransactionTable"
            props={{
              rows: transactions.items,
              ...await runningEnergyReport(
                api,
                transactions.items.filter((t) => t.status === "active").map((t) => t.transactionId),
              ),
              generatedAt: now.toISOString(),
              station: { chargePointId: id, limit: RECENT_TRANSACTIONS },
            }}
          />
        </section>
      </div>
    </Layout>
  );
}
