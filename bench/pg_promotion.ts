/**
 * What postgres.js's ways of writing make V8 promote (a lead of issue 19: at 5,000 msgs/s our PostgreSQL
 * server promotes 2.6 MB per scavenge, KV 0.7): two writers in a loop for 15 s, each writing one
 * ~1 KB JSON parameter per transaction, in one of four ways, on a throwaway database. Run it with the GC trace
 * and compare the scavenges' `promoted` and `new_space_survived`:
 *
 *   deno run -A --v8-flags=--trace-gc-nvp bench/pg_promotion.ts reserve | grep -o '"promoted":[0-9]*' | tail
 *
 * With `PG_PROMOTION_QUERY=plain` postgres.js's queries are plain thenables instead of a `Promise` subclass
 * (`plain_query_base.ts`): that is what takes the promotion away.
 *
 * `reserve`: as our group commit (store/postgres/commit.ts): a reserved connection, BEGIN and the statement
 * pipelined, then COMMIT. `reserve1`: a reserved connection, one statement. `begin`: `sql.begin`. `plain`: one
 * statement on the pool.
 */
import type postgres from "postgres";
import { openPostgresPool } from "../postgres_pool.ts";
import { usePlainQueryPromises } from "./plain_query_base.ts";

const MODES = [
  "reserve",
  "held",
  "held-seq",
  "held-one",
  "held-two",
  "held-wait",
  "reserve1",
  "begin",
  "plain",
] as const;
const mode = (Deno.args[0] ?? "reserve") as (typeof MODES)[number];
if (!MODES.includes(mode)) throw new Error(`Give one of ${MODES.join(", ")}`);
const admin = Deno.env.get("PG_ADMIN_URL") ?? "postgres://postgres@127.0.0.1:5432/postgres";
const database = "csms_bench_pg_promotion";

const root = openPostgresPool(admin, { max: 1, onnotice: () => {} });
await root.unsafe(`drop database if exists ${database}`);
await root.unsafe(`create database ${database}`);
const url = new URL(admin);
url.pathname = `/${database}`;
const sql = openPostgresPool(url.href, { max: 4, onnotice: () => {} });
// PG_PROMOTION_QUERY=plain: the queries as plain thenables, not a Promise subclass (`plain_query_base.ts`).
if (Deno.env.get("PG_PROMOTION_QUERY") === "plain" && !usePlainQueryPromises(sql)) {
  throw new Error("postgres.js's query class is not the Promise subclass plain_query_base.ts expects");
}
try {
  await sql.unsafe("create table t (id int, j jsonb)");
  const latencies: number[] = [];
  // `held`: as `reserve`, on two connections reserved once for the whole run.
  const held = mode.startsWith("held") ? [await sql.reserve(), await sql.reserve()] : [];
  const write = async (i: number) => {
    const started = performance.now();
    const payload = {
      i,
      values: Array.from({ length: 20 }, (_, k) => ({ k, v: String(i * k), unit: "Wh" })),
    };
    const json = JSON.stringify([payload, payload]);
    const insert = (s: postgres.Sql | postgres.TransactionSql) =>
      s`insert into t select 1, x from jsonb_array_elements(${json}::text::jsonb) x`;
    if (mode.startsWith("held")) {
      const c = held[i % 2]!;
      if (mode === "held-one") await insert(c);
      else if (mode === "held-two") {
        await insert(c);
        await insert(c);
      } else if (mode === "held-wait") {
        await insert(c);
        await new Promise((resolve) => setTimeout(resolve, 0));
      } else if (mode === "held-seq") {
        await c`begin`;
        await insert(c);
        await c`commit`;
      } else {
        await Promise.all([c`begin`.execute(), insert(c).execute()]);
        await c`commit`;
      }
    } else if (mode === "reserve" || mode === "reserve1") {
      const c = await sql.reserve();
      try {
        if (mode === "reserve1") await insert(c);
        else {
          await Promise.all([c`begin`.execute(), insert(c).execute()]);
          await c`commit`;
        }
      } finally {
        c.release();
      }
    } else if (mode === "begin") {
      await sql.begin((t) => insert(t));
    } else {
      await insert(sql);
    }
    latencies.push(performance.now() - started);
  };
  const end = Date.now() + 15_000;
  await Promise.all([0, 1].map(async (w) => {
    for (let i = w; Date.now() < end; i += 2) await write(i);
  }));
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.floor(latencies.length * q)]!.toFixed(2);
  console.error(`${mode}: ${latencies.length} transactions, p50 ${at(0.5)} p99 ${at(0.99)} ms`);
  for (const c of held) c.release();
} finally {
  await sql.end();
  await root.unsafe(`drop database if exists ${database}`);
  await root.end();
}
