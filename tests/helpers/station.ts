/**
 * Simulated stations: npm `ocpp-rpc` RPCClient in strictMode (every frame checked against the official
 * OCPP 1.6 JSON schemas, both ways), and a raw `ws` client for frames a real station should never send.
 */
import { assertEquals } from "@std/assert";
import { RPCClient } from "ocpp-rpc";
import WebSocket from "ws";

/** Answers are untyped JSON as far as the test is concerned; strict mode already checked their schema. */
// deno-lint-ignore no-explicit-any
type Json = any;

export interface Station {
  call(method: string, params?: unknown): Promise<Json>;
  handle(method: string, handler: (call: { params: Json }) => unknown): void;
  close(options?: { code?: number; force?: boolean; awaitPending?: boolean }): Promise<unknown>;
}

export async function connectStation(
  wsUrl: string,
  identity: string,
  options: {
    boot?: boolean;
    password?: string;
    /** TLS options for wss (CA, client certificate), passed to `ws`. */
    wsOpts?: Record<string, unknown>;
    headers?: Record<string, string>;
    /** ocpp-rpc validators replacing its built-in ones (e.g. OCPP 1.6 with the Security extension). */
    strictModeValidators?: unknown[];
  } = {},
): Promise<Station> {
  // ocpp-rpc's typings mark every option required; the omitted ones have documented defaults.
  const client = new RPCClient(
    {
      endpoint: wsUrl,
      identity,
      protocols: ["ocpp1.6"],
      strictMode: true,
      reconnect: false,
      pingIntervalMs: 0,
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.wsOpts ? { wsOpts: options.wsOpts } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.strictModeValidators ? { strictModeValidators: options.strictModeValidators } : {}),
    } as ConstructorParameters<typeof RPCClient>[0],
  );
  await client.connect();
  const station = client as unknown as Station;
  if (options.boot ?? true) {
    const res = await station.call("BootNotification", {
      chargePointVendor: "Acme",
      chargePointModel: "Volt-1",
    });
    if (res.status !== "Accepted") throw new Error(`Boot of ${identity} answered ${res.status}`);
  }
  return station;
}

export async function closeStation(client: Station): Promise<void> {
  await client.close({ code: 1000, force: true, awaitPending: false });
}

/** A raw WebSocket that records every frame it receives and how it was closed. */
export interface RawSocket {
  ws: WebSocket;
  received: unknown[];
  closed: Promise<{ code: number; reason: string }>;
  send(text: string | Uint8Array): void;
  /** The next frame, parsed (rejects after `timeoutMs`, 15 s unless told). */
  next(timeoutMs?: number): Promise<unknown>;
  close(): Promise<void>;
}

let rawCallIds = 0;

/** Sends one CALL on a raw socket and gives the frame that answers it (a CALLRESULT or a CALLERROR). */
export async function rawCall(
  socket: RawSocket,
  action: string,
  payload: unknown,
  timeoutMs = 15_000,
): Promise<unknown[]> {
  const id = `raw${++rawCallIds}`;
  socket.send(JSON.stringify([2, id, action, payload]));
  const reply = await socket.next(timeoutMs) as unknown[];
  assertEquals(reply[1], id, JSON.stringify(reply).slice(0, 300));
  return reply;
}

/** `rawCall` that must be answered with a CALLRESULT: gives its payload. */
export async function rawAnswer(
  socket: RawSocket,
  action: string,
  payload: unknown,
): Promise<Record<string, unknown>> {
  const reply = await rawCall(socket, action, payload);
  assertEquals(reply[0], 3, `${action}: ${JSON.stringify(reply).slice(0, 300)}`);
  return reply[2] as Record<string, unknown>;
}

export function openRaw(
  url: string,
  protocols: string[] = ["ocpp1.6"],
  options: WebSocket.ClientOptions = {},
) {
  return new Promise<RawSocket>((resolve, reject) => {
    const ws = new WebSocket(url, protocols, options);
    const received: unknown[] = [];
    const waiters: Array<(v: unknown) => void> = [];
    let resolveClosed!: (v: { code: number; reason: string }) => void;
    const closed = new Promise<{ code: number; reason: string }>((r) => (resolveClosed = r));
    ws.on("message", (data: Buffer) => {
      const value = JSON.parse(data.toString());
      const waiter = waiters.shift();
      if (waiter) waiter(value);
      else received.push(value);
    });
    ws.on("close", (code: number, reason: Buffer) => resolveClosed({ code, reason: reason.toString() }));
    ws.on("unexpected-response", (_req: unknown, res: { statusCode: number }) => {
      reject(new Error(`Unexpected response ${res.statusCode}`));
    });
    ws.on("error", (error: Error) => reject(error));
    ws.on("open", () =>
      resolve({
        ws,
        received,
        closed,
        send: (text) => ws.send(text),
        // A bound for a broken build, not an expectation: a busy CI machine can take seconds to answer.
        next: (timeoutMs = 15_000) =>
          received.length > 0 ? Promise.resolve(received.shift()) : new Promise((res, rej) => {
            const waiter = (v: unknown) => {
              clearTimeout(timer);
              res(v);
            };
            // A waiter that timed out leaves the queue: the next frame goes to a later next(), not to it.
            const timer = setTimeout(() => {
              const at = waiters.indexOf(waiter);
              if (at >= 0) waiters.splice(at, 1);
              rej(new Error("No frame received"));
            }, timeoutMs);
            waiters.push(waiter);
          }),
        close: async () => {
          if (ws.readyState === WebSocket.CLOSED) return;
          ws.close(1000);
          await closed;
        },
      }));
  });
}

/** Opens a raw WebSocket expecting the handshake to be refused; resolves with the HTTP status. */
export function expectRefused(
  url: string,
  protocols: string[] = ["ocpp1.6"],
  headers: Record<string, string> = {},
) {
  return new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers });
    ws.on("unexpected-response", (req: { destroy(): void }, res: { statusCode: number; resume(): void }) => {
      res.resume();
      req.destroy();
      resolve(res.statusCode);
    });
    ws.on("open", () => {
      ws.close();
      reject(new Error("Handshake was accepted"));
    });
    ws.on("error", () => {});
  });
}

/** A raw 1.6 station at `url` that has booted (Accepted) and reported `connectors` Available. */
export async function bootedRawStation(url: string, connectors: number[] = [1]): Promise<RawSocket> {
  const socket = await openRaw(url);
  const boot = await rawAnswer(socket, "BootNotification", {
    chargePointVendor: "Acme",
    chargePointModel: "X",
  });
  assertEquals(boot.status, "Accepted", JSON.stringify(boot));
  for (const connectorId of connectors) {
    await rawCall(socket, "StatusNotification", { connectorId, errorCode: "NoError", status: "Available" });
  }
  return socket;
}

/** A raw `ws` 2.0.1 station booted Accepted, connector 1 of each of `evses` reported Available. */
export async function bootedRaw201Station(url: string, evses: number[] = [1]): Promise<RawSocket> {
  const socket = await openRaw(url, ["ocpp2.0.1"]);
  const boot = await rawAnswer(socket, "BootNotification", {
    reason: "PowerUp",
    chargingStation: { model: "Volt-2", vendorName: "Acme" },
  });
  assertEquals(boot.status, "Accepted", JSON.stringify(boot));
  for (const evseId of evses) {
    await rawCall(socket, "StatusNotification", {
      timestamp: new Date().toISOString(),
      connectorStatus: "Available",
      evseId,
      connectorId: 1,
    });
  }
  return socket;
}
