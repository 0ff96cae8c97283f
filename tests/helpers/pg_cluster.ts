/**
 * A throwaway PostgreSQL cluster for tests that stop and start the server: initdb + pg_ctl on its own port and
 * data folder, run as the `postgres` user when we are root (initdb refuses root). `PG_BIN` overrides the
 * folder of the server binaries (default: the newest /usr/lib/postgresql/<version>/bin).
 */
import { freePort } from "./ports.ts";
export const PG_BIN = Deno.env.get("PG_BIN") ?? defaultBinDir();

function defaultBinDir(): string {
  try {
    const versions = [...Deno.readDirSync("/usr/lib/postgresql")].map((e) => e.name).sort((a, b) =>
      Number(b) - Number(a)
    );
    if (versions[0]) return `/usr/lib/postgresql/${versions[0]}/bin`;
  } catch {
    // No server binaries installed.
  }
  return "/usr/lib/postgresql/15/bin";
}

/** Why a throwaway cluster cannot be made here, or null. */
export function missingBinaries(): string | null {
  for (const tool of ["initdb", "pg_ctl"]) {
    try {
      Deno.statSync(`${PG_BIN}/${tool}`);
    } catch {
      return `${PG_BIN}/${tool} not found`;
    }
  }
  return null;
}

/** A PostgreSQL cluster of our own: its own data folder, port and socket folder. */
export class ThrowawayCluster {
  readonly port: number;
  readonly #dir: string;
  /** The data folder: `data` in `#dir`, or a folder of its own on the disk the test chose. */
  readonly #data: string;
  readonly #asRoot: boolean;
  readonly #fsync: boolean;

  private constructor(dir: string, data: string, port: number, asRoot: boolean, fsync: boolean) {
    this.#dir = dir;
    this.#data = data;
    this.port = port;
    this.#asRoot = asRoot;
    this.#fsync = fsync;
  }

  /**
   * `fsync` (default off, for speed): on, commits wait for the disk as in production, which keeps more
   * writes in flight when the server is stopped under load. `dataOn`: a folder (a small disk) to hold the
   * data files; the WAL then stays in the cluster's own folder (`initdb -X`), as on a server whose WAL has
   * a disk of its own, so a full data disk fails writes (53100) rather than crashing the server.
   */
  static async create(options: { fsync?: boolean; dataOn?: string } = {}): Promise<ThrowawayCluster> {
    const asRoot = Deno.uid() === 0;
    const dir = await Deno.makeTempDir({ prefix: "csms_pg_cluster_" });
    const data = options.dataOn
      ? await Deno.makeTempDir({ dir: options.dataOn, prefix: "data_" })
      : `${dir}/data`;
    // initdb and pg_ctl refuse to run as root: hand the folders to the postgres user and run as them.
    if (asRoot) await Deno.chown(dir, await uidOf("postgres"), null);
    if (asRoot && options.dataOn) await Deno.chown(data, await uidOf("postgres"), null);
    const cluster = new ThrowawayCluster(dir, data, freePort(), asRoot, options.fsync ?? false);
    try {
      await cluster.#run(`${PG_BIN}/initdb`, [
        ...(options.dataOn ? ["-X", `${dir}/wal`] : []),
        "-D",
        data,
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "-N",
      ]);
      await cluster.start();
    } catch (err) {
      await cluster.destroy();
      throw err;
    }
    return cluster;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async start(): Promise<void> {
    const opts = `-p ${this.port} -k ${this.#dir} -c listen_addresses=127.0.0.1 -c fsync=${
      this.#fsync ? "on" : "off"
    }`;
    await this.#run(`${PG_BIN}/pg_ctl`, [
      "-D",
      this.#data,
      "-l",
      `${this.#dir}/log`,
      "-w",
      "-t",
      "60",
      "-o",
      opts,
      "start",
    ]);
  }

  /** Like a crash: backends are killed, no shutdown checkpoint. */
  async stopImmediately(): Promise<void> {
    await this.#run(`${PG_BIN}/pg_ctl`, ["-D", this.#data, "-m", "immediate", "-w", "stop"]);
  }

  /** Stops the server if it runs and removes the data folder. */
  async destroy(): Promise<void> {
    try {
      await this.#run(`${PG_BIN}/pg_ctl`, ["-D", this.#data, "-m", "immediate", "-w", "stop"], true);
    } finally {
      await Deno.remove(this.#dir, { recursive: true });
      if (this.#data !== `${this.#dir}/data`) await Deno.remove(this.#data, { recursive: true });
    }
  }

  async #run(cmd: string, args: string[], quiet = false): Promise<void> {
    const command = this.#asRoot
      ? new Deno.Command("su", { args: ["postgres", "-c", [cmd, ...args].map(shellQuote).join(" ")] })
      : new Deno.Command(cmd, { args });
    const out = await command.output();
    if (!out.success && !quiet) {
      const stderr = new TextDecoder().decode(out.stderr).trim();
      throw new Error(`Cannot run "${cmd.split("/").pop()} ${args.at(-1)}": exit ${out.code}: ${stderr}`);
    }
  }
}

async function uidOf(user: string): Promise<number> {
  const out = await new Deno.Command("id", { args: ["-u", user] }).output();
  if (!out.success) throw new Error(`Cannot find the uid of user "${user}"`);
  return Number(new TextDecoder().decode(out.stdout).trim());
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}
