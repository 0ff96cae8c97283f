import { assert, assertEquals } from "@std/assert";
import plugin, { importTarget, repoPath, RULES } from "./boundaries.ts";

const ROOT = new URL("../", import.meta.url);
const SKIPPED = new Set([".git", "node_modules", "data", "test-artifacts"]);

/** Every .ts/.tsx file of the repository, as a path from its root. */
async function sourceFiles(dir = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(new URL(dir, ROOT))) {
    const path = `${dir}${entry.name}`;
    if (entry.isDirectory && !SKIPPED.has(entry.name)) files.push(...await sourceFiles(`${path}/`));
    else if (entry.isFile && /\.tsx?$/.test(entry.name)) files.push(path);
  }
  return files;
}

/** The plugin's reports for `source`, as if it were the file at `path` (from the repository root). */
function lint(path: string, source: string): string[] {
  const file = new URL(path, ROOT).pathname;
  return Deno.lint.runPlugin(plugin, file, source).map((d) => d.message);
}

Deno.test("every source file keeps its folder's import boundaries", async () => {
  const files = await sourceFiles();
  assert(files.some((f) => f.startsWith("protocol/ocpp16/")), "the walk found no protocol file");
  const problems: string[] = [];
  for (const path of files) {
    const source = await Deno.readTextFile(new URL(path, ROOT));
    for (const message of lint(path, source)) problems.push(`${path}: ${message}`);
  }
  assertEquals(problems, []);
});

Deno.test("every rule names a folder that exists", async () => {
  for (const rule of RULES) {
    const info = await Deno.stat(new URL(rule.files, ROOT));
    assert(info.isDirectory, rule.files);
  }
});

Deno.test("protocol/ may not import a server library, a store or an actor", () => {
  const source = [
    'import { Hono } from "hono";',
    'import type { Context } from "hono";',
    'import { HTTPException } from "hono/http-exception";',
    'import postgres from "npm:postgres@3";',
    'import type { Store } from "../../store/store.ts";',
    'export { Registry } from "../../actors/registry.ts";',
    'export * from "../../routes/api/http.ts";',
    'const fs = await import("node:fs");',
  ].join("\n");
  const reports = lint("protocol/ocpp16/reset.ts", source);
  assertEquals(reports.length, 8, reports.join("\n"));
  assert(reports.every((r) => r.includes("protocol/ is pure")), reports.join("\n"));
});

Deno.test("protocol/ may import zod and itself, and mention forbidden names in comments and strings", () => {
  const source = `
    /** import { Hono } from "hono"; Deno.env.get("X"); console.log(Date.now()); */
    import { z } from "zod";
    import { integer } from "../ocppj/json_schema.ts";
    import type { Dialect } from "../ocppj/dialect.ts";
    // Deno, console, fetch
    const text = "import x from 'hono'; Deno.exit(1)";
    const pattern = /import "hono"|console\\.log/;
    const at = new Date(0).toISOString();
    const shape = { console: 1, Deno: 2 };
    const value = shape.console + shape.Deno;
    export const Schema = z.object({ n: integer });
  `;
  assertEquals(lint("protocol/ocpp16/reset.ts", source), []);
});

Deno.test("protocol/ may not touch Deno, the console, the clock, timers or randomness", () => {
  const cases: [string, string][] = [
    ['Deno.env.get("X");', '"Deno"'],
    ["const { env } = Deno;", '"Deno"'],
    ['console.log("x");', '"console"'],
    ["const now = Date.now();", "the clock"],
    ["const now = new Date();", "the clock"],
    ["const t = performance.now();", "the clock"],
    ["setTimeout(() => {}, 1);", '"setTimeout"'],
    ["const n = Math.random();", "Math.random()"],
    ['await fetch("https://example.com");', '"fetch"'],
    ["const id = crypto.randomUUID();", '"crypto"'],
  ];
  for (const [source, what] of cases) {
    const reports = lint("protocol/ocppj/frames.ts", source);
    assert(reports.some((r) => r.startsWith(`Cannot use ${what} here`)), `${source}: ${reports.join("; ")}`);
  }
});

