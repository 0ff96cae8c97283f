/** The human-readable table of a benchmark result (the JSON file has everything). */

// The result is built and written by mod.ts; the table only reads it.
// deno-lint-ignore no-explicit-any
type Result = any;

const fmt = (v: unknown, unit = ""): string => {
  if (v === null || v === undefined) return "-";
  if (typeof v === "number") return `${v.toLocaleString("en-US")}${unit}`;
  return `${v}${unit}`;
};

function table(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join("\n");
}

export function printReport(r: Result): void {
  const lat = (s: Result) =>
    `p50 ${fmt(s.p50)}  p95 ${fmt(s.p95)}  p99 ${fmt(s.p99)}  max ${fmt(s.max)} ms (n=${fmt(s.count)})`;
  const rows: Array<[string, string]> = [
    [
      "run",
      `${
        fmt(r.flags.stations)
      } stations, ${r.flags.servers} server(s), ${r.flags.processes} generator(s), ${r.flags.store}`,
    ],
    [
      "ramp",
      `${fmt(r.ramp.seconds)} s to ${fmt(r.ramp.ready)} ready (${fmt(r.ramp.stationsPerS)}/s), ${
        fmt(r.ramp.failed)
      } failed`,
    ],
  ];
  for (const m of r.memory) {
    const p = m.perStation;
    rows.push([
      `server ${m.server} memory`,
      `RSS ${fmt(m.baseline.rssMB)} -> ${fmt(m.afterRamp.rssMB)} MB (steady peak ${
        fmt(m.steadyPeakRssMB)
      }), ` +
      `heap ${fmt(m.baseline.heapUsedMB)} -> ${fmt(m.afterRamp.heapUsedMB)} MB, ${
        fmt(m.afterRamp.openFiles)
      } fds`,
    ]);
    rows.push([
      `server ${m.server} per station`,
      `RSS ${fmt(p.rssBytes && Math.round(p.rssBytes / 102.4) / 10)} KiB, heap ${
        fmt(p.heapUsedBytes && Math.round(p.heapUsedBytes / 102.4) / 10)
      } KiB, ` +
      `external ${fmt(p.externalBytes && Math.round(p.externalBytes / 102.4) / 10)} KiB (${
        fmt(p.stations)
      } stations)`,
    ]);
  }
  rows.push(
    [
      "steady",
      `${fmt(r.steady.seconds)} s, ${fmt(r.steady.messagesPerS)} msg/s (target ${fmt(r.steady.targetPerS)})`,
    ],
    ["latency all", lat(r.latencyMs.all)],
    ...Object.entries(r.latencyMs.byAction).map(([a, s]) => [`  ${a}`, lat(s)] as [string, string]),
    [
      "operator commands",
      `${fmt(r.commands.perS)}/s ${r.flags.cluster ? "in all, through random servers" : "per server"}: ${
        lat(r.commands.latencyMs)
      } ${JSON.stringify(r.commands.outcomes)}`,
    ],
    ...(r.cpu.perStation
      ? [[
        "cpu per station",
        `servers ${fmt(r.cpu.perStation.serversUsPerS)} us/s${
          r.cpu.perStation.postgresUsPerS === null
            ? ""
            : `, PostgreSQL ${fmt(r.cpu.perStation.postgresUsPerS)} us/s`
        }`,
      ] as [string, string]]
      : []),
    [
      "errors",
      `CALLERROR ${JSON.stringify(r.steady.callErrors)}, timeouts ${fmt(r.steady.timeouts)}, unanswered ` +
      `${fmt(r.steady.unanswered)}, unexpected closes ${fmt(r.steady.unexpectedCloses)}, busy skips ${
        fmt(r.steady.busySkips)
      }`,
    ],
    [
      "cpu (100% = 1 core)",
      `servers ${r.cpu.serversPct.map((v: number) => fmt(v, "%")).join(", ")}; generators ` +
      `${r.cpu.generatorsPct.map((v: number) => fmt(v, "%")).join(", ")}; machine ${
        fmt(r.cpu.machinePct)
      }% of ${r.meta.cores} cores`,
    ],
    [
      "server 0 threads (% core)",
      `ramp ${JSON.stringify(r.ramp.serverThreadsPct?.[0] ?? {})}; steady ${
        JSON.stringify(r.cpu.serverThreadsPct?.[0] ?? {})
      }`,
    ],
    [
      "server log",
      `ramp ${fmt(r.logs.ramp.lines)} lines (${fmt(r.logs.ramp.perStation)}/station), steady ${
        fmt(r.logs.steady.linesPerS)
      } lines/s`,
    ],
    [
      "shutdown",
      r.shutdown.map((s: Result) => `${fmt(s.seconds)} s${s.killed ? " (killed)" : ""}`).join(", "),
    ],
  );
  if (r.store.kvMB !== undefined) rows.push(["kv files", `${fmt(r.store.kvMB)} MB`]);
  if (r.store.postgres) {
    const pg = r.store.postgres;
    const replies = r.steady.replies || 1;
    rows.push([
      "postgres (steady)",
      `${fmt(pg.commits)} commits for ${fmt(r.steady.replies)} CALLs (${
        (pg.commits / replies).toFixed(2)
      }/CALL); ` +
      Object.entries(pg.tables).map(([t, d]) => `${t} +${(d as Result).inserted}/~${(d as Result).updated}`)
        .join(", "),
    ]);
  }
  console.log(`\n${table(rows)}\n`);
  for (const [phase, p] of Object.entries(r.profile ?? {})) {
    if (!p) continue;
    const summary = p as Result;
    console.log(`  server 0 CPU profile, ${phase} (${fmt(summary.samples)} samples): self time by file`);
    console.log(table(summary.files.slice(0, 12).map((f: Result) => [`${f.pct}%`, f.file])));
    console.log(`  by function`);
    console.log(table(summary.functions.slice(0, 15).map((f: Result) => [`${f.pct}%`, f.name])));
    console.log();
  }
}
