/**
 * An HTTP fuzz of the operator API (issue 10), on Deno KV and on PostgreSQL: every operation of the OpenAPI
 * document, called as an admin with hostile path ids (`..%2F`, unicode, broken UTF-8, 10 KB, NUL), hostile
 * query values (negative and huge numbers, NaN, 10 KB, NUL) and hostile bodies (broken JSON, huge numbers,
 * 50,000 nested arrays, prototype keys, NUL, invalid UTF-8, the wrong content type). No answer may be a 5xx,
 * every error is the JSON error body, and the server is healthy afterwards. The dashboard's pages get the
 * same ids and queries and must never answer 500.
 */
import { assert, assertEquals } from "@std/assert";
import type { ApiTestServer } from "./helpers/api.ts";
import { withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";

const TEN_KB = "A".repeat(10 * 1024);

/** As they appear in the URL (already encoded). */
const IDS = [
  "..%2F..%2F..%2Fetc%2Fpasswd",
  "..%2F",
  "%2E%2E",
  "..",
  encodeURIComponent("é✓😀"),
  "%ED%A0%80",
  "%FF%FE",
  "%C0%AF",
  TEN_KB,
  "%00",
  "A%00B",
  "%25",
  "%",
  "%zz",
  "-1",
  "1e309",
  "99999999999999999999999",
  "NaN",
  "%20",
  "%0A",
  encodeURIComponent("<script>alert(1)</script>"),
  encodeURIComponent("' OR 1=1--"),
  "__proto__",
  "constructor",
];

const QUERY_VALUES = [
  "-1",
  "0",
  "-99999999999999999999",
  "99999999999999999999",
  "1e309",
  "NaN",
  "abc",
  "",
  "%00",
  "%FF",
  TEN_KB,
  "..%2F",
  "2026-13-45T99:99:99Z",
  "[]",
  "%E2%9C%93",
];

const deep = "[".repeat(50_000) + "]".repeat(50_000);
const BODIES: (string | Uint8Array)[] = [
  "",
  "{",
  "[]",
  "null",
  "1e999",
  '"str"',
  '{"a":1e309}',
  '{"connectorId":1e308,"transactionId":99999999999999999999999,"limit":-1,"listVersion":-1e20,"meterStart":-0}',
  `{"idTag":"${TEN_KB}","name":"${TEN_KB}","username":"${TEN_KB}","key":"${TEN_KB}"}`,
  deep,
  `{"data":${deep}}`,
  '{"__proto__":{"role":"admin"},"constructor":{"prototype":{"x":1}}}',
  '{"username":"\\u0000","password":"\\ud800","idTag":"\\u0000","status":"Accepted"}',
  '{"idTag":"\u0000"}',
  '{"idTag":"😀✓é","status":"Accepted","registrationStatus":"Accepted","role":"viewer"}',
  new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
];

interface Operation {
  method: string;
  path: string;
  query: string[];
  hasBody: boolean;
  /** The response statuses the document lists for it. */
  statuses: Set<number>;
}

async function operations(server: ApiTestServer): Promise<Operation[]> {
  const doc = (await server.json("/api/openapi.json", { as: "viewer" })).body;
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
    for (const [method, raw] of Object.entries(item)) {
      const op = raw as {
        parameters?: { name: string; in: string }[];
        requestBody?: unknown;
        responses?: Record<string, unknown>;
      };
      out.push({
        method: method.toUpperCase(),
        path,
        query: (op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name),
        hasBody: op.requestBody !== undefined,
        statuses: new Set(Object.keys(op.responses ?? {}).map(Number)),
      });
    }
  }
  return out;
}

interface Probe {
  op: Operation;
  method: string;
  url: string;
  body?: string | Uint8Array;
  contentType?: string;
}

function probes(op: Operation): Probe[] {
  const out: Probe[] = [];
  const withIds = (id: string) => op.path.replace(/\{[^}]+\}/g, id);
  const safeBody = op.hasBody ? "{}" : undefined;
  const base = {
    op,
    method: op.method,
    ...(safeBody ? { body: safeBody, contentType: "application/json" } : {}),
  };
  if (op.path.includes("{")) { for (const id of IDS) out.push({ ...base, url: withIds(id) }); }
  for (const name of [...op.query, "unknown"]) {
    for (const value of QUERY_VALUES) out.push({ ...base, url: `${withIds("CP-FUZZ")}?${name}=${value}` });
  }
  if (op.hasBody) {
    for (const body of BODIES) {
      out.push({ op, method: op.method, url: withIds("CP-FUZZ"), body, contentType: "application/json" });
    }
    out.push({ op, method: op.method, url: withIds("CP-FUZZ"), body: "{}", contentType: "text/plain" });
  }
  return out;
}

/** Bodies above this may be cut off by the anonymous logins' 413 (which closes the connection). */
const LOGIN_LIMIT = 16 * 1024;

