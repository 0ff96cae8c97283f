/**
 * The disk under the embedded Deno KV store fills up (ENOSPC) while stations run sessions, and later space is
 * freed. The disk is a real one of its own (a small tmpfs, tests/helpers/small_disk.ts; root only), filled
 * with a filler file, so SQLite fails as it does on a full disk ("database or disk is full").
 *
 * - While it is full: every CALL the server cannot store is answered InternalError at once (no CALLRESULT,
 *   no stall), the process stays up and idles (no retry loop burning CPU), /readyz says the store cannot
 *   write (503) while /healthz says the process lives, /metrics counts the failed commits, and the log says
 *   it once for the episode, not once per CALL.
 * - Once space is back: the server writes again by itself (no restart), /readyz is ready, the log says so
 *   once; every station's retry is stored once, and after a restart on the same file everything answered is
 *   there: no transaction twice, no meter value lost or twice.
 * - Started on a full disk: one line on stderr naming the file and the full disk, exit code 1, no stack.
 */
import { assert, assertEquals, assertGreater, assertLess, assertMatch } from "@std/assert";
import { openKvStore } from "../store/kv/mod.ts";
import { adminCookie } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { spawnServer } from "./helpers/process.ts";
import {
  assertRepliedWithin,
  differencesFrom,
  driveSessions,
  RetryingStation,
} from "./helpers/retrying_station.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { mountSmallDisk, type SmallDisk, smallDiskUnavailable } from "./helpers/small_disk.ts";
import { metricValue } from "./helpers/metric_value.ts";
import { writesResumed } from "./helpers/writes_resumed.ts";

const noSmallDisk = await smallDiskUnavailable();
if (noSmallDisk !== null) console.log(`Full-disk tests ignored: ${noSmallDisk}`);

const STATIONS = 6;
const READINGS = 4;
const T0 = Date.parse("2026-12-01T08:00:00Z");
/** No reply may take this long: a write the disk refuses fails at once. */
const SLOWEST_REPLY_MS = 5_000;
/** CALLs answered InternalError while the disk is full, at least, before the test frees it. */
const FAILED_CALLS = 60;
/** Lines about the store's failing writes one episode may log, at most (not one per CALL). */
const EPISODE_LINES = 4;

const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** CPU seconds (user + system) the process `pid` has used so far. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime: fields 14 and 15 of the line, in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function storeLines(logs: Record<string, unknown>[]): Record<string, unknown>[] {
  return logs.filter((l) =>
    (l.level === "error" || l.level === "warn") && /disk is full|store writes/i.test(JSON.stringify(l))
  );
}

/** The kinds of the server warnings an admin is shown. */
async function warningKinds(url: string, cookie: string): Promise<string[]> {
  const res = await fetch(`${url}/api/v1/server-warnings`, { headers: { cookie } });
  const body = await res.json();
  assertEquals(res.status, 200, JSON.stringify(body));
  return body.items.map((w: { kind: string }) => w.kind);
}

Deno.test({
  name:
    "Deno KV on a full disk: unstored CALLs answered InternalError at once, readiness and metrics tell it, writes come back by themselves with nothing lost or twice",
  ignore: noSmallDisk !== null,
  fn: async () => {
    const disk = await mountSmallDisk(16);
    try {
      await runFullDiskEpisode(disk);
    } finally {
      await disk.free();
      await disk.remove();
    }
  },
});

