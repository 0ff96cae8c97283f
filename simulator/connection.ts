/**
 * One WebSocket session of a virtual station, on npm `ocpp-rpc`'s client in strict mode: every CALL and
 * CALLRESULT it sends or receives is checked against the official OCPP 1.6 JSON schemas (an invalid frame of
 * ours is never sent; an invalid one of the Central System's is refused and reported). One CALL in flight,
 * like a real station. Reconnecting is the station's business, not this module's.
 */
import type { RPCClient } from "ocpp-rpc";
import type WebSocket from "ws";
import type { CpToCsAction, CsToCpAction } from "./ocpp.ts";

/** What this module uses of npm `ocpp-rpc`. */
interface OcppRpc {
  RPCClient: typeof RPCClient;
  NOREPLY: symbol;
  RPCError: new (...args: never[]) => Error;
  TimeoutError: new (...args: never[]) => Error;
}

let ocppRpc: OcppRpc | null = null;
let loading: Promise<OcppRpc> | null = null;

/**
 * npm `ocpp-rpc`, loaded when the first virtual station connects rather than with the server: with ajv and the
 * OCPP schemas it compiles, it costs ~50 MB of RSS and ~0.3 s at start-up, for a feature most deployments
 * never use.
 */
function loadOcppRpc(): Promise<OcppRpc> {
  loading ??= import("ocpp-rpc").then((module) => {
    // The package spreads its errors and symbols into its exports, which named ESM imports cannot see.
    const rpc = module.default as unknown as Omit<OcppRpc, "RPCClient">;
    ocppRpc = {
      RPCClient: module.RPCClient,
      NOREPLY: rpc.NOREPLY,
      RPCError: rpc.RPCError,
      TimeoutError: rpc.TimeoutError,
    };
    return ocppRpc;
  }).catch((error) => {
    loading = null;
    throw error;
  });
  return loading;
}

/** A handler's answer, and what to do once that answer is on the wire (OCPP 1.6 §5.17: reply first, then act). */
export interface Reply {
  result: Record<string, unknown>;
  after?: () => void;
}

export interface ConnectionOptions {
  /** The Central System's OCPP endpoint; the charge point id is appended as the last path segment. */
  url: string;
  identity: string;
  /** Basic auth password (security profile 1: the AuthorizationKey). */
  password?: string;
  callTimeoutMs: number;
  pingIntervalS: number;
  /** A frame failed schema validation (ours or theirs). */
  onInvalidFrame(detail: { action: string; outbound: boolean; isCall: boolean; error: string }): void;
  /** Every frame, for debugging. */
  onFrame?(frame: string, outbound: boolean): void;
}

export interface Connection {
  /** The socket is open (not connecting, closing or closed). */
  readonly open: boolean;
  call(action: CpToCsAction, payload: unknown): Promise<Record<string, unknown>>;
  handle(action: CsToCpAction, handler: (params: never) => Reply): void;
  /** Called once when the socket closes, whoever closed it. */
  onClose(listener: (info: { code: number; reason: string }) => void): void;
  /** A silent station answers nothing: no CALLRESULT, no pong. */
  setSilent(silent: boolean): void;
  setPingInterval(seconds: number): void;
  close(code?: number, reason?: string): Promise<void>;
  /** Cuts the TCP connection without a close frame, as a power cut or a lost network would. */
  terminate(): void;
}

/** Why a call failed, as the outbox sees it. */
export type CallFailure = "callerror" | "timeout" | "disconnected";

export function classifyCallFailure(error: unknown): CallFailure {
  // A call failed, so a connection was opened and the package is loaded.
  if (ocppRpc && error instanceof ocppRpc.TimeoutError) return "timeout";
  if ((ocppRpc && error instanceof ocppRpc.RPCError) || (error as { rpcErrorCode?: string })?.rpcErrorCode) {
    return "callerror";
  }
  return "disconnected";
}

