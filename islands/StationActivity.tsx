/**
 * What happened at a station: status history, command log and the last OCPP frames. Refreshed (debounced)
 * when the station's events arrive or a command on this page finishes. The history and the log show their
 * newest 50; "Older" reads the next page (the API's nextCursor) and adds it below, and a refresh reads again
 * as many as are shown, so the older ones stay.
 */
import { Time, TzLabel } from "../components/time.tsx";
import { useEffect, useRef, useState } from "preact/hooks";
import { StatusChip } from "../components/status_chip.tsx";
import type { CommandLogItem, Frame, StatusHistoryItem } from "../components/types.ts";
import { apiFetch, useCommandAnnouncements, useEvents } from "./client.tsx";

/** What a list shows: its entries, and the cursor of the older ones (null: none). */
export interface ShownPage<T> {
  items: T[];
  nextCursor: string | null;
}

export interface StationActivityProps {
  chargePointId: string;
  history: ShownPage<StatusHistoryItem>;
  commands: ShownPage<CommandLogItem>;
  frames: Frame[];
}

const LIMIT = 50;
/** The API's largest page: a refresh reads again at most this many of a list. */
const MAX_LIMIT = 1000;

/**
 * A list read again by a refresh, as many as it showed. The API gives a cursor whenever a page is full, so a
 * list read to its end and read again unchanged would offer "Older" with nothing older: it keeps its end.
 * (Entries added meanwhile push the oldest shown out of the page: then there are older ones to read.)
 */
function readAgain<T>(shown: ShownPage<T>, read: ShownPage<T>): ShownPage<T> {
  const unchanged = shown.nextCursor === null && JSON.stringify(shown.items) === JSON.stringify(read.items);
  return unchanged ? shown : read;
}

/** "Older" below a list that has older entries; `loading` while they are read. */
function Older(props: { list: string; next: string | null; loading: boolean; onClick: () => void }) {
  if (props.next === null) return null;
  return (
    <nav class="pager" aria-label={`Older ${props.list}`}>
      <span />
      <button
        type="button"
        class="secondary"
        data-older={props.list}
        disabled={props.loading}
        onClick={props.onClick}
      >
        {props.loading ? "Loading…" : "Older →"}
      </button>
    </nav>
  );
}

export default function StationActivity(props: StationActivityProps) {
  const [historyPage, setHistory] = useState(props.history);
  const [commandsPage, setCommands] = useState(props.commands);
  const [frames, setFrames] = useState(props.frames);
  const [tab, setTab] = useState<"history" | "commands" | "frames">("history");
  const [loading, setLoading] = useState<"history" | "commands" | null>(null);
  const [olderError, setOlderError] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // What the refresh reads again: as many as each list shows (kept current for the timer's callback).
  const shown = useRef({ history: props.history.items.length, commands: props.commands.items.length });
  shown.current = { history: historyPage.items.length, commands: commandsPage.items.length };
  const base = `/api/v1/charge-points/${encodeURIComponent(props.chargePointId)}`;
  const history = historyPage.items;
  const commands = commandsPage.items;
  const depth = (n: number) => Math.min(MAX_LIMIT, Math.max(LIMIT, n));

  /** The last refresh started: an older one still out when it ends is not shown (its read is older). */
  const lastRefresh = useRef(0);

  const refresh = () => {
    if (timer.current !== null) return;
    timer.current = setTimeout(async () => {
      timer.current = null;
      const asked = { history: depth(shown.current.history), commands: depth(shown.current.commands) };
      const started = ++lastRefresh.current;
      const [h, c, f] = await Promise.allSettled([
        apiFetch<ShownPage<StatusHistoryItem>>(`${base}/status-history?limit=${asked.history}`),
        apiFetch<ShownPage<CommandLogItem>>(`${base}/commands?limit=${asked.commands}`),
        apiFetch<{ items: Frame[] }>(`${base}/frames`),
      ]);
      // A later refresh went out while this one was slow: its answers are newer, this one's would put back
      // what was before them.
      if (started !== lastRefresh.current) return;
      // An Older that landed meanwhile made a list longer than this read: it is read again, not cut back
      // (the entries Older added would go, and Older come back).
      const cut = (list: "history" | "commands") =>
        shown.current[list] > asked[list] && asked[list] < MAX_LIMIT;
      if (h.status === "fulfilled" && !cut("history")) setHistory((was) => readAgain(was, h.value));
      if (c.status === "fulfilled" && !cut("commands")) setCommands((was) => readAgain(was, c.value));
      if (f.status === "fulfilled") setFrames(f.value.items);
      if (cut("history") || cut("commands")) refresh();
    }, 250);
  };

  /** The page after the list's last entry, added below it (unless a refresh changed the list meanwhile). */
  async function older<T>(
    list: "history" | "commands",
    path: string,
    page: ShownPage<T>,
    set: (update: (shown: ShownPage<T>) => ShownPage<T>) => void,
  ) {
    const cursor = page.nextCursor;
    if (cursor === null) return;
    setLoading(list);
    setOlderError(null);
    try {
      const next = await apiFetch<ShownPage<T>>(
        `${base}/${path}?limit=${LIMIT}&before=${encodeURIComponent(cursor)}`,
      );
      set((shown) =>
        shown.nextCursor === cursor
          ? { items: [...shown.items, ...next.items], nextCursor: next.nextCursor }
          : shown
      );
    } catch (error) {
      setOlderError(error instanceof Error ? error.message : String(error));
    } finally {
      setLoading(null);
    }
  }
  useEvents(`chargePointId=${encodeURIComponent(props.chargePointId)}`, refresh, refresh);
  useCommandAnnouncements(refresh);
  // `#frames` (the protocol errors notice's and the overview's link) opens the frames.
  useEffect(() => {
    const open = () => {
      if (location.hash === "#frames") setTab("frames");
    };
    open();
    addEventListener("hashchange", open);
    return () => removeEventListener("hashchange", open);
  }, []);

  const tabs = [
    ["history", `Status history (${history.length})`],
    ["commands", `Command log (${commands.length})`],
    ["frames", `OCPP frames (${frames.length})`],
  ] as const;

  return (
    <section class="card" id="frames" aria-labelledby="activity-title">
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
        <Older
          list="history"
          next={historyPage.nextCursor}
          loading={loading === "history"}
          onClick={() => older("history", "status-history", historyPage, setHistory)}
        />
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
        <Older
          list="commands"
          next={commandsPage.nextCursor}
          loading={loading === "commands"}
          onClick={() => older("commands", "commands", commandsPage, setCommands)}
        />
      </div>
      {olderError && <p class="error-text" role="alert">{olderError}</p>}
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
