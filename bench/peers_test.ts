/**
 * Smoke test of `deno task bench --peers`: each server it measures (the two peers, and ours on KV) starts as
 * the benchmark starts it and listens with our listen backlog, a handful of stations boot and run both saturation mixes against it with no
 * CALLERROR, every answer of every action passes the official OCPP 1.6 `.conf` schema, and its event-loop lag
 * probe answers.
 */
import { createRequire } from "node:module";
import { createValidator } from "ocpp-rpc";
import { assert, assertEquals } from "@std/assert";
import {
  bootNotification,
  meterValues,
  startTransaction,
  statusNotification,
  stopTransaction,
} from "./generator/frames.ts";
import { LoadGenerator } from "./generator/load_generator.ts";
import { OUR_SERVER_ENV } from "./scenarios/peers.ts";
import { OUR_SERVER_SCRIPT, type ServerSpec, spawnServer, stopProcess } from "./server_launch.ts";
import { BENCH_ID_TAG, BenchStores } from "./stores.ts";
import { eventually } from "../tests/helpers/server.ts";
import { expectedBacklog, hasSs, listenBacklog } from "../tests/helpers/listen_backlog.ts";

const require = createRequire(import.meta.url);
const validator = createValidator("ocpp1.6", require("ocpp-rpc/lib/schemas/ocpp1_6.json"));

/** Sends one CALL per action on a plain WebSocket; resolves with each answer frame. */
async function answersOf(url: string, idTag: string): Promise<Array<[string, unknown[]]>> {
  const ws = new WebSocket(`${url}/SMOKE-1`, "ocpp1.6");
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`Cannot connect to ${url}`));
  });
  const frames: unknown[][] = [];
  let waiting: (() => void) | null = null;
  ws.onmessage = (e) => {
    frames.push(JSON.parse(e.data));
    waiting?.();
  };
  const call = async (action: string, payload: unknown) => {
    ws.send(JSON.stringify([2, `m-${action}`, action, payload]));
    while (!frames.some((f) => f[1] === `m-${action}`)) await new Promise<void>((r) => (waiting = r));
    return frames.find((f) => f[1] === `m-${action}`)!;
  };
  const out: Array<[string, unknown[]]> = [];
  out.push(["BootNotification", await call("BootNotification", bootNotification("SMOKE-1"))]);
  out.push(["StatusNotification", await call("StatusNotification", statusNotification("Preparing"))]);
  out.push(["Heartbeat", await call("Heartbeat", {})]);
  out.push(["Authorize", await call("Authorize", { idTag })]);
  const start = await call("StartTransaction", startTransaction(idTag, 1000));
  out.push(["StartTransaction", start]);
  const transactionId = (start[2] as { transactionId: number }).transactionId;
  out.push(["MeterValues", await call("MeterValues", meterValues(1037, transactionId))]);
  out.push(["StopTransaction", await call("StopTransaction", stopTransaction(transactionId, idTag, 1074))]);
  const closed = new Promise((r) => (ws.onclose = r));
  ws.close(1000);
  await closed;
  return out;
}

async function smoke(spec: ServerSpec): Promise<void> {
  const server = await spawnServer(0, spec);
  try {
    // Every server of the comparison listens with the same backlog, so no boot time carries SYN retries.
    if (hasSs) {
      assertEquals(await listenBacklog(server.port), await expectedBacklog(), `${spec.name}: backlog`);
    }
    const url = `ws://127.0.0.1:${server.port}/ocpp`;
    for (const [action, frame] of await answersOf(url, BENCH_ID_TAG)) {
      assertEquals(frame[0], 3, `${spec.name} answered ${action} with ${JSON.stringify(frame)}`);
      validator.validate(`urn:${action}.conf`, frame[2]);
    }
    const generator = new LoadGenerator({ url, prefix: "SMOKE-G-", stations: 5, idTag: BENCH_ID_TAG });
    try {
      const connected = await generator.connect({ prepare: "boot", ratePerS: 50 });
      assertEquals([connected.ready, connected.failed], [5, 0], JSON.stringify(connected.errors));
      for (const mix of ["plain", "transaction"] as const) {
        generator.run({ mix });
        // Until every action of the mix was answered and 20 replies came, however busy the machine is (a
        // fixed 300 ms / 2 s window saw too few on a loaded one).
        const actions = mix === "plain" ? 2 : 4;
        await eventually(
          () => {
            const counts = Object.values(generator.repliesSoFar());
            return counts.length >= actions && counts.reduce((a, b) => a + b, 0) >= 20;
          },
          30_000,
          `${spec.name}: the ${mix} mix answered`,
        );
        const window = await generator.stop();
        assert(window.replies >= 20, `${spec.name} answered ${window.replies} ${mix} CALLs`);
        assertEquals(window.callErrors, {}, `${spec.name}, ${mix} mix`);
        assertEquals([window.timeouts, window.unexpectedCloses, window.badFrames], [0, 0, 0]);
        if (mix === "transaction") {
          assertEquals(Object.keys(window.latency.byAction).sort(), [
            "Authorize",
            "MeterValues",
            "StartTransaction",
            "StopTransaction",
          ]);
        }
      }
    } finally {
      await generator.close();
    }
    // The lag probe answers, with one firing of its 10 ms timer at least since the server started.
    const lag = await server.cutLag();
    assert(lag !== null && lag.count > 0, `${spec.name}: event-loop lag ${JSON.stringify(lag)}`);
  } catch (e) {
    console.log(`${spec.name} logged (first warnings and errors):\n${server.problems.join("\n")}`);
    throw e;
  } finally {
    await stopProcess(server.child, 5000);
  }
}

Deno.test("the raw Deno peer answers every action the bench sends with a valid CALLRESULT", async () => {
  await smoke({ name: "raw", script: "bench/peers/raw_deno.ts", env: {} });
});

Deno.test("the strict ocpp-rpc peer answers every action the bench sends with a valid CALLRESULT", async () => {
  await smoke({ name: "ocpp-rpc", script: "bench/peers/ocpp_rpc.ts", env: {} });
});

Deno.test("our server on KV, started as the bench starts it, accepts every frame the bench sends", async () => {
  const stores = new BenchStores("postgres://unused@127.0.0.1:1/none");
  try {
    await smoke({
      name: "kv",
      script: OUR_SERVER_SCRIPT,
      env: { ...await stores.create("kv", "smoke"), ...OUR_SERVER_ENV },
    });
  } finally {
    await stores.close();
  }
});
