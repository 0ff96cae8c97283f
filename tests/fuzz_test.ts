/**
 * Fuzzing the frame decoder, the payload validator and a live actor over a real socket with generated and
 * mutated frames: valid frames with fields mutated, truncated JSON, huge numbers, deep nesting, wrong types,
 * unicode edge cases and lone surrogates. Asserts no crash, only well-formed answers with known error codes,
 * and flat memory after warm-up. Seeded, so a failure reproduces (FUZZ_SEED).
 */
import { assert, assertEquals } from "@std/assert";
import v8 from "node:v8";
import vm from "node:vm";
import { CP_TO_CS_ACTIONS, isKnownAction, validateRequest } from "../protocol/ocpp16/mod.ts";
import { CALL, decodeFrame } from "../protocol/ocppj/frames.ts";
import { startTestServer } from "./helpers/server.ts";
import { openRaw } from "./helpers/station.ts";

/** A full GC on demand (the --expose-gc flag set at run time), so memory is measured without garbage. */
function liveHeap(): number {
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
  return Deno.memoryUsage().heapUsed;
}

/** The CALLERROR codes of OCPP-J 1.6 §4.2.3, written out here rather than taken from protocol/ocppj/errors.ts. */
const SPEC_ERROR_CODES = new Set([
  "NotImplemented",
  "NotSupported",
  "InternalError",
  "ProtocolError",
  "SecurityError",
  "FormationViolation",
  "PropertyConstraintViolation",
  "OccurenceConstraintViolation",
  "TypeConstraintViolation",
  "GenericError",
]);
const isOcppErrorCode = (code: unknown) => typeof code === "string" && SPEC_ERROR_CODES.has(code);

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 0x5eed);

/** mulberry32: small, fast, seedable. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALID: Array<[string, unknown]> = [
  ["BootNotification", { chargePointVendor: "Acme", chargePointModel: "Volt-1", firmwareVersion: "1.0" }],
  ["Heartbeat", {}],
  ["Authorize", { idTag: "TAG-1" }],
  ["StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Available" }],
  ["StartTransaction", { connectorId: 1, idTag: "TAG-1", meterStart: 0, timestamp: "2026-01-01T00:00:00Z" }],
  ["StopTransaction", { transactionId: 1, meterStop: 10, timestamp: "2026-01-01T01:00:00Z" }],
  ["MeterValues", {
    connectorId: 1,
    meterValue: [{ timestamp: "2026-01-01T00:30:00Z", sampledValue: [{ value: "5" }] }],
  }],
  ["DataTransfer", { vendorId: "acme", messageId: "x", data: "y" }],
  ["DiagnosticsStatusNotification", { status: "Idle" }],
  ["FirmwareStatusNotification", { status: "Installed" }],
  ["SecurityEventNotification", { type: "StartupOfTheDevice", timestamp: "2026-01-01T00:00:00Z" }],
  ["SignCertificate", {
    csr: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----",
  }],
  ["LogStatusNotification", { status: "Uploading", requestId: 1 }],
  ["SignedFirmwareStatusNotification", { status: "Downloading", requestId: 1 }],
];

const ODD_STRINGS = [
  "",
  "\u0000",
  "\ud800",
  "\udfff",
  "a\ud83d",
  "\ud83d\ude00",
  "\u202e",
  "\ufeff",
  "\uffff",
  "é".normalize("NFD"),
  "x".repeat(5000),
  "💥".repeat(100),
  "__proto__",
  "constructor",
  "2026-13-45T99:99:99Z",
  "NaN",
];
const ODD_VALUES: unknown[] = [
  null,
  true,
  -1,
  0,
  1e308,
  -1e308,
  2 ** 53 + 1,
  1.5,
  [],
  {},
  [[[]]],
  { __proto__: { polluted: true } },
  ...ODD_STRINGS,
];

function makeFuzzer(seed: number) {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const int = (n: number) => Math.floor(r() * n);

  function mutateValue(v: unknown, depth = 0): unknown {
    if (depth > 4 || r() < 0.3) return pick(ODD_VALUES);
    if (Array.isArray(v)) return v.map((x) => (r() < 0.3 ? mutateValue(x, depth + 1) : x));
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
      const keys = Object.keys(out);
      const op = int(4);
      if (op === 0 && keys.length) delete out[pick(keys)];
      else if (op === 1) out[pick(ODD_STRINGS) || "k"] = pick(ODD_VALUES);
      else if (keys.length) out[pick(keys)] = mutateValue(out[pick(keys)], depth + 1);
      return out;
    }
    return pick(ODD_VALUES);
  }

  function deep(n: number): string {
    return r() < 0.5 ? "[".repeat(n) + "]".repeat(n) : '{"a":'.repeat(n) + "1" + "}".repeat(n);
  }

  /** One frame text; `id` is unique per frame so answers can be told apart. */
  return function frame(id: string): string {
    const [action, payload] = pick(VALID);
    const valid = JSON.stringify([CALL, id, action, payload]);
    switch (int(12)) {
      case 0:
        return valid;
      case 1:
        return JSON.stringify([CALL, id, action, mutateValue(payload)]);
      case 2:
        return valid.slice(0, int(valid.length));
      case 3:
        return JSON.stringify([pick([2, 3, 4, 5, -1, 2.5, "2", null]), id, action, payload]);
      case 4:
        return JSON.stringify([CALL, pick([id, 7, null, "", "x".repeat(37), {}]), action, payload]);
      case 5:
        return JSON.stringify([CALL, id, pick([...ODD_STRINGS, "Reset", "NoSuchAction", 42]), payload]);
      case 6:
        return `[2,"${id}","${action}",${deep(1 + int(3000))}]`;
      case 7:
        return `[2,"${id}","${action}",{"connectorId":${
          pick(["1e999", "-0", "123456789012345678901234567890", "0x10", "1.", "Infinity"])
        }}]`;
      case 8:
        return JSON.stringify([CALL, id, action, payload, "extra"]);
      case 9: {
        const chars = [...valid];
        for (let i = 0; i < 1 + int(3); i++) {
          chars[int(chars.length)] = pick(["\\", '"', "]", "{", "\u0000", "\ud800", ","]);
        }
        return chars.join("");
      }
      case 10:
        return pick([
          `[3,"${id}",{}]`,
          `[4,"${id}","GenericError","x",{}]`,
          `[4,"${id}",1,2,3]`,
          "[]",
          "{}",
          "null",
          "1",
          '"s"',
        ]);
      default:
        return JSON.stringify([CALL, id, action, mutateValue(mutateValue(payload))]);
    }
  };
}

