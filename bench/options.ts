/**
 * The flags of `deno task bench`, parsed once into typed options: the many-station load run (default) or
 * the peers comparison (`--peers`). Bad values throw an error that names the flag and quotes the value.
 *
 * @example
 * ```ts
 * const options = parseOptions(["--peers", "--quick"]);
 * options.kind; // "peers"
 * ```
 */
import { parseArgs } from "node:util";

export const PEER_TARGETS = ["raw", "ocpp-rpc", "kv", "postgres"] as const;
export type PeerTarget = typeof PEER_TARGETS[number];

interface CommonOptions {
  /** Admin connection for the throwaway databases. */
  pg: string;
  /** Write the result file(s) into bench/results/. */
  write: boolean;
  label: string | null;
  /** Extra settings for our server (A/B runs), e.g. `--env FRAME_LOG_SIZE=0`. */
  serverEnv: Record<string, string>;
}

export interface LoadOptions extends CommonOptions {
  kind: "load";
  stations: number;
  servers: number;
  /** Load generators per server. */
  generatorsPerServer: number;
  store: "kv" | "postgres";
  durationS: number;
  intervalS: number;
  concurrency: number;
  commandsPerS: number;
  rampTimeoutS: number;
  profile: boolean;
  /**
   * The servers are one cluster on ONE PostgreSQL database (each still on its own port, with its own
   * generators); operator commands (`--commands` per second in all) go through random servers to random
   * stations of any server.
   */
  cluster: boolean;
}

export interface PeersOptions extends CommonOptions {
  kind: "peers";
  quick: boolean;
  targets: PeerTarget[];
  /** Stations of the throughput scenarios. */
  stations: number;
  /** Stations booted and held for the footprint and boot-time figures. */
  footprintStations: number;
  bootRatePerS: number;
  /** Fixed rates (msgs/s from all stations) measured for latency. */
  rates: number[];
  warmupS: number;
  windowS: number;
  /** Each scenario runs this many times per server, interleaved; the quietest window counts. */
  rounds: number;
  /** Load-generator processes per server (they share one core; the footprint uses one per 5,000 stations). */
  generators: number;
  /** Pin each server to core 1 and the generators to core 0 (taskset). */
  pin: boolean;
  /** A V8 CPU profile of our servers over each saturation window (slower: attribution only). */
  profile: boolean;
  /** Only the footprint and boot figures (for memory A/B runs). */
  footprintOnly: boolean;
  /**
   * Seconds the footprint's stations stay idle after the first reading before a second one (0: none): V8's
   * memory reducer returns the heap reserved during the boot burst only after several idle seconds.
   */
  settleS: number;
}

export type BenchOptions = LoadOptions | PeersOptions;

/** Stations one generator process may hold: 20,000 open files per process, minus headroom. */
export const STATIONS_PER_PROCESS = 19_500;

