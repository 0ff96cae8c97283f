/**
 * Debian's `nginx` as a child process with its own temp prefix and config, in front of a test server.
 * `readmeServerBlock()` takes the `server { ... }` example from README.md (the setup notes' wss example), so
 * the test proves the documented configuration, not a copy of it.
 */
export { freePort } from "./ports.ts";
import { hasCommand } from "./tls.ts";

export const NGINX_MISSING_REASON = "nginx is not installed (apt-get install -y nginx); CI installs it";

/** True when the nginx tests must be ignored: nginx missing and CI not "true". */
export async function ignoreWithoutNginx(): Promise<boolean> {
  if (Deno.env.get("CI") === "true") return false;
  const missing = !(await hasCommand("nginx")) || !(await hasCommand("openssl"));
  if (missing) console.log(`nginx tests ignored: ${NGINX_MISSING_REASON}`);
  return missing;
}

/**
 * The nginx `server { ... }` block of README.md, verbatim: the first (the WSS example) by default, `index` 1
 * for the profile 2/3 block of "Station security".
 */
export async function readmeServerBlock(index = 0): Promise<string> {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const blocks = [...readme.matchAll(/```nginx\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  const block = blocks[index];
  if (!block) throw new Error(`README.md has no nginx block number ${index}`);
  return block;
}

export interface Nginx {
  close(): Promise<void>;
  errorLog(): Promise<string>;
}

/** Starts nginx with `httpBlockBody` inside `http { }`; resolves once every port in `ports` accepts. */
export async function startNginx(httpBlockBody: string, ports: number[]): Promise<Nginx> {
  const prefix = await Deno.makeTempDir({ prefix: "csms_nginx_" });
  const conf = `
daemon off;
master_process off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log info;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
${httpBlockBody}
}
`;
  await Deno.writeTextFile(`${prefix}/nginx.conf`, conf);
  const child = new Deno.Command("nginx", {
    args: ["-p", prefix, "-c", `${prefix}/nginx.conf`, "-e", `${prefix}/error.log`],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const errorLog = () => Deno.readTextFile(`${prefix}/error.log`).catch(() => "");
  const close = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await child.status;
    await stderr;
    await Deno.remove(prefix, { recursive: true });
  };
  const deadline = Date.now() + 10_000;
  for (const port of ports) {
    for (;;) {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        break;
      } catch {
        const exited = await Promise.race([
          child.status.then(() => true),
          new Promise((r) => setTimeout(() => r(false), 50)),
        ]);
        if (exited || Date.now() > deadline) {
          const log = await errorLog();
          await close().catch(() => {});
          throw new Error(`nginx did not start: ${await stderr} ${log}`.slice(0, 2000));
        }
      }
    }
  }
  return { close, errorLog };
}