/** Stations' sessions on `disk` while it fills and is freed; then a restart and the stored records checked. */
async function runFullDiskEpisode(disk: SmallDisk): Promise<void> {
  const env = {
    KV_PATH: `${disk.path}/csms.kv`,
    STATION_MSG_RATE: "0",
    KV_METER_JOURNAL: "on",
    // Background loops that write on every round (the reservation sweep takes its lease), often: their
    // failures on a full disk must not become a line per round either.
    RESERVATION_SWEEP_S: "0.2",
    ADMIN_USER: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
  };
  const server = await spawnServer(env);
  const stations: RetryingStation[] = [];
  let exited = false;
  void server.child.status.then(() => (exited = true));
  try {
    const cookie = await adminCookie(server.url);
    for (let i = 0; i < STATIONS; i++) stations.push(await RetryingStation.open(server.wsUrl, `CP-DF-${i}`));
    let stop = false;
    const driving = driveSessions(stations, T0, READINGS, () => stop);
    const failed = () => stations.reduce((n, s) => n + s.internalErrors, 0);
    await eventually(() => stations.every((s) => s.sessions.length > 0), 15_000, "a session per station");

    await disk.fill();
    await eventually(() => failed() >= FAILED_CALLS, 15_000, `${FAILED_CALLS} CALLs answered InternalError`);
    const ready = await fetch(`${server.url}/readyz`);
    const readyBody = await ready.json();
    assertEquals(ready.status, 503, `readiness while no write is stored: ${JSON.stringify(readyBody)}`);
    // The reason only: the store's error (a path on the disk) is the admin's, below.
    assertEquals(readyBody.reason, "store_writes_failing");
    const alive = await fetch(`${server.url}/healthz`);
    await alive.body?.cancel();
    assertEquals(alive.status, 200);
    assertGreater(
      await metricValue(server.url, cookie, /^csms_store_commit_duration_seconds_count\{outcome="failed"\}/),
      0,
      "failed group commits counted",
    );
    assertEquals(await metricValue(server.url, cookie, /^csms_store_writes_failing /), 1);
    // The admin reads as usual and is told, on the overview too (its server warnings).
    assertEquals(await warningKinds(server.url, cookie), ["store_writes_failing"]);
    const overview = await fetch(`${server.url}/`, { headers: { cookie, accept: "text/html" } });
    const page = await overview.text();
    assertEquals(overview.status, 200, page.slice(0, 200));
    assert(page.includes('data-warning="store_writes_failing"'), "the overview shows the warning");
    // The stations wait: what the server does meanwhile is its own (a loop retrying in vain would show).
    for (const s of stations) s.retryPauseMs = 3_000;
    await new Promise((r) => setTimeout(r, 500));
    const cpuBefore = await cpuSeconds(server.child.pid);
    await new Promise((r) => setTimeout(r, 2_000));
    const idleCpu = await cpuSeconds(server.child.pid) - cpuBefore;
    // A retry loop would burn most of the 2 s; room left for a loaded CI machine's collector and compiling.
    assertLess(idleCpu, 0.5, `CPU seconds the server used in 2 s with nobody sending, disk full`);
    for (const s of stations) s.retryPauseMs = 20;
    const linesWhileFull = storeLines(server.logs).length;

    await disk.free();
    await writesResumed(server.url, stations, { sessionWithinMs: 15_000, readyWithinMs: 10_000 });
    assertEquals(await metricValue(server.url, cookie, /^csms_store_writes_failing /), 0);
    assertEquals(await warningKinds(server.url, cookie), []);
    stop = true;
    await driving;

    assert(!exited, "the server must not exit on a full disk");
    assertRepliedWithin(stations, SLOWEST_REPLY_MS);
    const lines = storeLines(server.logs);
    assertGreater(linesWhileFull, 0, "the full disk is logged");
    assertLess(
      lines.length,
      EPISODE_LINES + 1,
      `${lines.length} lines for ${failed()} failed CALLs: ${JSON.stringify(lines.slice(0, 6))}`,
    );
    assertEquals(
      server.logs.filter((l) => l.msg === "store writes recovered").length,
      1,
      "the recovery is logged once",
    );
  } finally {
    await Promise.all(stations.map((s) => s.raw.close()));
    const status = await server.kill("SIGTERM");
    await disk.free();
    if (!exited) assertEquals(status.code, 0, "a clean stop once the disk has room");
  }
  // Restarted on the same file: everything answered is there, once.
  const restarted = await spawnServer(env);
  try {
    const probe = await connectStation(restarted.wsUrl, "CP-DF-PROBE");
    assertEquals(typeof (await probe.call("Heartbeat", {})).currentTime, "string");
    await closeStation(probe);
  } finally {
    await restarted.kill("SIGTERM");
  }
  const store = await openKvStore(env.KV_PATH);
  try {
    const differences = await differencesFrom(store, stations.flatMap((s) => s.sessions));
    assertEquals(differences.slice(0, 10), [], `${differences.length} differences`);
  } finally {
    await store.close();
  }
}

/** Runs main.ts on `env` to its end (at most 20 s); its exit code and stderr. */
async function startToEnd(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN],
    env: { PORT: "0", HOSTNAME: "127.0.0.1", ...env },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  try {
    const out = await child.output();
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr).trim() };
  } finally {
    clearTimeout(timer);
  }
}

Deno.test({
  name: "Deno KV on a full disk at start-up: one line naming the file and the full disk, exit code 1",
  ignore: noSmallDisk !== null,
  fn: async () => {
    const disk = await mountSmallDisk(4);
    try {
      // A file the server made before, on a disk full since; and a new file.
      const kept = `${disk.path}/kept.kv`;
      const server = await spawnServer({ KV_PATH: kept });
      assertEquals((await server.kill("SIGTERM")).code, 0);
      await disk.fill();
      for (const path of [kept, `${disk.path}/new/csms.kv`]) {
        const { code, stderr } = await startToEnd({ KV_PATH: path });
        assertEquals(code, 1, stderr);
        const lines = stderr.split("\n");
        assertEquals(lines.length, 1, stderr);
        assertMatch(lines[0]!, /^error: /);
        assert(lines[0]!.includes(path), `names the file: ${stderr}`);
        assertMatch(lines[0]!, /disk .*full|no space/i, stderr);
      }
    } finally {
      await disk.free();
      await disk.remove();
    }
  },
});
