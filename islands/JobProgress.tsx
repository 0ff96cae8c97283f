/**
 * A job's progress, live: the counts by outcome and each station's state, outcome and answer, updated from the
 * event stream's job events (a reconnect refetches); operators retry the failed ones or cancel what is left.
 */
import { useMemo, useState } from "preact/hooks";
import type { Job, JobTask, TaskCounts } from "../components/types.ts";
import { ApiCallError, apiFetch, LiveDot } from "./client.tsx";
import { useFleetEvents } from "./fleet_events.ts";
import { overtakenSnapshots } from "./overtaken_snapshots.ts";

export interface JobProgressProps {
  job: Job;
  counts: TaskCounts;
  tasks: JobTask[];
  /** More stations than shown (the first 1000 are). */
  more: boolean;
  canOperate: boolean;
}

type JobView = Job & { counts: TaskCounts; tasks: { items: JobTask[] } };

export default function JobProgress(props: JobProgressProps) {
  const [job, setJob] = useState(props.job);
  const [counts, setCounts] = useState(props.counts);
  const [tasks, setTasks] = useState(() => new Map(props.tasks.map((t) => [t.chargePointId, t])));
  const [message, setMessage] = useState<string | null>(null);
  const url = `/api/v1/jobs/${encodeURIComponent(props.job.id)}?limit=1000`;

  // A snapshot an event overtook is fetched again: applied, it would undo that event (a retried job shown
  // "running" after its "finished" event, for good).
  // One per page (not per render), so events and the fetches in flight share the count.
  const snapshots = useMemo(() =>
    overtakenSnapshots(() => apiFetch<JobView>(url), (fresh) => {
      setJob(fresh);
      setCounts(fresh.counts);
      setTasks(new Map(fresh.tasks.items.map((t) => [t.chargePointId, t])));
    }), [url]);
  const refetch = snapshots.refetch;

  const live = useFleetEvents("job", (event) => {
    if (event.type !== "job" || event.job.id !== props.job.id) return;
    snapshots.eventSeen();
    setJob(event.job);
    setCounts(event.counts);
    const task = event.task;
    if (task) {
      setTasks((
        m,
      ) => (m.has(task.chargePointId) || m.size < 1000 ? new Map(m).set(task.chargePointId, task) : m));
    } else void refetch();
  }, refetch);

  const act = async (what: "retry" | "cancel") => {
    setMessage(null);
    try {
      const answer = await apiFetch<{ retried?: number }>(
        `/api/v1/jobs/${encodeURIComponent(props.job.id)}/${what}`,
        {
          method: "POST",
        },
      );
      setMessage(what === "retry" ? `${answer.retried ?? 0} sent again` : "Cancelled");
      await refetch();
    } catch (e) {
      setMessage(e instanceof ApiCallError ? e.message : String(e));
    }
  };

  const failed = Object.entries(counts.outcomes)
    .filter(([o]) => o !== "accepted" && o !== "cancelled")
    .reduce((n, [, c]) => n + (c ?? 0), 0);
  const done = counts.done;
  return (
    <div class="job-progress">
      <p class="table-meta">
        <LiveDot live={live} />{" "}
        <span class={`chip job-${job.state}`} data-job-state={job.state}>{job.state}</span>{" "}
        <span data-progress>{done} of {job.total} done</span>
        {counts.waiting > 0 && <span>, {counts.waiting} following their firmware</span>}
      </p>
      <ul class="stats" aria-label="Outcomes">
        {Object.entries(counts.outcomes).map(([outcome, n]) => (
          <li key={outcome} data-outcome-count={outcome}>
            <span class="stat">{n}</span> {outcome.replace("_", " ")}
          </li>
        ))}
        {Object.entries(counts.results).map(([result, n]) => (
          <li key={result} data-result-count={result}>
            <span class="stat">{n}</span> {result.replace("_", " ")}
          </li>
        ))}
      </ul>
      {props.canOperate && (
        <p class="actions">
          <button type="button" disabled={failed === 0} onClick={() => act("retry")}>
            Retry the {failed} failed
          </button>{" "}
          {job.state === "running" && (
            <button type="button" class="secondary" onClick={() => act("cancel")}>Cancel what is left</button>
          )}
          {message && <span role="status">{message}</span>}
        </p>
      )}
      <table class="table tasks" aria-label="Stations">
        <thead>
          <tr>
            <th scope="col">Station</th>
            <th scope="col">State</th>
            <th scope="col">Outcome</th>
            <th scope="col">Answer</th>
            <th scope="col">Tries</th>
          </tr>
        </thead>
        <tbody>
          {[...tasks.values()].sort((a, b) => (a.chargePointId < b.chargePointId ? -1 : 1)).map((t) => (
            <tr key={t.chargePointId} data-task={t.chargePointId} data-outcome={t.outcome ?? ""}>
              <td>
                <a href={`/stations/${encodeURIComponent(t.chargePointId)}`}>{t.chargePointId}</a>
              </td>
              <td>{t.state}{t.firmwareStatus ? ` (${t.firmwareStatus})` : ""}</td>
              <td>
                {t.outcome && <span class={`chip outcome-${t.outcome}`}>{t.outcome.replace("_", " ")}</span>}
                {t.result && <span class={`chip result-${t.result}`}>{t.result.replace("_", " ")}</span>}
              </td>
              <td class="small">
                <code>
                  {t.response === null || t.response === undefined ? "" : JSON.stringify(t.response)}
                </code>
              </td>
              <td class="num">{t.attempts}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.more && <p class="muted small">The first 1000 stations are shown; the counts cover them all.</p>}
    </div>
  );
}
