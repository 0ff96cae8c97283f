import { assertEquals, assertThrows } from "@std/assert";
import { parseSimulateArgs } from "./cli.ts";

Deno.test("parseSimulateArgs() has defaults for everything", () => {
  const command = parseSimulateArgs([]);
  assertEquals(command.help, false);
  assertEquals(command.durationS, null);
  assertEquals(command.logLevel, "warn");
  assertEquals(command.options.url, "ws://127.0.0.1:3001/ocpp");
  assertEquals(command.options.stations, 1);
  assertEquals(command.options.prefix, "SIM-");
  assertEquals(command.options.connectors, 2);
  assertEquals(command.options.faults, undefined);
  assertEquals(command.options.drivers, undefined);
});

Deno.test("parseSimulateArgs() reads every option", () => {
  const command = parseSimulateArgs([
    "--url",
    "wss://csms.example.com/ocpp",
    "--stations",
    "30",
    "--prefix",
    "DEMO-",
    "--first",
    "101",
    "--connectors",
    "3",
    "--heartbeat",
    "60",
    "--meter-interval",
    "10",
    "--basic-auth",
    "0123456789abcdef",
    "--seed",
    "42",
    "--duration",
    "2.5",
    "--fault-rate",
    "0.5",
    "--fault-duration",
    "120",
    "--sessions",
    "1.5",
    "--id-tags",
    "A, B",
    "--stay-minutes",
    "5-10",
    "--connect-rate",
    "20",
    "--max-current",
    "16",
    "--phases",
    "1",
    "--config",
    "AuthorizeRemoteTxRequests=true",
    "--config",
    "ConnectorPhaseRotation=0.RST,1.RST",
    "--vendor",
    "Acme",
    "--model",
    "X1",
    "--log-level",
    "info",
  ]);
  assertEquals(command.durationS, 2.5);
  assertEquals(command.logLevel, "info");
  assertEquals(command.options, {
    url: "wss://csms.example.com/ocpp",
    stations: 30,
    prefix: "DEMO-",
    firstNumber: 101,
    connectors: 3,
    meterIntervalS: 10,
    connectRate: 20,
    maxCurrentA: 16,
    electrical: { voltage: 230, phases: 1 },
    configuration: { AuthorizeRemoteTxRequests: "true", ConnectorPhaseRotation: "0.RST,1.RST" },
    heartbeatIntervalS: 60,
    authorizationKey: "0123456789abcdef",
    seed: 42,
    vendor: "Acme",
    model: "X1",
    faults: { ratePerHour: 0.5, durationS: 120 },
    drivers: { sessionsPerHour: 1.5, idTags: ["A", "B"], stayMinutes: [5, 10] },
  });
});

Deno.test("parseSimulateArgs() refuses bad arguments with one clear line", () => {
  const fails = (args: string[], message: string) =>
    assertThrows(() => parseSimulateArgs(args), Error, message);
  fails(["--stations", "0"], '--stations "0"');
  fails(["--stations", "many"], '--stations "many"');
  fails(["--url", "http://x"], "must be a ws:// or wss:// URL");
  fails(["--basic-auth", "short"], "at least 16 characters");
  fails(["--config", "novalue"], "KEY=VALUE");
  fails(["--stay-minutes", "90-20"], "the longest stay comes second");
  fails(["--bogus"], "Unknown option '--bogus'");
  fails(["--phases", "2"], '--phases "2"');
});
