/**
 * A throwaway PostgreSQL cluster of the test's own, for tests that stop the database under load (the shared
 * one on 5432 serves every other test). initdb and pg_ctl refuse root: as root they run as `postgres`.
 */
import { IN_CI } from "./postgres.ts";

export interface PrivatePostgres {
  url: string;
  /** `pg_ctl stop -m <mode>`: immediate is a crash, fast a clean shutdown. */
  stop(mode: "immediate" | "fast"): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

/** The directory of PostgreSQL's server programs, or null (then tests that need one are ignored outside CI). */
export function postgresBin(): string | null {
  try {
    for (
      const entry of [...Deno.readDirSync("/usr/lib/postgresql")].sort((a, b) => b.name.localeCompare(a.name))
    ) {
      const bin = `/usr/lib/postgresql/${entry.name}/bin`;
      try {
        Deno.statSync(`${bin}/initdb`);
        return bin;
      } catch {
        // Not this version.
      }
    }
  } catch {
    // No PostgreSQL installed.
  }
  return null;
}

/** Whether a private cluster cannot be made here (printed once); never ignored in CI. */
export function ignoreWithoutPostgresBin(what: string): boolean {
  if (IN_CI || postgresBin() !== null) return false;
  console.log(`${what} ignored: no PostgreSQL server programs under /usr/lib/postgresql`);
  return true;
}

export async function startPrivatePostgres(port: number): Promise<PrivatePostgres> {
  const bin = postgresBin();
  if (!bin) throw new Error("No PostgreSQL server programs under /usr/lib/postgresql");
  const dir = await Deno.makeTempDir({ prefix: "csms_pg_" });
  const asRoot = Deno.uid() === 0;
  if (asRoot) await run("chown", ["postgres", dir]);
  const pg = (program: string, args: string[]) =>
    asRoot
      ? run("su", ["postgres", "-c", [`${bin}/${program}`, ...args].map((a) => `'${a}'`).join(" ")])
      : run(`${bin}/${program}`, args);
  const data = `${dir}/data`;
  const ctl = (action: string, extra: string[] = []) =>
    pg("pg_ctl", ["-D", data, "-o", `-p ${port} -k ${dir}`, "-l", `${dir}/log`, "-w", action, ...extra]);
  await pg("initdb", ["-D", data, "-A", "trust", "-U", "postgres"]);
  await ctl("start");
  await run(`${bin}/createdb`, ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "csms"]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/csms`,
    stop: (mode) => ctl("stop", ["-m", mode]),
    start: () => ctl("start"),
    async destroy() {
      await ctl("stop", ["-m", "immediate"]).catch(() => {});
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function run(program: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(program, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${program} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr).slice(0, 500)}`);
  }
}