Deno.test("protocol/ocppj/ may not import a dialect; a dialect may import ocppj/", () => {
  const reports = lint("protocol/ocppj/validate.ts", 'import { ACTIONS } from "../ocpp16/mod.ts";');
  assertEquals(reports.length, 1);
  assert(reports[0]?.includes("version-neutral"), reports[0]);
  assertEquals(lint("protocol/ocpp16/mod.ts", 'import { hasAction } from "../ocppj/dialect.ts";'), []);
});

Deno.test("energy/ may not import HTTP, a database or a store implementation, nor read the clock", () => {
  const source = [
    'import { Hono } from "hono";',
    'import postgres from "postgres";',
    'import { KvStore } from "../store/kv/mod.ts";',
    'import { x } from "../store/postgres/energy.ts";',
    'import type { EnergyStore } from "../store/energy.ts";',
    "const at = new Date();",
  ].join("\n");
  const reports = lint("energy/site_controller.ts", source);
  assertEquals(reports.length, 5, reports.join("\n"));
  assert(reports.every((r) => r.includes("energy/ is a domain")), reports.join("\n"));
});

Deno.test("tests and benchmarks beside protocol/ code may use Deno and test helpers", () => {
  const source = 'import { assert } from "@std/assert";\nDeno.test("x", () => assert(Date.now() > 0));';
  assertEquals(lint("protocol/ocppj/frames_test.ts", source), []);
  assertEquals(lint("protocol/ocppj/frames_bench.ts", source), []);
  assertEquals(lint("protocol/ocppj/frames.ts", source).length, 3);
});

Deno.test("files outside every rule are not checked", () => {
  assertEquals(lint("routes/ocpp.ts", 'import { Hono } from "hono";\nconsole.log(Date.now());'), []);
});

Deno.test("importTarget() names the package or the repository path an import points at", () => {
  assertEquals(importTarget("hono/http-exception", "protocol/a.ts"), "hono");
  assertEquals(importTarget("npm:zod@^4", "protocol/a.ts"), "zod");
  assertEquals(importTarget("npm:/hono@^4.13.0/cors", "protocol/a.ts"), "hono");
  assertEquals(importTarget("@std/assert", "protocol/a.ts"), "@std/assert");
  assertEquals(importTarget("npm:@hono/zod-openapi@1", "protocol/a.ts"), "@hono/zod-openapi");
  assertEquals(importTarget("node:fs/promises", "protocol/a.ts"), "node:fs");
  assertEquals(importTarget("../ocppj/frames.ts", "protocol/ocpp16/mod.ts"), "protocol/ocppj/frames.ts");
  assertEquals(importTarget("../../store/store.ts", "protocol/ocpp16/mod.ts"), "store/store.ts");
  assertEquals(repoPath(new URL("protocol/x.ts", ROOT).pathname), "protocol/x.ts");
  assertEquals(repoPath("/elsewhere/x.ts"), null);
});

Deno.test("model/ imports only protocol/ and zod, and is pure", () => {
  const source = [
    'import type { Store } from "../store/mod.ts";',
    'import { HANDLERS } from "../actors/handlers/mod.ts";',
    'import { z } from "zod";',
    'import type { RequestOf } from "../protocol/ocpp16/mod.ts";',
    "const at = Date.now();",
    'const env = Deno.env.get("X");',
  ].join("\n");
  const reports = lint("model/transaction.ts", source);
  assertEquals(reports.length, 4, reports.join("\n"));
  assert(reports.every((r) => r.includes("model/ is the pure domain")), reports.join("\n"));
});

Deno.test("actors/ imports the store interfaces, never a store, a database or a web framework", () => {
  const refused = [
    'import { openKvStore } from "../store/kv/mod.ts";',
    'import { PostgresStore } from "../store/postgres/mod.ts";',
    'import { addMeterValues } from "../store/station_writes.ts";',
    'import postgres from "postgres";',
    'import { Hono } from "hono";',
    'import { createApp } from "../routes/app.ts";',
    "const kv = await Deno.openKv();",
  ];
  for (const line of refused) {
    const reports = lint("actors/charge_point.ts", line);
    assertEquals(reports.length, 1, `${line}: ${reports.join("; ")}`);
    assert(reports[0]!.includes("store interfaces"), reports[0]);
  }
  const allowed = [
    'import type { Store } from "../store/mod.ts";',
    'import type { Logger } from "../logger.ts";',
    'import { applyStatus } from "../model/connector_state.ts";',
    "const id = crypto.randomUUID();",
  ].join("\n");
  assertEquals(lint("actors/charge_point.ts", allowed), []);
});

