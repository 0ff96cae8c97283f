/**
 * What happened at a station: status history, command log and the last OCPP frames. Refreshed (debounced)
 * when the station's events arrive or a command on this page finishes.
 */
import { Time, TzLabel } from "../components/time.tsx";
import { useRef, useState } from "preact/hooks";
import { StatusChip } from "../components/status_chip.tsx";
import type { CommandLogItem, Frame, StatusHistoryItem } from "../components/types.ts";
import { apiFetch, useCommandAnnouncements, useEvents } from "./client.tsx";

export interface StationActivityProps {
  chargePointId: string;
  history: StatusHistoryItem[];
  commands: CommandLogItem[];
  frames: Frame[];
}

const LIMIT = 50;

export default function StationActivity(props: StationActivityProps) {
  const [history, setHistory] = useState(props.history);
  const [commands, setCommands] = useState(props.commands);
  const [frames, setFrames] = useState(props.frames);
  const [tab, setTab] = useState<"history" | "commands" | "frames">("history");
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const base = `/api/v1/charge-points/${encodeURIComponent(props.chargePointId)}`;

  const refresh = () => {
    if (timer.current !== null) return;
    timer.current = setTimeout(async () => {
      timer.current = null;
      const [h, c, f] = await Promise.allSettled([
        apiFetch<{ items: StatusHistoryItem[] }>(`${base}/status-history?limit=${LIMIT}`),
        apiFetch<{ items: CommandLogItem[] }>(`${base}/commands?limit=${LIMIT}`),
        apiFetch<{ items: Frame[] }>(`${base}/frames`),
      ]);
      if (h.status === "fulfilled") setHistory(h.value.items);
      if (c.status === "fulfilled") setCommands(c.value.items);
      if (f.status === "fulfilled") setFrames(f.value.items);
    }, 250);
  };
  useEvents(`chargePointId=${encodeURIComponent(props.chargePointId)}`, refresh, refresh);
  useCommandAnnouncements(refresh);

  const tabs = [
    ["history", `Status history (${history.length})`],
    ["commands", `Command log (${commands.length})`],
    ["frames", `OCPP frames (${frames.length})`],
  ] as const;

  return (
    <section class="card" aria-labelledby="activity-title">
      <h2 id="activity-title">Activity</h2>
      <div class="tabs" role="tablist" aria-label="Activity">
        {tabs.map(([key, label]) => (
          <button
            type="button"
            role="tab"
            id={`tab-${key}`}
            aria-selected={tab === key}
            aria-controls={`panel-${key}`}
            key={key}
            onClick={() => setTab(key)}
          >
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="panel-history" aria-labelledby="tab-history" hidden={tab !== "history"}>
        {history.length === 0
          ? <p class="muted">No status reported yet.</p>
          : (
            <table class="table" aria-label="Status history">
              <thead>
                <tr>
                  <th scope="col">
                    Received (<TzLabel />)
                  </th>
                  <th scope="col">Connector</th>
                  <th scope="col">Status</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {history.map((h, i) => (
                  <tr key={`${h.receivedAt}-${i}`}>
                    <td data-label="Received">
                      <Time iso={h.receivedAt} />
                    </td>
                    {/* OCPP 2.0.1 reports name the EVSE too (and carry no error code). */}
                    <td data-label="Connector">
                      {h.evseId === undefined ? h.connectorId : `EVSE ${h.evseId} #${h.connectorId}`}
                    </td>
                    <td data-label="Status">
                      <StatusChip status={h.status} />
                    </td>
                    <td data-label="Error">
                      {h.errorCode === undefined || h.errorCode === "NoError"
                        ? <span class="muted">none</span>
                        : h.errorCode}
                      {h.info && <span class="small">— {h.info}</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </div>
      <div role="tabpanel" id="panel-commands" aria-labelledby="tab-commands" hidden={tab !== "commands"}>
        {commands.length === 0 ? <p class="muted">No commands sent yet.</p> : (
          // The payload and answer get a row of their own, the card's whole width: as a fifth column they
          // had what four others left of a half-width card, a character or two a line.
          <table class="table command-log" aria-label="Command log">
            <thead>
              <tr>
                <th scope="col">
                  Requested (<TzLabel />)
                </th>
                <th scope="col">Command</th>
                <th scope="col">By</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            {commands.map((c) => (
              <tbody key={c.id}>
                <tr>
                  <td data-label="Requested">
                    <Time iso={c.requestedAt} />
                  </td>
                  <td data-label="Command">{c.action}</td>
                  <td data-label="By" class="wrap">{c.requestedBy}</td>
                  <td data-label="Outcome">
                    <span class={`outcome outcome-${c.outcome}`}>{c.outcome}</span>
                    {c.lateAnswer && (
                      <div class="small" data-late-answer={c.lateAnswer.outcome}>
                        answered late ({c.lateAnswer.outcome === "accepted"
                          ? "CALLRESULT"
                          : c.lateAnswer.outcome}, <Time iso={c.lateAnswer.at} />)
                      </div>
                    )}
                  </td>
                </tr>
                <tr class="command-detail">
                  <td colSpan={4} data-label="Payload / answer" class="mono small wrap">
                    {JSON.stringify(c.payload)} → {JSON.stringify(c.response)}
                    {c.lateAnswer && <>→ late: {JSON.stringify(c.lateAnswer.response)}</>}
                  </td>
                </tr>
              </tbody>
            ))}
          </table>
        )}
      </div>
      <div role="tabpanel" id="panel-frames" aria-labelledby="tab-frames" hidden={tab !== "frames"}>
        {frames.length === 0
          ? <p class="muted">No frames kept for this station.</p>
          : (
            <ol class="frames" aria-label="Recent OCPP frames, oldest first">
              {frames.map((f, i) => (
                <li key={`${f.at}-${i}`} class={`frame ${f.direction}`}>
                  <span class="small muted">
                    <Time iso={f.at} />
                  </span>{" "}
                  <span class="dir">{f.direction === "in" ? "station → us" : "us → station"}</span>
                  <code class="mono wrap">{f.frame}</code>
                </li>
              ))}
            </ol>
          )}
      </div>
    </section>
  );
}
