/** `/jobs`: the jobs, newest first; `/jobs/:id`: one job, each station's outcome live (JobProgress). */
import { Island } from "../../components/island.tsx";
import { Layout } from "../../components/layout.tsx";
import { formatTime } from "../../components/format.ts";
import type { Job, JobTask, Page, TaskCounts } from "../../components/types.ts";
import type { PageApi } from "./http.ts";

export async function jobsPage(api: PageApi) {
  const [viewer, jobs] = await Promise.all([api.viewer(), api.get<Page<Job>>("/api/v1/jobs?limit=100")]);
  return (
    <Layout title="Jobs" current="/jobs" viewer={viewer}>
      <div class="page-head">
        <h1>Jobs</h1>
        <p class="muted">
          One command for many stations. Select stations on the <a href="/">overview</a> to run one.
        </p>
      </div>
      {jobs.items.length === 0
        ? <p class="empty">No job yet.</p>
        : (
          <table class="table jobs" aria-label="Jobs">
            <thead>
              <tr>
                <th scope="col">Created (UTC)</th>
                <th scope="col">Command</th>
                <th scope="col">Stations</th>
                <th scope="col">State</th>
                <th scope="col">By</th>
              </tr>
            </thead>
            <tbody>
              {jobs.items.map((job) => (
                <tr key={job.id} data-job={job.id}>
                  <td>
                    <a href={`/jobs/${encodeURIComponent(job.id)}`}>{formatTime(job.createdAt)}</a>
                  </td>
                  <td>{job.action}{job.campaign ? " (campaign)" : ""}</td>
                  <td class="num">{job.total}</td>
                  <td>
                    <span class={`chip job-${job.state}`}>{job.state}</span>
                  </td>
                  <td>{job.createdBy}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </Layout>
  );
}

export async function jobPage(api: PageApi, id: string) {
  const [viewer, detail] = await Promise.all([
    api.viewer(),
    api.get<Job & { counts: TaskCounts; tasks: Page<JobTask> }>(
      `/api/v1/jobs/${encodeURIComponent(id)}?limit=1000`,
    ),
  ]);
  const { counts, tasks, ...job } = detail;
  return (
    <Layout title={`Job ${job.action}`} current="/jobs" viewer={viewer}>
      <div class="page-head">
        <h1>{job.action} on {job.total} station{job.total === 1 ? "" : "s"}</h1>
        <p class="muted">
          Created {formatTime(job.createdAt)} by {job.createdBy}; at most {job.concurrency} at once
          {job.force ? "; forced" : ""}.
        </p>
        <details>
          <summary>Payload</summary>
          <pre>{JSON.stringify(job.payload, null, 2)}</pre>
        </details>
      </div>
      <Island
        name="JobProgress"
        props={{
          job,
          counts,
          tasks: tasks.items,
          more: tasks.nextCursor !== null,
          canOperate: viewer.role !== "viewer",
        }}
      />
    </Layout>
  );
}
