/**
 * Virtual charging stations against a running Central System, to try it without hardware:
 *
 *   deno task simulate --url ws://127.0.0.1:3001/ocpp --stations 10 --prefix SIM-
 *
 * Runs until Ctrl-C (or --duration); a JSON summary line comes every 10 s. `--help` lists the options.
 */
import { createLogger } from "../logger.ts";
import { parseSimulateArgs, type SimulateCommand, USAGE } from "../simulator/cli.ts";
import { type Simulation, startSimulation } from "../simulator/mod.ts";

const SUMMARY_EVERY_MS = 10_000;

function fail(message: string): never {
  console.error(message);
  Deno.exit(2);
}

let command: SimulateCommand;
try {
  command = parseSimulateArgs(Deno.args);
} catch (error) {
  fail(`${(error as Error).message}\n\n${USAGE}`);
}
if (command.help) {
  console.log(USAGE);
  Deno.exit(0);
}

const logger = createLogger({ level: command.logLevel });
// The summary is the run's heartbeat for whoever watches it, at any log level.
const report = createLogger({ level: "info" });
let simulation: Simulation;
try {
  simulation = startSimulation({ ...command.options, logger });
} catch (error) {
  fail((error as Error).message);
}
report.info("simulation", {
  seed: simulation.seed,
  url: command.options.url,
  stations: simulation.stations.length,
});

const summary = setInterval(() => report.info("summary", { ...simulation.summary() }), SUMMARY_EVERY_MS);
let stopping = false;
async function stop(why: string): Promise<never> {
  if (stopping) Deno.exit(1);
  stopping = true;
  clearInterval(summary);
  report.info("stopping", { why, ...simulation.summary() });
  await simulation.stop();
  Deno.exit(0);
}
Deno.addSignalListener("SIGINT", () => void stop("interrupted"));
Deno.addSignalListener("SIGTERM", () => void stop("terminated"));
if (command.durationS !== null) setTimeout(() => void stop("duration reached"), command.durationS * 1000);
