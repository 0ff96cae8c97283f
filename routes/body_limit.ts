/**
 * A byte limit on request bodies (Hono's `bodyLimit`): a declared Content-Length over `maxBytes` is refused at
 * once; a body without one (chunked) is read into memory, counted, and refused once past `maxBytes`, so it
 * holds up to `maxBytes` in memory before the handler runs. Fine for the small bodies it guards (the API's
 * JSON, login forms); the large ones (station uploads, firmware images) bypass it and count their own limits
 * as they stream into storage (routes/app.ts `largeBodyLimits`). Answers 413 with the API's JSON error body
 * and `Connection: close`, so the rest of the upload is not read either.
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
