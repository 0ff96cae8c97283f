/**
 * A station's live header: online state, boot info, connectors with their status chips, and (for operators)
 * the one-click actions: Remote start, Remote stop, Reset, Unlock connector (a 2.0.1 station's in its own
 * dialect, with availability and triggers: islands/quick_actions_201.tsx). Follows the station's events.
 */
import { Time, TzLabel } from "../components/time.tsx";
import { useEffect, useRef, useState } from "preact/hooks";
import { AwaitingStatusNote } from "../components/awaiting_status.tsx";
import { OnlineBadge, StatusChip } from "../components/status_chip.tsx";
import { formatTime } from "../components/format.ts";
import { OfflineSince } from "../components/offline_since.tsx";
import type { StationDetail, StationEvent } from "../components/types.ts";
import { announceCommand, ApiCallError, apiFetch, LiveDot, useEvents } from "./client.tsx";
import { REMOTE_START_ACTIONS, RemoteStartNote, useRemoteStart } from "./remote_start.tsx";
import { commandLabel } from "../components/command_label.ts";
import { CommandOutcome, type CommandOutcomeValue, IdTagOptions } from "../components/command_outcome.tsx";
import { shownStatus } from "../overview/connector_status.ts";
import { QuickActions201 } from "./quick_actions_201.tsx";
import { FirmwareState } from "./firmware_state.tsx";
import { RegistrationState } from "./registration_state.tsx";
import { useServerNow } from "./server_clock.ts";

export interface StationConsoleProps {
  station: StationDetail;
  /** Operators and admins: the actions are rendered at all. */
  canCommand: boolean;
  /** Admins: a station not Accepted can be accepted from its header. */
  canAccept?: boolean;
  /** Id tags to suggest for a remote start. */
  idTags: string[];
  /** The server's time when the page was made: durations count from the server's clock (server_clock.ts). */
  serverNow: string;
  /** OCPP 2.0.1 stations: the messages TriggerMessage may ask for (islands import no server values). */
  triggerMessages?: readonly string[];
  /** OCPP 2.0.1 stations: the IdTokenEnumType values a remote start may name. */
  idTokenTypes?: readonly string[];
  /** OCPP 2.0.1 stations: the type of each suggested id tag stored with one. */
  idTokenTypeOf?: Readonly<Record<string, string>>;
}

type Outcome = CommandOutcomeValue & {
  /** Refused by the station's state: offer to send it anyway. */
  retry?: () => void;
};

const ID_TAG_LIST = "console-id-tags";
/** How often a station still starting up (or not reporting) is read again, as the overview reads its list. */
const AWAITING_RELOAD_MS = 10_000;
/** The server refuses a remote start to these unless forced (actors/commands/remote_start_transaction.ts). */
const NOT_STARTABLE = new Set(["Faulted", "Unavailable"]);

