/**
 * node:http requests as the runtime's own `Request`s for a fetch handler (the Hono app), and its `Response`s
 * written back: on the ServerResponse for plain requests, straight on the connection for a refused upgrade.
 * The runtime's `Request` rather than a lightweight stand-in, because the app rebuilds streamed requests with
 * `new Request(c.req.raw, ...)` (the body limit).
 */
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";

/** What Deno.serve hands a handler besides the request, as far as the app reads it. */
export function handlerInfo(req: IncomingMessage): Deno.ServeHandlerInfo<Deno.NetAddr> {
  return {
    remoteAddr: {
      transport: "tcp",
      hostname: plainAddress(req.socket.remoteAddress ?? "unknown"),
      port: req.socket.remotePort ?? 0,
    },
    completed: Promise.resolve(),
  };
}

/** An IPv4 peer of a dual-stack listener as Deno.serve names it (`127.0.0.1`, not `::ffff:127.0.0.1`). */
export function plainAddress(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/** Methods the fetch `Request` refuses to carry (CONNECT never reaches a request listener of node:http). */
const FORBIDDEN_METHODS = new Set(["TRACE", "TRACK", "CONNECT"]);

/**
 * The answer to a request whose method no route serves and the fetch `Request` cannot even carry: 405 with
 * the JSON error body every API refusal has, rather than a failure of the app. Null for any other method.
 */
export function refuseForbiddenMethod(req: IncomingMessage): Response | null {
  const method = (req.method ?? "GET").toUpperCase();
  if (!FORBIDDEN_METHODS.has(method)) return null;
  return Response.json(
    { error: "method_not_allowed", message: `Method ${method} is not allowed` },
    { status: 405, headers: { allow: "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS" } },
  );
}

/**
 * The request as a fetch `Request`; its body streams from `req` (paused while the reader is behind), and
 * `signal` aborts when the client goes away.
 */
export function toRequest(req: IncomingMessage, scheme: "http" | "https", signal?: AbortSignal): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
  const url = requestUrl(req, scheme);
  const method = req.method ?? "GET";
  const body = method === "GET" || method === "HEAD" ? null : bodyStream(req);
  return new Request(url, {
    method,
    headers,
    body,
    ...(body ? { duplex: "half" } : {}),
    ...(signal ? { signal } : {}),
  } as RequestInit);
}

/** The request's URL as the runtime's `Request` spells it (resolved against the Host header, normalised). */
export function requestUrl(req: IncomingMessage, scheme: "http" | "https"): string {
  return new URL(req.url ?? "/", `${scheme}://${hostOf(req)}`).href;
}

/** The Host header when it is a host (and port), else a placeholder the app never trusts for anything. */
function hostOf(req: IncomingMessage): string {
  const host = req.headers.host ?? "";
  return /^[A-Za-z0-9.\-:\[\]]+$/.test(host) ? host : "localhost";
}

function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  // Once the stream is cancelled, closed or errored, what `req` still emits is dropped: the controller throws
  // on it, and an error thrown in an event listener ends the process (a client that sends the rest of a body
  // the app cut off, say for stalling, would take the server down).
  let open = true;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on("data", (chunk: Uint8Array) => {
        if (!open) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 1) <= 0) req.pause();
      });
      req.on("end", () => {
        if (!open) return;
        open = false;
        controller.close();
      });
      req.on("error", (error) => {
        if (!open) return;
        open = false;
        controller.error(error);
      });
    },
    pull() {
      req.resume();
    },
    cancel() {
      // The app has read enough (a body limit, a stall): the rest is never read (writeResponse closes the
      // connection).
      open = false;
      req.pause();
    },
  }, { highWaterMark: 4 });
}

/**
 * Writes `response` on `res`, streaming its body with back-pressure; a client gone cancels the body. A request
 * whose body the app left unread (a body limit, a refusal) ends its connection after the response: the rest
 * is never read.
 */
export async function writeResponse(
  req: IncomingMessage,
  res: ServerResponse,
  response: Response,
): Promise<void> {
  const method = req.method ?? "GET";
  res.once("finish", () => {
    if (!req.complete) req.socket.destroy();
  });
  const headers: Array<[string, string]> = [];
  for (const [name, value] of response.headers) if (name !== "set-cookie") headers.push([name, value]);
  for (const cookie of response.headers.getSetCookie()) headers.push(["set-cookie", cookie]);
  res.writeHead(response.status, response.statusText || STATUS_CODES[response.status], headers.flat());
  const body = response.body;
  if (!body || method === "HEAD") {
    await body?.cancel();
    res.end();
    return;
  }
  // Streams (event streams) show their headers before their first event.
  res.flushHeaders();
  const reader = body.getReader();
  let gone = false;
  const onClose = () => {
    gone = true;
    reader.cancel().catch(() => {});
  };
  res.once("close", onClose);
  try {
    while (!gone) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await drained(res);
    }
  } catch {
    // The body failed or was cancelled because the client left: nothing more to send.
  } finally {
    res.off("close", onClose);
    res.end();
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** Writes `response` as a whole HTTP/1.1 response on a raw connection (a refused upgrade), then ends it. */
export async function writeRawResponse(socket: Duplex, response: Response): Promise<void> {
  const body = new Uint8Array(await response.arrayBuffer());
  const lines = [`HTTP/1.1 ${response.status} ${response.statusText || STATUS_CODES[response.status] || ""}`];
  for (const [name, value] of response.headers) {
    if (name === "content-length" || name === "connection" || name === "transfer-encoding") continue;
    if (name === "set-cookie") continue;
    lines.push(`${name}: ${value}`);
  }
  for (const cookie of response.headers.getSetCookie()) lines.push(`set-cookie: ${cookie}`);
  lines.push(`content-length: ${body.byteLength}`, "connection: close", "", "");
  if (socket.destroyed) return;
  socket.write(lines.join("\r\n"));
  socket.end(body);
}
