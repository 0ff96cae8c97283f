/**
 * The child processes of a `--peers` run: each server pinned to core 1, its load generators to core 0 (when
 * pinning), started from the servers' specs and stopped together.
 */
import { type GeneratorChild, spawnGenerator } from "../generator/child.ts";
import type { PeerTarget } from "../options.ts";
import { type ServerChild, type ServerSpec, spawnServer, stopProcess } from "../server_launch.ts";
import { BENCH_ID_TAG } from "../stores.ts";

export const SERVER_CORE = 1;
export const GENERATOR_CORE = 0;

export class Fleet {
  servers: ServerChild[] = [];
  generators: GeneratorChild[] = [];
  #nextServer = 0;

  constructor(
    readonly specs: ReadonlyMap<PeerTarget, ServerSpec>,
    readonly pin: boolean,
    readonly generatorsPerServer: number,
  ) {}

  async startServer(target: PeerTarget): Promise<ServerChild> {
    const spec = this.specs.get(target);
    if (!spec) throw new Error(`No server spec for "${target}"`);
    const server = await spawnServer(this.#nextServer++, { ...spec, core: this.pin ? SERVER_CORE : null });
    this.servers.push(server);
    return server;
  }

  /** Generators for `stations` stations of `server`, split evenly; resolves once each process listens. */
  async startGenerators(
    server: ServerChild,
    stations: number,
    prefix: string,
    processes = this.generatorsPerServer,
  ): Promise<GeneratorChild[]> {
    const per = Math.ceil(stations / processes);
    const started: GeneratorChild[] = [];
    for (let first = 0; first < stations; first += per) {
      const generator = spawnGenerator(this.generators.length, server.index, {
        url: `ws://127.0.0.1:${server.port}/ocpp`,
        prefix,
        first,
        stations: Math.min(per, stations - first),
        idTag: BENCH_ID_TAG,
      }, this.pin ? GENERATOR_CORE : null);
      this.generators.push(generator);
      started.push(generator);
    }
    // Loaded and answering before anything is timed.
    await Promise.all(started.map((g) => g.mark()));
    return started;
  }

  /** Closes the generators' stations, stops them and the server. */
  async retire(server: ServerChild, generators: GeneratorChild[]): Promise<void> {
    await Promise.all(generators.map((g) => g.exit(10_000)));
    await stopProcess(server.child, 10_000);
    this.generators = this.generators.filter((g) => !generators.includes(g));
    this.servers = this.servers.filter((s) => s !== server);
  }

  /** SIGKILL to everything still running; resolves when all have exited. */
  async kill(): Promise<void> {
    for (const g of this.generators) g.kill();
    for (const s of this.servers) {
      try {
        s.child.kill("SIGKILL");
      } catch {
        // Gone.
      }
    }
    await Promise.allSettled([...this.generators.map((g) => g.exited), ...this.servers.map((s) => s.exited)]);
  }
}
