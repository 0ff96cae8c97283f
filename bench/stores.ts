/**
 * The throwaway stores of a benchmark run: a KV file in a temp folder, or a fresh PostgreSQL database
 * (`create database csms_bench_<run>_<name>`, dropped at the end), each with the id tag the simulated
 * stations charge with. Also reads PostgreSQL's own counters and its backends' CPU for a database.
 */
import type postgres from "postgres";
import { openPostgresPool } from "../postgres_pool.ts";
import { readCpuS } from "./proc.ts";
import { runTask } from "./server_launch.ts";

/** The id tag every simulated station uses. */
export const BENCH_ID_TAG = "BENCH-TAG";

export interface PostgresStats {
  commits: number;
  inserted: number;
  updated: number;
  tables: Record<string, { inserted: number; updated: number }>;
}

export class BenchStores {
  readonly #runId = Date.now().toString(36);
  readonly #databases: string[] = [];
  #tmp: string | null = null;
  #admin: postgres.Sql | null = null;

  /** `pgAdminUrl`: a connection that may create databases (`postgres://postgres@127.0.0.1:5432/postgres`). */
  constructor(readonly pgAdminUrl: string) {}

  /**
   * The server env for a new store of `kind`, with BENCH_ID_TAG in it (`idTag: false`: empty; the caller opens
   * the store and adds it).
   */
  async create(
    kind: "kv" | "postgres",
    name: string,
    { idTag = true }: { idTag?: boolean } = {},
  ): Promise<Record<string, string>> {
    let env: Record<string, string>;
    if (kind === "kv") {
      this.#tmp ??= await Deno.makeTempDir({ prefix: "csms-bench-" });
      env = { KV_PATH: `${this.#tmp}/${name}.kv` };
    } else {
      this.#admin ??= openPostgresPool(this.pgAdminUrl, { max: 1, onnotice: () => {} });
      const database = this.databaseName(name);
      await this.#admin.unsafe(`create database ${database}`);
      this.#databases.push(database);
      env = { DATABASE_URL: this.#url(database) };
    }
    if (idTag) await runTask(["run", "-A", "tasks/idtags.ts", "add", BENCH_ID_TAG], env);
    return env;
  }

  databaseName(name: string): string {
    return `csms_bench_${this.#runId}_${name.replace(/[^a-z0-9_]/gi, "_")}`.toLowerCase();
  }

  /** Bytes of the KV files so far. */
  kvBytes(): number {
    if (!this.#tmp) return 0;
    let bytes = 0;
    for (const entry of Deno.readDirSync(this.#tmp)) {
      bytes += Deno.statSync(`${this.#tmp}/${entry.name}`).size;
    }
    return bytes;
  }

  /** Commits and row counts of the database behind `name` (pg_stat_database, pg_stat_user_tables). */
  async postgresStats(name: string): Promise<PostgresStats> {
    const sql = openPostgresPool(this.#url(this.databaseName(name)), { max: 1, onnotice: () => {} });
    try {
      const [db] = await sql`
        select xact_commit::int8 as commits, tup_inserted::int8 as inserted, tup_updated::int8 as updated
        from pg_stat_database where datname = current_database()`;
      const tables = await sql`
        select relname, n_tup_ins::int8 as inserted, n_tup_upd::int8 as updated
        from pg_stat_user_tables order by relname`;
      return {
        commits: Number(db!.commits),
        inserted: Number(db!.inserted),
        updated: Number(db!.updated),
        tables: Object.fromEntries(
          tables.map((t) => [t.relname, { inserted: Number(t.inserted), updated: Number(t.updated) }]),
        ),
      };
    } finally {
      await sql.end();
    }
  }

  /**
   * CPU seconds so far of the PostgreSQL backends serving the database behind `name`, by pid (this machine
   * only: it reads `/proc`). Compare two readings by pid, since a pool may reconnect in between.
   */
  backendCpuS(name: string): Promise<Record<number, number>> {
    return backendCpuByPid(this.#admin!, this.databaseName(name));
  }

  async close(): Promise<void> {
    if (this.#admin) {
      for (const name of this.#databases) {
        await this.#admin.unsafe(`drop database if exists ${name} with (force)`).catch((e: unknown) =>
          console.error(`Cannot drop database ${name}: ${e}`)
        );
      }
      await this.#admin.end();
      this.#admin = null;
    }
    if (this.#tmp) await Deno.remove(this.#tmp, { recursive: true }).catch(() => {});
    this.#tmp = null;
  }

  #url(database: string): string {
    const url = new URL(this.pgAdminUrl);
    url.pathname = `/${database}`;
    return url.toString();
  }
}

/** What changed between two `postgresStats()` readings (tables with no change left out). */
export function diffPostgresStats(a: PostgresStats | null, b: PostgresStats | null) {
  if (!a || !b) return null;
  const tables: Record<string, { inserted: number; updated: number }> = {};
  for (const [name, t] of Object.entries(b.tables)) {
    const before = a.tables[name] ?? { inserted: 0, updated: 0 };
    const d = { inserted: t.inserted - before.inserted, updated: t.updated - before.updated };
    if (d.inserted || d.updated) tables[name] = d;
  }
  return {
    commits: b.commits - a.commits,
    inserted: b.inserted - a.inserted,
    updated: b.updated - a.updated,
    tables,
  };
}

/**
 * CPU seconds so far of the PostgreSQL backends serving `database`, by pid, read from `/proc` (this machine
 * only); `sql`'s own backend is left out.
 */
export async function backendCpuByPid(sql: postgres.Sql, database: string): Promise<Record<number, number>> {
  const rows = await sql`
    select pid from pg_stat_activity where datname = ${database} and pid <> pg_backend_pid()`;
  const out: Record<number, number> = {};
  for (const { pid } of rows) {
    const cpu = readCpuS(Number(pid));
    if (cpu !== null) out[Number(pid)] = cpu;
  }
  return out;
}

/** CPU seconds spent between two `backendCpuS()` readings (backends that came or went count from 0). */
export function backendCpuDelta(a: Record<number, number>, b: Record<number, number>): number {
  let s = 0;
  for (const [pid, cpu] of Object.entries(b)) s += cpu - (a[Number(pid)] ?? 0);
  return s;
}