Deno.test("decodeFrame() and validateRequest() survive 100,000 generated and mutated frames with known codes", () => {
  const frame = makeFuzzer(SEED);
  const kinds = { frame: 0, invalid: 0, ignored: 0 };
  let warm = 0;
  for (let i = 0; i < 100_000; i++) {
    const text = frame(`m${i}`);
    const result = decodeFrame(text);
    kinds[result.kind]++;
    if (result.kind === "invalid") {
      assert(isOcppErrorCode(result.code), `unknown code ${result.code} for ${text.slice(0, 200)}`);
      assert(result.messageId === undefined || typeof result.messageId === "string");
    } else if (result.kind === "frame" && result.frame.type === CALL && isKnownAction(result.frame.action)) {
      const validated = validateRequest(result.frame.action, result.frame.payload);
      if (!validated.ok) {
        assert(isOcppErrorCode(validated.code), `unknown code ${validated.code}`);
        assertEquals(typeof validated.description, "string");
        assertEquals(typeof validated.details.field, "string");
      }
    }
    if (i === 20_000) warm = liveHeap();
  }
  assert(kinds.frame > 10_000 && kinds.invalid > 10_000 && kinds.ignored > 100, JSON.stringify(kinds));
  const growth = liveHeap() - warm;
  assert(growth < 32 * 1024 * 1024, `live heap grew ${(growth / 1e6).toFixed(1)} MB after warm-up`);
});

