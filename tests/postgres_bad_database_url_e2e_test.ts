/**
 * The real server started with a DATABASE_URL that cannot work exits at once with one line on stderr that
 * names the database it tried, what failed and what to fix: nothing listening on the port, a port where
 * something other than PostgreSQL answers (an HTTP server: the start hung for ever, postgres.js connecting
 * again and again in silence), a database or a user the server does not know.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { freePort } from "./helpers/ports.ts";
import { ignoreWithoutPostgres, SERVER_URL } from "./helpers/postgres.ts";

const ignore = await ignoreWithoutPostgres("Bad DATABASE_URL start tests");

/** Starts main.ts (or `entry`) with `databaseUrl`; its exit code, stderr and time taken (killed after 40 s). */
async function start(databaseUrl: string, entry = "../main.ts") {
  const dir = await Deno.makeTempDir({ prefix: "pgfault45-bad-url-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(entry, import.meta.url).pathname],
    env: { DATABASE_URL: databaseUrl, PORT: "0", HOSTNAME: "127.0.0.1", KV_PATH: `${dir}/csms.kv` },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const started = performance.now();
  const killer = setTimeout(() => child.kill("SIGKILL"), 40_000);
  try {
    const out = await child.output();
    return {
      code: out.code,
      stderr: new TextDecoder().decode(out.stderr),
      stdout: new TextDecoder().decode(out.stdout),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    clearTimeout(killer);
    await Deno.remove(dir, { recursive: true });
  }
}

/** One `error:` line, no stack trace, naming what failed and the hint. */
function assertOneClearLine(stderr: string, ...includes: string[]) {
  const lines = stderr.trim().split("\n");
  assertEquals(lines.length, 1, `one line, got:\n${stderr}`);
  assert(lines[0]!.startsWith("error: Cannot open the PostgreSQL store at "), stderr);
  for (const text of includes) assertStringIncludes(lines[0]!, text);
  assert(!/\bat .*\.(ts|js):\d+/.test(stderr), `no stack trace:\n${stderr}`);
}

function urlWith(change: (url: URL) => void): string {
  const url = new URL(SERVER_URL);
  change(url);
  return url.toString();
}

Deno.test({
  name:
    "the server refused at the database's port exits at once with one line saying to check the host and port",
  ignore,
  fn: async () => {
    const port = freePort();
    const run = await start(urlWith((u) => u.port = String(port)));
    assertEquals(run.code, 1, run.stderr);
    assertOneClearLine(run.stderr, `127.0.0.1:${port}`, "connection refused", "DATABASE_URL");
    assert(run.seconds < 15, `took ${run.seconds} s`);
  },
});

Deno.test({
  name: "the server pointed at a port where an HTTP server answers exits within seconds, not hangs",
  ignore,
  fn: async () => {
    const http = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () => new Response("not here"),
    );
    try {
      const run = await start(urlWith((u) => u.port = String(http.addr.port)));
      assertEquals(run.code, 1, run.stderr);
      assertOneClearLine(
        run.stderr,
        `127.0.0.1:${http.addr.port}`,
        "is it PostgreSQL's port",
        "DATABASE_URL",
      );
      assert(run.seconds < 20, `took ${run.seconds} s`);
    } finally {
      await http.shutdown();
    }
  },
});

Deno.test({
  name: "deno task db:migrate pointed at a port where an HTTP server answers fails within seconds, not hangs",
  ignore,
  fn: async () => {
    const http = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () => new Response("not here"),
    );
    try {
      const run = await start(urlWith((u) => u.port = String(http.addr.port)), "../tasks/db_migrate.ts");
      assertEquals(run.code, 1, run.stderr);
      // The task logs JSON lines on stdout.
      assertStringIncludes(run.stdout, "is it PostgreSQL's port");
      assert(run.seconds < 30, `took ${run.seconds} s`);
    } finally {
      await http.shutdown();
    }
  },
});

Deno.test({
  name: "the server given a database that does not exist exits with one line saying to create it",
  ignore,
  fn: async () => {
    const run = await start(urlWith((u) => u.pathname = "/pgfault45_no_such_database"));
    assertEquals(run.code, 1, run.stderr);
    assertOneClearLine(
      run.stderr,
      'database "pgfault45_no_such_database" does not exist',
      "create it (createdb pgfault45_no_such_database)",
    );
  },
});

Deno.test({
  name:
    "the server refused its user exits with one line saying to check the user and password, never the password",
  ignore,
  fn: async () => {
    const run = await start(urlWith((u) => {
      u.username = "pgfault45_no_such_user";
      u.password = "s3cret-pw";
    }));
    assertEquals(run.code, 1, run.stderr);
    assertOneClearLine(run.stderr, "pgfault45_no_such_user", "check the user and password in DATABASE_URL");
    assert(!run.stderr.includes("s3cret-pw"), run.stderr);
  },
});
