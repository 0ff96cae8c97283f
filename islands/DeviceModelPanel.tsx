/**
 * An OCPP 2.0.1 station's device model as its NotifyReports described it, for operators also editable: a
 * writable variable's value goes to the station with SetVariables (the stored model follows an accepted one),
 * and GetBaseReport asks the station to describe itself again, the table reloading once its report is in.
 */
import { useState } from "preact/hooks";
import type { DeviceModelPage } from "../components/types.ts";
import { ResultLine, useAction } from "./admin_kit.tsx";
import { announceCommand, apiFetch } from "./client.tsx";

type Entry = DeviceModelPage["items"][number];

export interface DeviceModelPanelProps {
  chargePointId: string;
  page: DeviceModelPage;
  canCommand: boolean;
}

/** How long the table waits for a report the station accepted to send (GetBaseReport is asynchronous). */
const REPORT_WAIT_MS = 15_000;
const RELOAD_EVERY_MS = 1_000;
/** The mutability of a variable an operator may set (B05: ReadOnly ones are refused by the station). */
const WRITABLE = new Set(["ReadWrite", "WriteOnly"]);
/** What the station page loads (routes/pages/station.tsx). */
const PAGE_SIZE = 200;

export default function DeviceModelPanel(props: DeviceModelPanelProps) {
  const [page, setPage] = useState(props.page);
  const [filter, setFilter] = useState("");
  const [editing, setEditing] = useState<string | null>(null);
  const [draft, setDraft] = useState("");
  const { busy, result, run } = useAction();
  const base = `/api/v1/charge-points/${encodeURIComponent(props.chargePointId)}`;
  const reload = async () => {
    const fresh = await apiFetch<DeviceModelPage>(`${base}/device-model?limit=${PAGE_SIZE}`);
    setPage(fresh);
    return fresh;
  };

  const refresh = () =>
    void run("Report received", async () => {
      // The server's clock, not the browser's: the report is in when an entry was received after the newest.
      const newest = page.items.reduce((max, e) => (e.receivedAt > max ? e.receivedAt : max), "");
      const answer = await apiFetch<{ status: string }>(`${base}/GetBaseReport`, {
        method: "POST",
        body: { requestId: Math.floor(Math.random() * 2 ** 31), reportBase: "FullInventory" },
      });
      announceCommand({ action: "GetBaseReport", ok: answer.status === "Accepted" });
      if (answer.status !== "Accepted") throw new Error(`The station answered ${answer.status}`);
      const until = Date.now() + REPORT_WAIT_MS;
      while (Date.now() < until) {
        await new Promise((r) => setTimeout(r, RELOAD_EVERY_MS));
        const fresh = await reload();
        if (
          fresh.items.some((e) => e.receivedAt > newest)
        ) return `Report received: ${fresh.items.length} variables`;
      }
      throw new Error("The station accepted, but no report came within 15 s: reload the page later");
    });

  const set = (entry: Entry, value: string) =>
    void run(`Set ${label(entry)}`, async () => {
      const answer = await apiFetch<{ setVariableResult: SetResult[] }>(`${base}/SetVariables`, {
        method: "POST",
        body: {
          setVariableData: [{ attributeValue: value, component: entry.component, variable: entry.variable }],
        },
      });
      const outcome = answer.setVariableResult[0];
      const ok = outcome?.attributeStatus === "Accepted" || outcome?.attributeStatus === "RebootRequired";
      announceCommand({ action: "SetVariables", ok });
      await reload();
      if (!ok) {
        const reason = outcome?.attributeStatusInfo?.reasonCode;
        throw new Error(
          `${label(entry)}: the station answered ${outcome?.attributeStatus ?? "nothing"}${
            reason ? ` (${reason})` : ""
          }`,
        );
      }
      setEditing(null);
      return outcome.attributeStatus === "RebootRequired"
        ? `Set ${label(entry)}; the station applies it after a reboot`
        : undefined;
    });

  const needle = filter.trim().toLowerCase();
  const rows = page.items.filter((e) => !needle || label(e).toLowerCase().includes(needle));

  return (
    <section class="card" aria-labelledby="device-model-title">
      <div class="card-head">
        <h2 id="device-model-title">Device model</h2>
        {props.canCommand && (
          <button type="button" onClick={refresh} disabled={busy}>
            {busy && editing === null ? "Waiting for the report…" : "Refresh with GetBaseReport"}
          </button>
        )}
      </div>
      <ResultLine result={result} />
      {page.items.length === 0
        ? (
          <p class="muted">
            No report yet{props.canCommand ? ": ask the station with the button above." : "."}
          </p>
        )
        : (
          <>
            <label class="inline">
              Filter variables{" "}
              <input type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
            </label>
            <div class="scroll">
              <table class="table" aria-label="Device model" data-variable-count={page.items.length}>
                <thead>
                  <tr>
                    <th scope="col">Component</th>
                    <th scope="col">Variable</th>
                    <th scope="col">Value</th>
                    <th scope="col">Mutability</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((e) => {
                    const id = `${componentLabel(e)}/${variableLabel(e)}`;
                    const actual = actualOf(e);
                    const mutability = String(actual?.["mutability"] ?? "");
                    const writable = props.canCommand && WRITABLE.has(mutability);
                    return (
                      <tr key={id} data-variable={label(e)}>
                        <td data-label="Component">{componentLabel(e)}</td>
                        <td data-label="Variable">{variableLabel(e)}</td>
                        <td data-label="Value" class="mono wrap">
                          {editing === id
                            ? (
                              <form
                                class="inline"
                                onSubmit={(ev) => {
                                  ev.preventDefault();
                                  set(e, draft);
                                }}
                              >
                                <input
                                  aria-label={`New value of ${label(e)}`}
                                  value={draft}
                                  maxLength={1000}
                                  onInput={(ev) => setDraft(ev.currentTarget.value)}
                                />
                                <button type="submit" disabled={busy}>Send SetVariables</button>
                                <button type="button" onClick={() => setEditing(null)} disabled={busy}>
                                  Cancel
                                </button>
                              </form>
                            )
                            : (
                              <>
                                <span data-value>{String(actual?.["value"] ?? "")}</span>
                                {writable && (
                                  <>
                                    {" "}
                                    <button
                                      type="button"
                                      class="link"
                                      aria-label={`Change ${label(e)}`}
                                      disabled={busy}
                                      onClick={() => {
                                        setEditing(id);
                                        // A write-only (secret) value is never shown: start from nothing.
                                        setDraft(
                                          mutability === "WriteOnly" ? "" : String(actual?.["value"] ?? ""),
                                        );
                                      }}
                                    >
                                      Change
                                    </button>
                                  </>
                                )}
                              </>
                            )}
                        </td>
                        <td data-label="Mutability">{mutability}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </>
        )}
      {page.nextCursor && (
        <p class="muted">
          The first {page.items.length} variables; the API pages through the rest (<code>
            GET /api/v1/charge-points/…/device-model?after=…
          </code>).
        </p>
      )}
    </section>
  );
}

interface SetResult {
  attributeStatus: string;
  attributeStatusInfo?: { reasonCode: string };
}

function actualOf(e: Entry): Record<string, unknown> | undefined {
  return e.attributes.find((a) => (a["type"] ?? "Actual") === "Actual") ?? e.attributes[0];
}

function componentLabel(e: Entry): string {
  return [
    e.component.name,
    e.component.instance,
    e.component.evse ? `EVSE ${e.component.evse.id}` : undefined,
    e.component.evse?.connectorId !== undefined ? `connector ${e.component.evse.connectorId}` : undefined,
  ].filter(Boolean).join(" · ");
}

function variableLabel(e: Entry): string {
  return [e.variable.name, e.variable.instance].filter(Boolean).join(" · ");
}

function label(e: Entry): string {
  return `${componentLabel(e)} ${variableLabel(e)}`;
}