Deno.test("a live actor answers 100,000 fuzzed frames over a real socket with well-formed frames and flat memory", async () => {
  const server = await startTestServer({
    MAX_BAD_FRAMES: "1000000",
    STATION_MSG_RATE: "0",
    MAX_FRAME_BYTES: "262144",
    FRAME_LOG_SIZE: "20",
    LOG_LEVEL: "error",
  });
  // LOG_LEVEL=error: the memory logger keeps only error lines (the actor logs a warning per bad frame).
  const lines = server.logs;
  const station = await openRaw(`${server.wsUrl}/CP-FUZZ`);
  try {
    station.send('[2,"boot","BootNotification",{"chargePointVendor":"Acme","chargePointModel":"Fuzz"}]');
    assertEquals(((await station.next()) as unknown[])[0], 3);
    const frame = makeFuzzer(SEED + 1);
    // Each answer is checked on arrival and not kept (openRaw's own listener keeps them all): the test must
    // not be what grows.
    station.ws.removeAllListeners("message");
    let answered = 0;
    const problems: string[] = [];
    const syncs = new Map<string, (answer: unknown[]) => void>();
    station.ws.on("message", (data: Buffer) => {
      const a = JSON.parse(data.toString());
      answered++;
      const problem = malformed(a);
      if (problem && problems.length < 5) problems.push(`${problem}: ${JSON.stringify(a).slice(0, 200)}`);
      if (Array.isArray(a)) syncs.get(a[1])?.(a);
    });
    // The actor handles one frame at a time, in order: once a Heartbeat sent after a batch is answered, the
    // whole batch has been. Waiting for that answer (not for a time) keeps the test right on a busy machine.
    let syncCount = 0;
    const sync = async (): Promise<unknown[]> => {
      const id = `sync-${syncCount++}`;
      const answer = new Promise<unknown[]>((resolve) => syncs.set(id, resolve));
      station.send(`[2,"${id}","Heartbeat",{}]`);
      const closed = station.closed.then((c) => `the socket closed (${c.code}) before "${id}" was answered`);
      const outcome = await Promise.race([answer, closed]);
      syncs.delete(id);
      if (typeof outcome === "string") throw new Error(outcome);
      return outcome;
    };
    let sent = 0;
    let rssWarm = 0;
    let heapWarm = 0;
    const total = 100_000;
    while (sent < total) {
      for (let i = 0; i < 500; i++) station.send(frame(`L${sent++}`));
      assertEquals((await sync())[0], 3);
      assert(lines.every((l) => l.level === "error"), `a ${lines[0]?.level} line despite LOG_LEVEL=error`);
      lines.length = 0;
      if (sent === 10_000) {
        liveHeap();
        rssWarm = Deno.memoryUsage().rss;
        heapWarm = liveHeap();
      }
    }
    // A final, clean Heartbeat: the actor is alive and still answers.
    assertEquals((await sync())[0], 3);
    assertEquals(problems, []);
    assert(answered - syncCount > total / 2, `${answered - syncCount} answers to ${total} frames`);
    assert(server.registry.isConnected("CP-FUZZ"));
    const heapGrowth = liveHeap() - heapWarm;
    const rssGrowth = Deno.memoryUsage().rss - rssWarm;
    assert(heapGrowth < 16 * 1024 * 1024, `live heap grew ${(heapGrowth / 1e6).toFixed(1)} MB after warm-up`);
    assert(rssGrowth < 128 * 1024 * 1024, `RSS grew ${(rssGrowth / 1e6).toFixed(1)} MB after warm-up`);
  } finally {
    await station.close();
    await server.close();
  }
});

/** Why `a` is not a well-formed CALLRESULT or CALLERROR with a known code, or null when it is. */
function malformed(a: unknown): string | null {
  if (!Array.isArray(a)) return "not an array";
  if (typeof a[1] !== "string") return "message id is not a string";
  if (a[0] === 3) {
    return a.length === 3 && a[2] !== null && typeof a[2] === "object" ? null : "bad CALLRESULT";
  }
  if (a[0] !== 4 || a.length !== 5) return "neither CALLRESULT nor CALLERROR";
  if (!isOcppErrorCode(a[2])) return `unknown code ${a[2]}`;
  if (typeof a[3] !== "string" || a[3].includes("    at ")) return "bad description (or a stack trace)";
  return a[4] !== null && typeof a[4] === "object" ? null : "bad details";
}

// Keep the table honest: every CP->CS action has a valid sample above.
Deno.test("the fuzzer's valid samples cover every action a station sends", () => {
  assertEquals([...VALID.map(([a]) => a)].sort(), [...CP_TO_CS_ACTIONS].sort());
});
