/**
 * `SUPERVISED=true` means stdin is the pipe a `WORKERS` supervisor holds open (its end stops the process). A
 * server started that way by hand or by an init system, stdin at /dev/null (ended at once) or a file, would
 * stop as soon as it started, saying only "supervisor gone": it refuses to start instead, with one clear line
 * (real processes, `main.ts`). With a pipe held open it runs, and stops when the pipe ends.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { eventually, within } from "./helpers/server.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

function server(dir: string, stdin: "null" | "piped") {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN],
    env: { PORT: "0", HOSTNAME: "127.0.0.1", KV_PATH: `${dir}/csms.kv`, SUPERVISED: "true" },
    stdin,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

Deno.test("SUPERVISED=true with stdin at /dev/null refuses to start with one line, never starts and stops", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csms_supervised_" });
  try {
    const out = await within(server(dir, "null").output(), 30_000, "the server to exit");
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr).trim();
    assertEquals(out.code, 1, `stdout:\n${stdout}\nstderr:\n${stderr}`);
    assertEquals(stderr.split("\n").length, 1, stderr);
    assertStringIncludes(stderr, "error: SUPERVISED=true needs stdin to be the pipe of a WORKERS supervisor");
    assert(!stdout.includes('"listening"'), "it never listened");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SUPERVISED=true with stdin a pipe held open runs, and stops gracefully when the pipe ends", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csms_supervised_" });
  const child = server(dir, "piped");
  const lines: string[] = [];
  const reading = (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) lines.push(chunk);
  })();
  const stderr = child.stderr.pipeThrough(new TextDecoderStream());
  try {
    await eventually(() => lines.join("").includes('"listening"'), 30_000, "the server listening");
    await new Promise((r) => setTimeout(r, 500));
    assert(!lines.join("").includes('"shutting down"'), "it keeps running while the pipe is open");
    await child.stdin.close();
    const status = await within(child.status, 15_000, "the server to stop");
    assertEquals(status.code, 0);
    await reading;
    assertStringIncludes(lines.join(""), '"signal":"supervisor gone"');
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await child.status;
    await stderr.cancel();
    await Deno.remove(dir, { recursive: true });
  }
});
