/**
 * A byte limit on request bodies, counted while they stream in (Hono's `bodyLimit`): a body without
 * Content-Length (chunked) is cut off at `maxBytes` instead of being read whole first. Answers 413 with the
 * API's JSON error body and `Connection: close`, so the rest of the upload is not read either.
 *
 * @example
 * ```ts ignore
 * app.use("*", limitBody(1024 * 1024));
 * ```
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { errorBody } from "./api/http.ts";

export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) =>
      c.json(
        errorBody("payload_too_large", `Body is larger than ${maxBytes} bytes`, { limit: maxBytes }),
        413,
        { connection: "close" },
      ),
  });
}
