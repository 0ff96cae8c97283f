/**
 * SIGKILL while stations pipeline several CALLs (MeterValues, StopTransaction, StatusNotifications and the
 * next StartTransaction sent at once, without waiting for answers); the stations reconnect to the restarted
 * server and send every CALL left unanswered again, with the same unique id and the same data (OCPP 1.6
 * §4.10), pipelined again. Every answered CALL's data must be stored, each session once, each meter value once,
 * each energy once, and the next session's StartTransaction answered with the id of the one transaction stored.
 * On Deno KV and on PostgreSQL.
 */
import { assert, assertEquals } from "@std/assert";
import { openKvStore } from "../store/kv/mod.ts";
import { openPostgresStore } from "../store/postgres/mod.ts";
import type { Store } from "../store/mod.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { spawnServer } from "./helpers/process.ts";
import { openRaw, type RawSocket } from "./helpers/station.ts";

const noPostgres = await ignoreWithoutPostgres("PostgreSQL pipelined replay test");

const STATIONS = 30;
const READINGS = 4;
const T0 = Date.parse("2026-11-27T08:00:00Z");

type Call = [2, string, string, Record<string, unknown>];

/** A raw station: CALLs sent at once, answers collected by id. */
class PipeliningStation {
  readonly answers = new Map<string, unknown[]>();
  #waiters = new Map<string, (frame: unknown[]) => void>();

  private constructor(readonly id: string, readonly raw: RawSocket) {
    raw.ws.removeAllListeners("message");
    raw.ws.on("message", (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as unknown[];
      if (frame[0] !== 3 && frame[0] !== 4) return;
      this.answers.set(frame[1] as string, frame);
      this.#waiters.get(frame[1] as string)?.(frame);
    });
  }

  static async open(wsUrl: string, id: string): Promise<PipeliningStation> {
    return new PipeliningStation(id, await openRaw(`${wsUrl}/${id}`));
  }

  /** Sends every call at once; resolves when all are answered (or never, if the server dies). */
  send(calls: Call[]): Promise<unknown[][]> {
    const answered = calls.map(([, id]) =>
      new Promise<unknown[]>((resolve) => {
        const known = this.answers.get(id);
        if (known) return resolve(known);
        this.#waiters.set(id, resolve);
      })
    );
    for (const c of calls) this.raw.send(JSON.stringify(c));
    return Promise.all(answered);
  }
}

/** One station's plan: its first session, started before the burst; the burst; the second start. */
function burstOf(station: number, transactionId: number): { calls: Call[]; readings: string[] } {
  const at = (s: number) => new Date(T0 + station * 86_400_000 + s * 1000).toISOString();
  const calls: Call[] = [];
  const readings: string[] = [];
  for (let i = 1; i <= READINGS; i++) {
    readings.push(`${at(10 + i)} ${i * 100}`);
    calls.push([2, `mv${i}`, "MeterValues", {
      connectorId: 1,
      transactionId,
      meterValue: [{ timestamp: at(10 + i), sampledValue: [{ value: String(i * 100) }] }],
    }]);
  }
  calls.push([2, "stop", "StopTransaction", {
    transactionId,
    meterStop: READINGS * 100,
    timestamp: at(20),
  }]);
  calls.push([2, "available", "StatusNotification", {
    connectorId: 1,
    status: "Available",
    errorCode: "NoError",
    timestamp: at(21),
  }]);
  calls.push([2, "start2", "StartTransaction", {
    connectorId: 1,
    idTag: "PIPE",
    meterStart: READINGS * 100,
    timestamp: at(30),
  }]);
  return { calls, readings };
}

