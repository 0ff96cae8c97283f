/**
 * The command-line tasks and the server fail with one clear line on stderr and an exit code, never a stack
 * trace: a short password, an unknown option, a bad setting, an unreachable database.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";

const ROOT = new URL("../", import.meta.url).pathname;

async function run(file: string, args: string[], env: Record<string, string>, stdin = "") {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}${file}`, ...args],
    env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const out = await child.output();
  return {
    code: out.code,
    stderr: new TextDecoder().decode(out.stderr),
    stdout: new TextDecoder().decode(out.stdout),
  };
}

function assertOneLine(stderr: string, includes: string) {
  const lines = stderr.trim().split("\n");
  assertEquals(lines.length, 1, `one line, got:\n${stderr}`);
  assert(lines[0]!.startsWith("error: "), stderr);
  assertStringIncludes(lines[0]!, includes);
  assert(!/\bat .*\.ts:\d+/.test(stderr), `no stack trace:\n${stderr}`);
}

Deno.test("deno task users and the server fail with one line on stderr, never a stack trace", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csms-cli-" });
  const kv = `${dir}/csms.kv`;
  try {
    const short = await run("tasks/users.ts", ["add", "bob", "--role", "admin"], {
      KV_PATH: kv,
      USER_PASSWORD: "short",
    });
    assertEquals(short.code, 1);
    assertOneLine(short.stderr, "USER_PASSWORD: must be at least 8 characters");

    const piped = await run("tasks/users.ts", ["add", "bob", "--role", "admin"], { KV_PATH: kv }, "short\n");
    assertEquals(piped.code, 2);
    assertOneLine(piped.stderr, "The password must be 8 to 1024 characters long");

    const option = await run("tasks/users.ts", ["add", "bob", "--rol", "admin"], { KV_PATH: kv });
    assertEquals(option.code, 2);
    assertOneLine(option.stderr, "Unknown option '--rol'");

    const role = await run("tasks/users.ts", ["add", "bob", "--role", "boss"], { KV_PATH: kv });
    assertEquals(role.code, 2);
    assertOneLine(role.stderr, "--role must be admin, operator or viewer");

    const database = await run("tasks/users.ts", ["list"], {
      DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
    });
    assertEquals(database.code, 1);
    assertOneLine(database.stderr, "Cannot open the PostgreSQL store");

    const ok = await run(
      "tasks/users.ts",
      ["add", "bob", "--role", "admin"],
      { KV_PATH: kv },
      "a long secret\n",
    );
    assertEquals(ok.code, 0, ok.stderr);
    assertStringIncludes(ok.stdout, 'User "bob" created with role admin');

    const server = await run("main.ts", [], { KV_PATH: kv, PORT: "not-a-port" });
    assertEquals(server.code, 1);
    assertOneLine(server.stderr, "Invalid settings: PORT");
    // Several workers share one PostgreSQL database: without one they cannot start.
    const workers = await run("main.ts", [], { KV_PATH: kv, WORKERS: "3" });
    assertEquals(workers.code, 1);
    assertOneLine(workers.stderr, "Invalid settings: WORKERS=3 needs DATABASE_URL");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