export function parseOptions(args: string[]): BenchOptions {
  const { values: flags } = parseArgs({
    args,
    options: {
      peers: { type: "boolean", default: false },
      quick: { type: "boolean", default: false },
      stations: { type: "string" },
      servers: { type: "string", default: "1" },
      processes: { type: "string" },
      store: { type: "string", default: "kv" },
      duration: { type: "string", default: "60" },
      interval: { type: "string", default: "30" },
      concurrency: { type: "string", default: "100" },
      commands: { type: "string", default: "2" },
      "ramp-timeout": { type: "string", default: "300" },
      pg: { type: "string", default: "postgres://postgres@127.0.0.1:5432/postgres" },
      "no-write": { type: "boolean", default: false },
      label: { type: "string" },
      env: { type: "string", multiple: true, default: [] },
      profile: { type: "boolean", default: false },
      only: { type: "string" },
      "footprint-stations": { type: "string" },
      "boot-rate": { type: "string", default: "2000" },
      rates: { type: "string", default: "2000,5000" },
      warmup: { type: "string" },
      window: { type: "string" },
      rounds: { type: "string" },
      generators: { type: "string", default: "1" },
      "no-pin": { type: "boolean", default: false },
      cluster: { type: "boolean", default: false },
      "footprint-only": { type: "boolean", default: false },
      settle: { type: "string", default: "45" },
    },
  });
  const common: CommonOptions = {
    pg: flags.pg!,
    write: !flags["no-write"],
    label: flags.label ?? null,
    serverEnv: parseEnv(flags.env ?? []),
  };
  if (flags.peers) {
    const quick = flags.quick!;
    const targets = flags.only ? flags.only.split(",").map((t) => t.trim()) : [...PEER_TARGETS];
    for (const t of targets) {
      if (!(PEER_TARGETS as readonly string[]).includes(t)) {
        throw new Error(`--only takes ${PEER_TARGETS.join(", ")}; got "${t}"`);
      }
    }
    const generators = integer("generators", flags.generators, 1);
    const stations = integer("stations", flags.stations ?? "1000", 1);
    const footprintStations = integer(
      "footprint-stations",
      flags["footprint-stations"] ?? (quick ? "2000" : "10000"),
      1,
    );
    if (Math.ceil(stations / generators) > STATIONS_PER_PROCESS) {
      throw new Error(
        `--stations ${stations} over ${generators} generator(s) exceeds ${STATIONS_PER_PROCESS} stations per ` +
          `process (20,000 open files): raise --generators`,
      );
    }
    if (footprintStations > STATIONS_PER_PROCESS) {
      // One server process holds them all.
      throw new Error(
        `--footprint-stations ${footprintStations} exceeds the ${STATIONS_PER_PROCESS} one server can hold`,
      );
    }
    return {
      ...common,
      kind: "peers",
      quick,
      targets: targets as PeerTarget[],
      stations,
      footprintStations,
      bootRatePerS: integer("boot-rate", flags["boot-rate"], 1),
      rates: flags.rates!.split(",").filter((r) => r.trim()).map((r) => integer("rates", r.trim(), 1)),
      warmupS: decimal("warmup", flags.warmup ?? (quick ? "1" : "2")),
      windowS: decimal("window", flags.window ?? (quick ? "4" : "6"), 1),
      rounds: integer("rounds", flags.rounds ?? (quick ? "1" : "3"), 1),
      generators,
      pin: !flags["no-pin"],
      profile: flags.profile!,
      footprintOnly: flags["footprint-only"]!,
      settleS: decimal("settle", flags.settle!, 0),
    };
  }
  const cluster = flags.cluster!;
  const store = cluster ? "postgres" : flags.store;
  if (store !== "kv" && store !== "postgres") {
    throw new Error(`--store must be kv or postgres, got "${store}"`);
  }
  if (cluster && flags.store !== "kv" && flags.store !== "postgres") {
    throw new Error(`--cluster runs on PostgreSQL, got --store "${flags.store}"`);
  }
  const stations = integer("stations", flags.stations ?? "5000", 1);
  const servers = integer("servers", flags.servers, 1);
  const perServer = Math.ceil(stations / servers);
  // A generator holds up to ~10,000 sockets by default: well under the 20,000-file limit of a process.
  const processes = flags.processes
    ? integer("processes", flags.processes, 1)
    : servers * Math.ceil(perServer / 10_000);
  const generatorsPerServer = Math.ceil(processes / servers);
  if (Math.ceil(perServer / generatorsPerServer) > STATIONS_PER_PROCESS) {
    throw new Error(
      `${Math.ceil(perServer / generatorsPerServer)} stations per generator exceed the 20,000-file limit: ` +
        `raise --processes`,
    );
  }
  return {
    ...common,
    kind: "load",
    stations,
    servers,
    generatorsPerServer,
    store,
    durationS: integer("duration", flags.duration, 1),
    intervalS: decimal("interval", flags.interval),
    concurrency: integer("concurrency", flags.concurrency, 1),
    commandsPerS: decimal("commands", flags.commands, 0),
    rampTimeoutS: integer("ramp-timeout", flags["ramp-timeout"], 1),
    profile: flags.profile!,
    cluster,
  };
}

function integer(name: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new Error(`--${name} must be an integer >= ${min}, got "${value}"`);
  }
  return n;
}

/** A number >= `min` (default: > 0). */
function decimal(name: string, value: string | undefined, min?: number): number {
  const n = Number(value);
  const ok = min === undefined ? n > 0 : n >= min;
  if (!Number.isFinite(n) || !ok) {
    throw new Error(`--${name} must be a number ${min === undefined ? "> 0" : `>= ${min}`}, got "${value}"`);
  }
  return n;
}

function parseEnv(pairs: string[]): Record<string, string> {
  return Object.fromEntries(pairs.map((kv) => {
    const at = kv.indexOf("=");
    if (at <= 0) throw new Error(`--env takes KEY=VALUE, got "${kv}"`);
    return [kv.slice(0, at), kv.slice(at + 1)];
  }));
}