async function pipelinedCrash(env: Record<string, string>, openStore: () => Promise<Store>, prefix: string) {
  const first = await spawnServer(env);
  const stations: PipeliningStation[] = [];
  const plans: { calls: Call[]; readings: string[]; first: number }[] = [];
  try {
    for (let i = 0; i < STATIONS; i++) {
      const s = await PipeliningStation.open(first.wsUrl, `${prefix}-${i}`);
      const at = new Date(T0 + i * 86_400_000).toISOString();
      const [boot, start] = await s.send([
        [2, "boot", "BootNotification", { chargePointVendor: "Acme", chargePointModel: "X" }],
        [2, "start1", "StartTransaction", { connectorId: 1, idTag: "PIPE", meterStart: 0, timestamp: at }],
      ]);
      assertEquals((boot![2] as { status: string }).status, "Accepted");
      const transactionId = (start![2] as { transactionId: number }).transactionId;
      stations.push(s);
      plans.push({ ...burstOf(i, transactionId), first: transactionId });
    }
    // Every station's burst at once; SIGKILL once some of them are answered, many not.
    const total = STATIONS * plans[0]!.calls.length;
    const answeredBefore = () => stations.reduce((n, s) => n + s.answers.size, 0) - 2 * STATIONS;
    for (const [i, s] of stations.entries()) void s.send(plans[i]!.calls);
    const killAt = Math.floor(total * (0.2 + Math.random() * 0.5));
    for (let i = 0; i < 2000 && answeredBefore() < killAt; i++) await new Promise((r) => setTimeout(r, 1));
    const status = await first.kill("SIGKILL");
    assertEquals(status.signal, "SIGKILL");
    const answered = answeredBefore();
    assert(answered > 0 && answered < total, `SIGKILL after ${answered} of ${total} answers`);
  } finally {
    await first.kill("SIGKILL");
    await Promise.all(stations.map((s) => s.raw.close()));
  }

  // Each station sends again what was not answered, same ids and data, pipelined.
  const second = await spawnServer(env);
  const before = stations.map((s) => new Map(s.answers));
  const again: PipeliningStation[] = [];
  try {
    await Promise.all(stations.map(async (s, i) => {
      const back = await PipeliningStation.open(second.wsUrl, s.id);
      again.push(back);
      const unanswered = plans[i]!.calls.filter(([, id]) => !before[i]!.has(id));
      const answers = await back.send(unanswered);
      for (const a of answers) assertEquals(a[0], 3, `${s.id}: ${JSON.stringify(a)}`);
    }));
  } finally {
    await Promise.all(again.map((s) => s.raw.close()));
    await second.kill("SIGTERM");
  }

  const store = await openStore();
  try {
    const problems: string[] = [];
    for (const [i, s] of stations.entries()) {
      const plan = plans[i]!;
      const start2 = (before[i]!.get("start2") ?? again.find((a) => a.id === s.id)!.answers.get("start2"))!;
      const secondId = (start2[2] as { transactionId: number }).transactionId;
      const txs = await store.listTransactions({ chargePointId: s.id, limit: 100 });
      const summary = txs.map((t) =>
        `${t.transactionId} ${t.status} ${t.meterStart}-${t.meterStop} ${t.energyWh}`
      )
        .sort();
      const want = [
        `${plan.first} finished 0-${READINGS * 100} ${READINGS * 100}`,
        `${secondId} active ${READINGS * 100}-null null`,
      ]
        .sort();
      if (JSON.stringify(summary) !== JSON.stringify(want)) {
        problems.push(`${s.id}: ${JSON.stringify(summary)}, want ${JSON.stringify(want)}`);
      }
      const values = (await store.listMeterValuesByTransaction(plan.first)).map((v) =>
        `${v.timestamp} ${v.value}`
      );
      if (JSON.stringify(values) !== JSON.stringify(plan.readings)) {
        problems.push(`${s.id}: meter values ${JSON.stringify(values)}`);
      }
    }
    assertEquals(problems.slice(0, 10), [], `${problems.length} stations differ`);
  } finally {
    await store.close();
  }
}

Deno.test("Deno KV: SIGKILL amid pipelined CALLs, replayed with the same ids after the restart, stores each once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "faults42-pipe-" });
  const env = { KV_PATH: `${dir}/csms.kv`, STATION_MSG_RATE: "0" };
  try {
    await pipelinedCrash(env, () => openKvStore(env.KV_PATH), "CP-PK");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "PostgreSQL: SIGKILL amid pipelined CALLs, replayed with the same ids after the restart, stores each once",
  ignore: noPostgres,
  fn: async () => {
    const db = await migratedDatabase("faults42_pipe");
    const env = { DATABASE_URL: db.url, CLUSTER: "off", STATION_MSG_RATE: "0" };
    try {
      await pipelinedCrash(env, () => openPostgresStore(db.url), "CP-PP");
    } finally {
      await db.drop();
    }
  },
});
