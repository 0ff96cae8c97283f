/**
 * `deno task simulate` arguments, parsed and checked into simulation options. Pure: a bad argument is one
 * clear error message, never a stack trace.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import type { LogLevel } from "../logger.ts";
import type { SimulationOptions } from "./simulation.ts";

export const USAGE = `Usage: deno task simulate [options]

  --url URL              the Central System's OCPP endpoint (default ws://127.0.0.1:3001/ocpp)
  --stations N           how many virtual stations (default 1)
  --prefix TEXT          station ids are PREFIX1, PREFIX2, ... (default SIM-)
  --first N              number of the first station (default 1)
  --connectors N         connectors per station (default 2)
  --heartbeat S          heartbeat every S seconds, whatever the Central System says
  --meter-interval S     MeterValueSampleInterval at power-on (default 30)
  --basic-auth KEY       security profile 1: the AuthorizationKey sent as Basic auth password
  --seed N               same seed, same run (meters, cars, drivers, faults)
  --duration S           stop after S seconds (default: run until Ctrl-C)
  --fault-rate R         random faults per station per hour (default 0)
  --fault-duration S     how long a fault lasts on average (default 60)
  --sessions R           drivers per connector per hour who charge on their own (default 0)
  --id-tags A,B          the idTags those drivers present (default SIM-CARD-1..SIM-CARD-5)
  --stay-minutes M-N     how long a driver stays (default 20-90)
  --connect-rate N       new connections per second (default 50)
  --max-current A        per phase and connector (default 32)
  --phases 1|3           (default 3)
  --config KEY=VALUE     a configuration key at power-on (repeatable), e.g. AuthorizeRemoteTxRequests=true
  --vendor TEXT, --model TEXT   what BootNotification says (default VirtualCharge VC-22)
  --log-level LEVEL      debug, info, warn or error (default warn; a summary line comes every 10 s anyway)
  --help`;

export interface SimulateCommand {
  help: boolean;
  options: Omit<SimulationOptions, "clock" | "logger" | "fetch">;
  /** Seconds; null: until interrupted. */
  durationS: number | null;
  logLevel: LogLevel;
}

const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const positive = z.coerce.number().positive();

const Args = z.object({
  url: z.string().regex(/^wss?:\/\/[^\s]+$/, "must be a ws:// or wss:// URL").default(
    "ws://127.0.0.1:3001/ocpp",
  ),
  stations: count(1, 100_000).default(1),
  prefix: z.string().max(40).regex(/^[\x21-\x7e]*$/, "must be printable ASCII without spaces").default(
    "SIM-",
  ),
  first: count(0, 1_000_000_000).default(1),
  connectors: count(1, 50).default(2),
  heartbeat: count(1, 86_400).optional(),
  "meter-interval": count(0, 86_400).default(30),
  "basic-auth": z.string().min(16, "must have at least 16 characters").optional(),
  seed: count(0, 2 ** 31 - 1).optional(),
  duration: positive.optional(),
  "fault-rate": z.coerce.number().min(0).default(0),
  "fault-duration": positive.default(60),
  sessions: z.coerce.number().min(0).default(0),
  "id-tags": z.string().default("SIM-CARD-1,SIM-CARD-2,SIM-CARD-3,SIM-CARD-4,SIM-CARD-5"),
  "stay-minutes": z.string().regex(/^\d+(\.\d+)?-\d+(\.\d+)?$/, 'must look like "20-90"').default("20-90"),
  "connect-rate": positive.default(50),
  "max-current": count(6, 1000).default(32),
  phases: z.enum(["1", "3"]).default("3"),
  config: z.array(z.string().regex(/^[^=]+=.*$/, "must look like KEY=VALUE")).default([]),
  vendor: z.string().min(1).max(20).optional(),
  model: z.string().min(1).max(20).optional(),
  "log-level": z.enum(["debug", "info", "warn", "error"]).default("warn"),
  help: z.boolean().default(false),
});

const STRING_OPTIONS = Object.keys(Args.shape).filter((k) => k !== "help" && k !== "config");

/**
 * @example
 * ```ts
 * parseSimulateArgs(["--stations", "3", "--prefix", "SIM-"]).options.stations; // 3
 * ```
 */
export function parseSimulateArgs(args: string[]): SimulateCommand {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(STRING_OPTIONS.map((k) => [k, { type: "string" as const }])),
        config: { type: "string", multiple: true },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new Error((error as Error).message);
  }
  const parsed = Args.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? "");
    throw new Error(`--${name} ${JSON.stringify(values[name])}: ${issue?.message ?? "is invalid"}`);
  }
  const a = parsed.data;
  const [shortest = 20, longest = 90] = a["stay-minutes"].split("-").map(Number);
  if (longest < shortest) {
    throw new Error(`--stay-minutes "${a["stay-minutes"]}": the longest stay comes second`);
  }
  const idTags = a["id-tags"].split(",").map((t) => t.trim()).filter(Boolean);
  if (idTags.some((t) => t.length > 20)) throw new Error(`--id-tags: an idTag has at most 20 characters`);
  const options: SimulateCommand["options"] = {
    url: a.url,
    stations: a.stations,
    prefix: a.prefix,
    firstNumber: a.first,
    connectors: a.connectors,
    meterIntervalS: a["meter-interval"],
    connectRate: a["connect-rate"],
    maxCurrentA: a["max-current"],
    electrical: { voltage: 230, phases: Number(a.phases) },
    configuration: Object.fromEntries(a.config.map((kv) => {
      const at = kv.indexOf("=");
      return [kv.slice(0, at).trim(), kv.slice(at + 1)];
    })),
    ...(a.heartbeat !== undefined ? { heartbeatIntervalS: a.heartbeat } : {}),
    ...(a["basic-auth"] !== undefined ? { authorizationKey: a["basic-auth"] } : {}),
    ...(a.seed !== undefined ? { seed: a.seed } : {}),
    ...(a.vendor !== undefined ? { vendor: a.vendor } : {}),
    ...(a.model !== undefined ? { model: a.model } : {}),
    ...(a["fault-rate"] > 0
      ? { faults: { ratePerHour: a["fault-rate"], durationS: a["fault-duration"] } }
      : {}),
    ...(a.sessions > 0
      ? { drivers: { sessionsPerHour: a.sessions, idTags, stayMinutes: [shortest, longest] } }
      : {}),
  };
  return { help: a.help, options, durationS: a.duration ?? null, logLevel: a["log-level"] };
}
