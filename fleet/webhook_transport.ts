/**
 * Posts one webhook delivery to the addresses the URL policy checked, and to no other: node's http client
 * takes a `lookup`, so the connection cannot be steered elsewhere by a second DNS answer (rebinding), while
 * https still verifies the certificate against the URL's host name. Redirects are not followed. The answer's
 * body is read (up to 64 KiB) and dropped.
 *
 * Each attempt is one request on a connection of its own (`agent: false`): Deno's node:http sends a request
 * again, unasked, when a kept-alive connection it reused fails, and destroying a request at its timeout counts
 * as such a failure, so a hanging receiver got POSTs the delivery log never recorded.
 */
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";

export interface PostResult {
  /** The HTTP status; null when no answer came. */
  status: number | null;
  error: string | null;
}

export type WebhookPost = (
  request: {
    url: URL;
    addresses: readonly string[];
    body: string;
    headers: Record<string, string>;
    timeoutMs: number;
    /** Ends the attempt at once, its reason (a string) the attempt's error (a server that is stopping). */
    signal?: AbortSignal;
  },
) => Promise<PostResult>;

const MAX_ANSWER_BYTES = 64 * 1024;

export const postWebhook: WebhookPost = ({ url, addresses, body, headers, timeoutMs, signal }) =>
  new Promise((resolve) => {
    let settled = false;
    const finish = (result: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", cut);
      resolve(result);
    };
    const cut = () => {
      req.destroy();
      finish({ status: null, error: typeof signal?.reason === "string" ? signal.reason : "cut short" });
    };
    const pinned: LookupFunction = (_hostname, options, callback) => {
      const family = (a: string) => (a.includes(":") ? 6 : 4);
      if ((options as { all?: boolean }).all) {
        (callback as (e: null, a: { address: string; family: number }[]) => void)(
          null,
          addresses.map((address) => ({ address, family: family(address) })),
        );
      } else {
        const address = addresses[0] ?? "";
        (callback as (e: null, a: string, f: number) => void)(null, address, family(address));
      }
    };
    const client = url.protocol === "https:" ? https : http;
    const req = client.request({
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ""),
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      method: "POST",
      headers: { ...headers, "content-length": String(new TextEncoder().encode(body).length) },
      lookup: pinned,
      agent: false,
    }, (res) => {
      let read = 0;
      res.on("data", (chunk: Uint8Array) => {
        read += chunk.length;
        if (read > MAX_ANSWER_BYTES) res.destroy();
      });
      const done = () => finish({ status: res.statusCode ?? null, error: null });
      res.on("end", done);
      res.on("close", done);
      res.on("error", done);
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ status: null, error: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    req.on("error", (error: Error) => finish({ status: null, error: error.message }));
    if (signal?.aborted) return cut();
    signal?.addEventListener("abort", cut);
    req.end(body);
  });
