/**
 * The server's V8 flags reach every way it is started (the tasks, each worker), and this Deno's V8 knows them
 * (Deno refuses to start with a flag V8 does not know: a renamed one would stop the server).
 */
import { assert, assertEquals } from "@std/assert";
import { workerArgs } from "./cluster/workers.ts";
import { SERVER_V8_FLAGS, v8FlagsArg } from "./server_v8_flags.ts";

const ROOT = new URL("./", import.meta.url).pathname;

Deno.test("deno task start and dev run the server with its V8 flags", async () => {
  const { tasks } = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)) as {
    tasks: Record<string, string>;
  };
  for (const task of ["start", "dev"]) {
    assert(tasks[task]!.split(" ").includes(v8FlagsArg()), `${task}: ${tasks[task]}`);
  }
});

Deno.test("each worker of WORKERS=N runs with the server's V8 flags", () => {
  const args = workerArgs({ main: "/srv/main.ts", denoConfig: "/srv/deno.json" });
  assertEquals(args.slice(0, 3), ["run", "-A", v8FlagsArg()]);
  assertEquals(args.at(-1), "/srv/main.ts");
});

Deno.test("this Deno's V8 accepts every flag of the server", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", v8FlagsArg(), "console.log('ok')"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, stderr);
  assertEquals(new TextDecoder().decode(out.stdout).trim(), "ok");
  assert(SERVER_V8_FLAGS.length > 0);
});