/** The handshake failed: refused (HTTP status) or unreachable. */
export class ConnectFailedError extends Error {
  constructor(readonly url: string, readonly status: number | null, cause: unknown) {
    super(
      `Cannot connect to ${JSON.stringify(url)}: ${
        status !== null ? `HTTP ${status}` : cause instanceof Error ? cause.message : String(cause)
      }`,
    );
  }
}

/**
 * Opens the session; rejects with ConnectFailedError when the server refuses or cannot be reached.
 *
 * @example
 * ```ts
 * const connection = await openConnection({ url: "ws://127.0.0.1:3001/ocpp", identity: "SIM-1", ... });
 * await connection.call("Heartbeat", {});
 * ```
 */
export async function openConnection(options: ConnectionOptions): Promise<Connection> {
  const { RPCClient, NOREPLY } = await loadOcppRpc();
  // ocpp-rpc's typings mark every option required; the omitted ones have documented defaults.
  const client = new RPCClient(
    {
      endpoint: options.url.replace(/\/+$/, ""),
      identity: options.identity,
      protocols: ["ocpp1.6"],
      strictMode: true,
      reconnect: false,
      callTimeoutMs: options.callTimeoutMs,
      pingIntervalMs: options.pingIntervalS * 1000,
      ...(options.password ? { password: options.password } : {}),
      // We answer pings ourselves, so that a silent station can stop.
      wsOpts: { autoPong: false },
    } as ConstructorParameters<typeof RPCClient>[0],
  );
  let silent = false;
  const afterReply = new Map<string, () => void>();

  client.on("strictValidationFailure", (event: {
    method: string;
    outbound: boolean;
    isCall: boolean;
    error: Error;
  }) => {
    options.onInvalidFrame({
      action: event.method,
      outbound: event.outbound,
      isCall: event.isCall,
      error: event.error.message,
    });
  });
  client.on("message", ({ message, outbound }: { message: string | Uint8Array; outbound: boolean }) => {
    const text = typeof message === "string" ? message : new TextDecoder().decode(message);
    options.onFrame?.(text, outbound);
    if (!outbound || afterReply.size === 0) return;
    // Our CALLRESULT left: now run what the handler deferred.
    const id = /^\[\s*[34]\s*,\s*"([^"]*)"/.exec(text)?.[1];
    const after = id !== undefined ? afterReply.get(id) : undefined;
    if (id !== undefined && after) {
      afterReply.delete(id);
      after();
    }
  });

  try {
    await client.connect();
  } catch (error) {
    const status = (error as { code?: unknown }).code;
    throw new ConnectFailedError(options.url, typeof status === "number" ? status : null, error);
  }
  const ws = (client as unknown as { _ws: WebSocket })._ws;
  ws.on("ping", (data: Uint8Array) => {
    if (!silent) ws.pong(data);
  });

  return {
    get open() {
      return client.state === RPCClient.OPEN;
    },
    call: (action, payload) => client.call(action, payload) as Promise<Record<string, unknown>>,
    handle(action, handler) {
      client.handle(action, ({ params, messageId }) => {
        if (silent) return Promise.resolve(NOREPLY as never);
        const reply = handler(params as never);
        if (reply.after && messageId !== undefined) afterReply.set(messageId, reply.after);
        return Promise.resolve(reply.result);
      });
    },
    onClose(listener) {
      client.once("close", ({ code, reason }: { code: number; reason: string | Uint8Array }) => {
        afterReply.clear();
        listener({ code, reason: typeof reason === "string" ? reason : new TextDecoder().decode(reason) });
      });
    },
    setSilent(value) {
      silent = value;
    },
    setPingInterval(seconds) {
      client.reconfigure({ pingIntervalMs: seconds * 1000 } as ConstructorParameters<typeof RPCClient>[0]);
    },
    async close(code = 1000, reason = "") {
      await client.close({ code, reason, awaitPending: false });
    },
    terminate() {
      void client.close({ force: true });
    },
  };
}