export default function StationConsole(props: StationConsoleProps) {
  const [station, setStation] = useState(props.station);
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  /** Why the station went offline while this page was open (its node lost, closed by an operator, ...). */
  const [gone, setGone] = useState<{ at: string; reason: string } | null>(null);
  /** The server's clock the offline duration is counted against, ticking so "ago" does not go stale. */
  const now = useServerNow(props.serverNow, { everyMs: 15_000 });
  const id = station.id;
  const path = `/api/v1/charge-points/${encodeURIComponent(id)}`;

  /** The last read asked for, and the events applied to the station here (a read older than one misses it). */
  const lastRead = useRef(0);
  const applied = useRef(0);
  const reload = () => {
    const read = ++lastRead.current;
    const seen = applied.current;
    apiFetch<StationDetail>(path).then((s) => {
      // A later read is out (it is newer), or an event applied meanwhile is not in this read: read again.
      if (read !== lastRead.current) return;
      if (seen !== applied.current) return void reload();
      setStation(s);
    }).catch(() => {});
  };

  const live = useEvents(`chargePointId=${encodeURIComponent(id)}`, (event: StationEvent) => {
    applied.current++;
    switch (event.type) {
      case "connected":
        setGone(null);
        setStation((s) => ({
          ...s,
          online: true,
          connectedAt: event.at,
          remoteAddress: event.remoteAddress,
        }));
        // Whether it is starting up (a reconnection without a boot may be) is the server's to say.
        void reload();
        break;
      case "disconnected":
        setGone({ at: event.at, reason: event.reason });
        setStation((s) => ({
          ...s,
          online: false,
          connectedAt: null,
          remoteAddress: null,
          pendingCall: null,
          awaitingStatus: null,
        }));
        break;
      case "status":
        setStation((s) => ({
          ...s,
          lastSeen: event.at,
          // It reports: no longer starting up.
          awaitingStatus: null,
          connectors: [
            ...s.connectors.filter((c) => c.connectorId !== event.connector.connectorId),
            event.connector,
          ]
            .sort((a, b) => a.connectorId - b.connectorId),
        }));
        break;
      default:
        // Boot info and transaction ids on connectors: the snapshot has them.
        void reload();
    }
  }, reload);

  const connectors = station.connectors.filter((c) => c.connectorId > 0);
  const activeTx = connectors.filter((c) => c.transactionId !== undefined);

  // Starting up until its grace ends, on the server's clock; rendered again then, not at the next tick.
  const waiting = station.online ? station.awaitingStatus : null;
  const overdueAtMs = waiting ? Date.parse(waiting.overdueAt) : Number.NaN;
  const overdue = waiting !== null && (waiting.overdue || now >= overdueAtMs);
  const [, wake] = useState(0);
  useEffect(() => {
    if (waiting === null || overdue) return;
    const timer = setTimeout(() => wake((n) => n + 1), Math.max(0, overdueAtMs - now) + 50);
    return () => clearTimeout(timer);
  }, [waiting?.overdueAt, overdue]);
  // A status report older than the connector's sends no event (nothing changed to show), yet it ends the wait:
  // while waiting, the page reads the station again now and then, as the overview does.
  useEffect(() => {
    if (waiting === null) return;
    const timer = setInterval(reload, AWAITING_RELOAD_MS);
    return () => clearInterval(timer);
  }, [waiting !== null]);

  const remoteStart = useRemoteStart(id);

  /** The answer's region: focus lands there after "Send anyway", whose button goes with the refusal it answered. */
  const resultRef = useRef<HTMLDivElement>(null);
  const focusResult = useRef(false);
  useEffect(() => {
    if (outcome && focusResult.current) {
      focusResult.current = false;
      resultRef.current?.focus();
    }
  }, [outcome]);

  async function send(action: string, payload: Record<string, unknown>, force = false) {
    // Forced: sent from "Send anyway" (it goes with the refusal), so focus would otherwise drop to the body.
    focusResult.current = force;
    setBusy(action);
    setOutcome(null);
    const label = commandLabel(action);
    const isStart = REMOTE_START_ACTIONS.has(action);
    if (isStart) remoteStart.sending(action, payload);
    try {
      const answer = await apiFetch(`${path}/${action}${force ? "?force=true" : ""}`, {
        method: "POST",
        body: payload,
      });
      setOutcome({ action, label, ok: true, answer });
      if (isStart) remoteStart.answered(answer);
      announceCommand({ action, ok: true });
      void reload();
    } catch (error) {
      const e = error instanceof ApiCallError ? error : new ApiCallError(0, "error", String(error));
      if (isStart) remoteStart.failed();
      setOutcome({
        action,
        label,
        ok: false,
        error: { code: e.code, message: e.message, details: e.details },
        ...(e.code === "command_refused" ? { retry: () => void send(action, payload, true) } : {}),
      });
      announceCommand({ action, ok: false });
    } finally {
      setBusy(null);
    }
  }

  const [startConnector, setStartConnector] = useState("");
  const [idTag, setIdTag] = useState("");
  const [stopTx, setStopTx] = useState("");
  const [unlockConnector, setUnlockConnector] = useState("");
  const startTarget = connectors.find((c) => String(c.connectorId) === startConnector);
  // Said before it is tried, not hidden: the refusal that follows offers "Send anyway" (force).
  const startWarning = startTarget && NOT_STARTABLE.has(startTarget.status)
    ? `connector ${startTarget.connectorId} is ${startTarget.status}: the station will likely refuse; force to send anyway`
    : null;
  const stopChoice = stopTx || String(activeTx[0]?.transactionId ?? "");
  const unlockChoice = unlockConnector || String(connectors[0]?.connectorId ?? "1");
  // A command to a station connected nowhere fails at once (409): said before it is tried.
  const cannotSend = busy !== null || !station.online;
  const is201 = station.ocppVersion === "ocpp2.0.1";
  const confirmReset = () => confirm(`Hard reset ${id}? Running transactions are stopped.`);

  return (
    <section class="card" aria-labelledby="station-title">
      <div class="card-head">
        <h1 id="station-title">{id}</h1>
        <OnlineBadge online={station.online} />
        {waiting && <AwaitingStatusNote awaiting={waiting} overdue={overdue} class="small" />}
        {!station.online && <OfflineSince lastSeen={station.lastSeen} now={now} />}
        <LiveDot live={live} />
      </div>
      <dl class="facts">
        <div>
          <dt>Vendor / model</dt>
          <dd>{station.boot ? `${station.boot.chargePointVendor} ${station.boot.chargePointModel}` : "—"}</dd>
        </div>
        <div>
          <dt>Firmware</dt>
          <dd>{station.boot?.firmwareVersion ?? "—"}</dd>
        </div>
        <div>
          <dt>Serial</dt>
          <dd>{station.boot?.chargePointSerialNumber ?? station.boot?.chargeBoxSerialNumber ?? "—"}</dd>
        </div>
        <div>
          <dt>Registration</dt>
          <RegistrationState
            chargePointId={id}
            registrationStatus={station.registrationStatus}
            canAccept={props.canAccept ?? false}
            onAccepted={() => void reload()}
          />
        </div>
        <div>
          <dt>
            Booted (<TzLabel />)
          </dt>
          <dd>
            <Time iso={station.bootedAt} />
          </dd>
        </div>
        <div>
          <dt>
            Last seen (<TzLabel />)
          </dt>
          <dd>
            <Time iso={station.lastSeen} />
          </dd>
        </div>
        <div>
          <dt>
            Connected since (<TzLabel />)
          </dt>
          <dd>
            {station.online
              ? (
                <>
                  <Time iso={station.connectedAt} /> from {station.remoteAddress}
                </>
              )
              : "—"}
          </dd>
        </div>
        <FirmwareState
          chargePointId={id}
          firmwareStatus={station.firmwareStatus}
          diagnosticsStatus={station.diagnosticsStatus}
          canCommand={props.canCommand}
          onDismissed={() => void reload()}
        />
        <div>
          <dt>Local list version</dt>
          <dd>{station.localListVersion ?? "—"}</dd>
        </div>
        <div>
          <dt>Reservations</dt>
          <dd>
            {station.reservations.length === 0 ? "—" : station.reservations
              .map((r) =>
                `#${r.reservationId} connector ${r.connectorId} for ${r.idTag} until ${
                  formatTime(r.expiryDate)
                }${r.unconfirmed ? " (unconfirmed: ReserveNow not answered)" : ""}`
              )
              .join("; ")}
          </dd>
        </div>
        {station.scheduledAvailability.length > 0 && (
          <div>
            <dt>Scheduled availability</dt>
            <dd>
              {station.scheduledAvailability.map((s) => `connector ${s.connectorId} ${s.type}`).join("; ")}
            </dd>
          </div>
        )}
      </dl>

      <h2>Connectors</h2>
      {waiting && (
        <p class={overdue ? "warn" : "muted"} data-testid="awaiting-status-detail">
          {overdue
            ? `No StatusNotification since its boot (or connection) at ${
              formatTime(waiting.since)
            } UTC: what its connectors do is unknown.`
            : `Starting up since ${formatTime(waiting.since)} UTC: waiting for its first StatusNotification${
              station.connectors.length > 0 ? "; the statuses below are from before" : ""
            }.`}
        </p>
      )}
      {station.connectors.length === 0
        ? (
          <p class="muted" data-testid="no-connectors">
            {station.ocppVersion === "ocpp2.0.1"
              ? (
                <>
                  An OCPP 2.0.1 station reports its connectors per EVSE: see <a href="#evses-title">EVSEs</a>.
                </>
              )
              : "The station has not reported a connector status yet."}
          </p>
        )
        : (
          <table class="table connectors" aria-label="Connectors">
            <thead>
              <tr>
                <th scope="col">Connector</th>
                <th scope="col">Status</th>
                <th scope="col">Error</th>
                <th scope="col">Transaction</th>
                <th scope="col">
                  Since (<TzLabel />)
                </th>
              </tr>
            </thead>
            <tbody>
              {station.connectors.map((c) => (
                <tr
                  key={c.connectorId}
                  data-connector={c.connectorId}
                  data-status={shownStatus(c, station.online)}
                >
                  <td data-label="Connector">{c.connectorId === 0 ? "0 (station)" : c.connectorId}</td>
                  <td data-label="Status">
                    <StatusChip status={shownStatus(c, station.online)} />
                    {!station.online && (
                      <div class="small muted">
                        since the station went offline; it last reported {c.status}
                      </div>
                    )}
                    {station.online && c.assumed && (
                      <div class="small muted" data-assumed>
                        assumed from its session: the station has not reported this connector
                      </div>
                    )}
                  </td>
                  <td data-label="Error">
                    {c.errorCode === "NoError"
                      ? <span class="muted">none</span>
                      : <strong>{c.errorCode}</strong>}
                    {c.info && <div class="small">{c.info}</div>}
                    {c.vendorErrorCode && <div class="small muted">vendor code {c.vendorErrorCode}</div>}
                  </td>
                  <td data-label="Transaction">
                    {c.transactionId !== undefined
                      ? <a href={`/transactions/${c.transactionId}`}>#{c.transactionId}</a>
                      : <span class="muted">—</span>}
                  </td>
                  <td data-label="Since">
                    <Time iso={c.timestamp} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}

      {props.canCommand && (
        <div class="quick-actions" aria-label="Quick actions" role="group">
          <h2>Actions</h2>
          {!station.online && (
            <p class="muted small" role="note" data-offline-note>
              Offline: commands cannot reach the station until it connects again.
              {gone && (
                <span data-offline-reason>
                  &nbsp;Went offline at <Time iso={gone.at} />
                  {gone.reason ? `: ${gone.reason}` : ""}.
                </span>
              )}
            </p>
          )}
          <IdTagOptions id={ID_TAG_LIST} idTags={props.idTags} />
          {is201 && (
            <QuickActions201
              evses={station.evses ?? []}
              idTagList={ID_TAG_LIST}
              triggerMessages={props.triggerMessages ?? []}
              idTokenTypes={props.idTokenTypes ?? []}
              idTokenTypeOf={props.idTokenTypeOf ?? {}}
              disabled={cannotSend}
              confirmReset={() => confirm(`Reset ${id} now? Running transactions are stopped.`)}
              send={(action, payload) => void send(action, payload)}
            />
          )}
          {!is201 && (
            <>
              <form
                class="action"
                onSubmit={(e) => {
                  e.preventDefault();
                  void send("RemoteStartTransaction", {
                    idTag: idTag.trim(),
                    ...(startConnector ? { connectorId: Number(startConnector) } : {}),
                  });
                }}
              >
                <label>
                  Connector
                  <select
                    name="startConnector"
                    value={startConnector}
                    onChange={(e) => setStartConnector(e.currentTarget.value)}
                  >
                    <option value="">any</option>
                    {connectors.map((c) => (
                      <option key={c.connectorId} value={c.connectorId}>{c.connectorId}</option>
                    ))}
                  </select>
                </label>
                <label>
                  Id tag
                  <input
                    name="idTag"
                    required
                    list={ID_TAG_LIST}
                    maxLength={20}
                    value={idTag}
                    onInput={(e) => setIdTag(e.currentTarget.value)}
                    autoComplete="off"
                  />
                </label>
                <button type="submit" disabled={cannotSend}>Remote start</button>
                {station.online && startWarning && (
                  <span class="small warn" role="note" data-start-warning>{startWarning}</span>
                )}
              </form>
              <form
                class="action"
                onSubmit={(e) => {
                  e.preventDefault();
                  if (stopChoice) void send("RemoteStopTransaction", { transactionId: Number(stopChoice) });
                }}
              >
                <label>
                  Transaction
                  <select
                    name="transactionId"
                    value={stopChoice}
                    onChange={(e) => setStopTx(e.currentTarget.value)}
                  >
                    {activeTx.length === 0 && <option value="">none active</option>}
                    {activeTx.map((c) => (
                      <option key={c.transactionId} value={c.transactionId}>
                        #{c.transactionId} on connector {c.connectorId}
                      </option>
                    ))}
                  </select>
                </label>
                <button type="submit" disabled={cannotSend || !stopChoice}>Remote stop</button>
              </form>
              <div class="action">
                <button
                  type="button"
                  disabled={cannotSend}
                  onClick={() => void send("Reset", { type: "Soft" })}
                >
                  Soft reset
                </button>
                <button
                  type="button"
                  class="danger"
                  disabled={cannotSend}
                  onClick={() => {
                    if (confirmReset()) {
                      void send("Reset", { type: "Hard" });
                    }
                  }}
                >
                  Hard reset
                </button>
              </div>
              <form
                class="action"
                onSubmit={(e) => {
                  e.preventDefault();
                  void send("UnlockConnector", { connectorId: Number(unlockChoice) });
                }}
              >
                <label>
                  Connector to unlock
                  <select
                    name="unlockConnector"
                    value={unlockChoice}
                    onChange={(e) => setUnlockConnector(e.currentTarget.value)}
                  >
                    {(connectors.length ? connectors.map((c) => c.connectorId) : [1]).map((n) => (
                      <option key={n} value={n}>{n}</option>
                    ))}
                  </select>
                </label>
                <button type="submit" disabled={cannotSend}>Unlock connector</button>
              </form>
            </>
          )}
          <div
            class="result"
            role="status"
            aria-live="polite"
            tabIndex={-1}
            ref={resultRef}
            data-result={outcome ? (outcome.ok ? "ok" : "error") : ""}
          >
            {busy && <span>Sending {commandLabel(busy).toLowerCase()}…</span>}
            {outcome && (
              <CommandOutcome outcome={outcome}>
                {outcome.retry && <button type="button" onClick={outcome.retry}>Send anyway</button>}
                {REMOTE_START_ACTIONS.has(outcome.action) && <RemoteStartNote start={remoteStart.start} />}
              </CommandOutcome>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