Deno.test("handlers and commands are pure: no clock, randomness, timers, console or Deno", () => {
  for (const path of ["actors/handlers/heartbeat.ts", "actors/commands/reset.ts"]) {
    const reports = lint(
      path,
      "const at = new Date();\nconsole.log(Math.random());\nsetTimeout(() => {}, 1);",
    );
    assertEquals(reports.length, 4, `${path}: ${reports.join("; ")}`);
    assert(reports.every((r) => r.includes("the actor shell does the I/O")), reports.join("\n"));
  }
  assertEquals(lint("actors/handlers/heartbeat.ts", "const at = new Date(0).toISOString();"), []);
});

Deno.test("security/ and auth/ import no web framework, database, store implementation or Deno API", () => {
  for (const path of ["security/station_gate.ts", "auth/sessions.ts"]) {
    const source = [
      'import { Hono } from "hono";',
      'import { KvAuthStore } from "../store/kv/auth.ts";',
      'import { openStores } from "../store/open.ts";',
      'import { ApiError } from "../routes/api/http.ts";',
      "Deno.exit(1);",
    ].join("\n");
    const reports = lint(path, source);
    assertEquals(reports.length, 5, `${path}: ${reports.join("; ")}`);
    const allowed =
      'import type { AuthStore } from "../store/auth.ts";\nimport type { Config } from "../config.ts";';
    assertEquals(lint(path, allowed), []);
  }
});

Deno.test("routes, components and islands see the store interfaces, never a concrete store", () => {
  const files: [string, string][] = [
    ["routes/api/id_tags.ts", "../.."],
    ["components/layout.tsx", ".."],
    ["islands/StationTable.tsx", ".."],
  ];
  for (const [path, up] of files) {
    const source = `import { openKvStore } from "${up}/store/kv/mod.ts";\nimport postgres from "postgres";`;
    const reports = lint(path, source);
    assertEquals(reports.length, 2, `${path}: ${reports.join("; ")}`);
    assert(reports.every((r) => r.includes("concrete stores are built only in main.ts")), reports.join("\n"));
  }
  assertEquals(lint("routes/api/id_tags.ts", 'import type { Store } from "../../store/mod.ts";'), []);
});

Deno.test("store/ never imports the actors, routes, security, auth or a web framework", () => {
  const source = [
    'import { HANDLERS } from "../../actors/handlers/mod.ts";',
    'import { createApp } from "../../routes/app.ts";',
    'import { StationGate } from "../../security/station_gate.ts";',
    'import { Hono } from "hono";',
  ].join("\n");
  const reports = lint("store/kv/commit.ts", source);
  assertEquals(reports.length, 4, reports.join("\n"));
  assert(reports.every((r) => r.includes("store/ keeps what the domain decides")), reports.join("\n"));
  assertEquals(
    lint("store/kv/commit.ts", 'import type { StationChanges } from "../../model/changes.ts";'),
    [],
  );
});

Deno.test("fleet/ may use the store interfaces and the registry, not a store implementation or HTTP", () => {
  const refused = [
    'import { KvStore } from "../store/kv.ts";',
    'import { openPostgresFleetStore } from "../store/postgres/fleet.ts";',
    'import { kvFleetStore } from "../store/kv/fleet.ts";',
    'import { Hono } from "hono";',
    'import postgres from "postgres";',
    'import { ApiError } from "../routes/api/http.ts";',
  ];
  for (const source of refused) assertEquals(lint("fleet/job_runner.ts", source).length, 1, source);
  const allowed = [
    'import type { JobStore } from "../store/fleet.ts";',
    'import type { Registry } from "../actors/registry.ts";',
    'import http from "node:http";',
  ];
  for (const source of allowed) assertEquals(lint("fleet/job_runner.ts", source), [], source);
});