async function send(server: ApiTestServer, probe: Probe, auth: Record<string, string>) {
  let res: Response;
  try {
    res = await fetch(`${server.url}${probe.url}`, {
      method: probe.method,
      headers: { ...auth, ...(probe.contentType ? { "content-type": probe.contentType } : {}) },
      ...(probe.body !== undefined ? { body: probe.body as BodyInit } : {}),
    });
  } catch (error) {
    // The server may answer 413 and hang up while a large body is still being sent.
    if ((probe.body?.length ?? 0) > LOGIN_LIMIT) {
      return { status: 413, type: "application/json", text: '{"error":"x"}' };
    }
    throw error;
  }
  const type = res.headers.get("content-type") ?? "";
  // An event stream never ends by itself.
  let text: string;
  try {
    text = type.includes("event-stream") ? (await res.body?.cancel(), "") : await res.text();
  } catch (error) {
    // The answer broke off after its status: a failure hidden behind a 2xx.
    return { status: 599, type, text: `answer ${res.status} broke off: ${error}` };
  }
  return { status: res.status, type, text };
}

/** Sends `head` on a raw connection; the answer's head and the start of its body (or all until it closes). */
async function rawExchange(port: number, head: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(head));
    const buffer = new Uint8Array(4096);
    const read = await Promise.race([
      conn.read(buffer),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 5_000)),
    ]);
    return read === null ? "(no answer)" : new TextDecoder().decode(buffer.subarray(0, read));
  } finally {
    conn.close();
  }
}

/** Runs `work` over `items`, `width` at a time. */
async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await work(items[next++] as T);
  }));
}

async function fuzz(server: ApiTestServer) {
  const ops = await operations(server);
  assert(ops.length > 40, `only ${ops.length} operations in the OpenAPI document`);
  const all = ops.flatMap(probes);
  const failures: string[] = [];
  const undocumented = new Set<string>();
  const admin = { authorization: `Bearer ${server.tokens.admin}` };
  await pool(all, 6, async (probe) => {
    const { status, type, text } = await send(server, probe, admin);
    const what = `${probe.method} ${probe.url.slice(0, 120)} (${String(probe.body ?? "").slice(0, 40)})`;
    if (status >= 500) failures.push(`${what} -> ${status} ${text.slice(0, 200)}`);
    // Every answer a client can get is in the document (what a generated client is written against).
    if (!probe.op.statuses.has(status)) undocumented.add(`${probe.op.method} ${probe.op.path} -> ${status}`);
    else if (status >= 400) {
      let body: { error?: unknown } | null = null;
      try {
        body = JSON.parse(text);
      } catch {
        // Reported below.
      }
      if (!type.includes("application/json") || typeof body?.error !== "string") {
        failures.push(`${what} -> ${status} without the JSON error body: ${text.slice(0, 120)}`);
      }
    }
  });
  // Anonymous, the same paths: 401 (or 400/413/415 for the login), never more.
  await pool(all.filter((_, i) => i % 7 === 0), 6, async (probe) => {
    const { status, text } = await send(server, probe, {});
    if (status >= 500) {
      failures.push(
        `anonymous ${probe.method} ${probe.url.slice(0, 120)} -> ${status} ${text.slice(0, 200)}`,
      );
    }
  });
  // The pages, logged in, with the same ids and queries.
  const cookie = await server.login("root", "root-password-1");
  const pages = [
    ...IDS.map((id) => `/stations/${id}`),
    ...IDS.map((id) => `/transactions/${id}`),
    ...QUERY_VALUES.flatMap((
      v,
    ) => [`/?search=${v}`, `/?after=${v}`, `/transactions?from=${v}`, `/security?kind=${v}`]),
    ...EVIL_LOGIN_NEXT.map((v) => `/login?next=${v}`),
  ];
  await pool(pages, 6, async (path) => {
    const res = await fetch(`${server.url}${path}`, { headers: { cookie }, redirect: "manual" });
    const text = await res.text();
    if (res.status === 500) failures.push(`page ${path.slice(0, 120)} -> 500 ${text.slice(0, 200)}`);
  });
  // Methods a fetch client cannot even send (TRACE, TRACK) and ones nobody serves, also as an upgrade.
  const port = Number(new URL(server.url).port);
  for (const method of ["TRACE", "TRACK", "trace", "PROPFIND", "FOO"]) {
    for (const path of ["/api/v1/charge-points", "/", "/ocpp/CP-1"]) {
      for (const upgrade of [false, true]) {
        const head = upgrade
          ? "connection: upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\n" +
            "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-protocol: ocpp1.6\r\n"
          : "connection: close\r\n";
        const answer = await rawExchange(port, `${method} ${path} HTTP/1.1\r\nhost: x\r\n${head}\r\n`);
        const status = Number(answer.slice(9, 12));
        if (!(status >= 400 && status < 500)) {
          failures.push(`${method} ${path}${upgrade ? " (upgrade)" : ""} -> ${answer.slice(0, 120)}`);
        }
      }
    }
  }
  assertEquals(failures, [], `${failures.length} of ${all.length} requests failed`);
  assertEquals([...undocumented].sort(), [], "answers the OpenAPI document does not list");
  const health = await fetch(`${server.url}/healthz`);
  assertEquals((await health.json()).status, "ok");
  assert(!server.logs.some((l) => l.msg === "API request failed" || l.msg === "request failed"));
}

const EVIL_LOGIN_NEXT = ["%00", TEN_KB, "%FF", "..%2F"];

const ignorePostgres = await ignoreWithoutPostgres("API fuzz on PostgreSQL");

for (const kind of ["kv", "postgres"] as const) {
  Deno.test({
    name: `API fuzz on ${kind === "kv" ? "Deno KV" : "PostgreSQL"}: no 5xx, every error a JSON body`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () => withApiServer(kind, fuzz),
  });
}
