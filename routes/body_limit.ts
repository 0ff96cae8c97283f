/**
 * A byte limit on request bodies: a declared Content-Length over `maxBytes` is refused at once; any other body
 * is read into memory here, counted, and refused once past `maxBytes`, so it holds up to `maxBytes` in memory
 * before the handler runs. Fine for the small bodies it guards (the API's JSON, login forms); the large ones
 * (station uploads, firmware images) bypass it and count their own limits as they stream into storage
 * (routes/app.ts `largeBodyLimits`). Answers 413 with the API's JSON error body and `Connection: close`, so the
 * rest of the upload is not read either.
 *
 * Read here, whole, a body the client cut short (a connection closed or half-closed before its Content-Length
 * arrived) is the client's mistake: 400 `incomplete_body`, not a failure of the handler reading it (a 500 and
 * an error line in the log, for any anonymous client to write at will).
 *
 * @example
 * ```ts ignore
 * app.use("*", limitBody(1024 * 1024));
 * ```
 */
import type { Context, MiddlewareHandler } from "hono";
import { errorBody } from "./api/http.ts";

export function limitBody(maxBytes: number): MiddlewareHandler {
  return async function limitBody(c, next) {
    const request = c.req.raw;
    if (!request.body) return await next();
    const declared = request.headers.get("content-length");
    if (declared !== null && !request.headers.has("transfer-encoding") && Number(declared) > maxBytes) {
      return tooLarge(c, maxBytes);
    }
    let body: Uint8Array<ArrayBuffer> | null;
    try {
      body = await readAtMost(request.body, maxBytes);
    } catch {
      return c.json(
        errorBody(
          "incomplete_body",
          "Cannot read the request body: the connection ended before all of it arrived",
        ),
        400,
        { connection: "close" },
      );
    }
    if (body === null) return tooLarge(c, maxBytes);
    c.req.raw = new Request(request, { body });
    return await next();
  };
}

function tooLarge(c: Context, maxBytes: number): Response {
  return c.json(
    errorBody("payload_too_large", `Body is larger than ${maxBytes} bytes`, { limit: maxBytes }),
    413,
    { connection: "close" },
  );
}

/** The whole body, or null once it is past `maxBytes` (the rest is not read). */
async function readAtMost(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer> | null> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
