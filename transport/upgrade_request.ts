/**
 * A station's upgrade request (`GET /ocpp/...` with `Upgrade`) as the app reads it, without building the
 * runtime's `Request`: Deno's `Request` constructor costs ~16 µs (its headers conversion most of it), about
 * as much as the rest of the hand-over to the app, and every station pays it on each connect. The /ocpp route
 * and the station gate read only the URL, the method and header values; an upgrade has no body.
 *
 * Header values are as `Headers` gives them: names case-insensitive, repeated headers joined with ", ".
 * Other upgrade requests (any other path: whatever route answers them may need a real `Request`) still get
 * one from `toRequest`.
 */
import type { IncomingMessage } from "node:http";
import { requestUrl } from "./node_fetch.ts";

/** The station upgrades, by the request target's path, that get an `UpgradeRequest`. */
export function isStationUpgrade(req: IncomingMessage): boolean {
  return req.method === "GET" && (req.url ?? "").startsWith("/ocpp/");
}

/** The part of `Headers` an upgrade's readers use. */
export class UpgradeHeaders {
  readonly #values = new Map<string, string>();

  /** `raw`: node's `rawHeaders`, names and values alternating, as received. */
  constructor(raw: readonly string[]) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = (raw[i] as string).toLowerCase();
      const value = (raw[i + 1] as string).trim();
      const before = this.#values.get(name);
      this.#values.set(name, before === undefined ? value : `${before}, ${value}`);
    }
  }

  get(name: string): string | null {
    return this.#values.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.#values.has(name.toLowerCase());
  }

  forEach(callback: (value: string, name: string) => void): void {
    for (const [name, value] of this.entries()) callback(value, name);
  }

  /** In name order, as `Headers` iterates. */
  *entries(): IterableIterator<[string, string]> {
    yield* [...this.#values].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  getSetCookie(): string[] {
    return [];
  }
}

/**
 * The request the app gets for a station upgrade: `url` exactly as `toRequest` would spell it, `GET`, the
 * headers, no body. Typed as a `Request` for the app; it is only ever read.
 */
export function upgradeRequest(req: IncomingMessage, scheme: "http" | "https"): Request {
  const light = {
    url: requestUrl(req, scheme),
    method: "GET",
    headers: new UpgradeHeaders(req.rawHeaders),
    body: null,
    bodyUsed: false,
  };
  return light as unknown as Request;
}
