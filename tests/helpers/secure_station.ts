/**
 * Stations for the security tests: an `ocpp-rpc` RPCClient in strictMode with Basic auth, TLS options
 * (`wsOpts`: CA, client certificate) and extra headers; and `attempt()`, a raw handshake that resolves with
 * the HTTP status and headers of a refusal or with the open socket.
 */
import WebSocket from "ws";
import { connectStation, type Station } from "./station.ts";

export interface SecureStationOptions {
  password?: string;
  wsOpts?: Record<string, unknown>;
  headers?: Record<string, string>;
  boot?: boolean;
}

/** A strict station with Basic auth, TLS options and extra headers (see `connectStation`). */
export function connectSecureStation(
  endpoint: string,
  identity: string,
  options: SecureStationOptions = {},
): Promise<Station> {
  return connectStation(endpoint, identity, options);
}

export type Attempt =
  | { open: true; ws: WebSocket; close(): Promise<void> }
  | { open: false; status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** One handshake; never rejects for an HTTP refusal. */
export function attempt(url: string, options: WebSocket.ClientOptions = {}, protocols = ["ocpp1.6"]) {
  return new Promise<Attempt>((resolve, reject) => {
    const ws = new WebSocket(url, protocols, options);
    ws.on("unexpected-response", (req: { destroy(): void }, res: {
      statusCode: number;
      headers: Record<string, string>;
      on(e: string, f: (chunk?: Buffer) => void): void;
    }) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk?.toString() ?? ""));
      res.on("end", () => {
        req.destroy();
        resolve({ open: false, status: res.statusCode, headers: res.headers, body });
      });
    });
    ws.on("open", () =>
      resolve({
        open: true,
        ws,
        close: () =>
          new Promise<void>((done) => {
            if (ws.readyState === WebSocket.CLOSED) return done();
            ws.once("close", () => done());
            ws.close(1000);
          }),
      }));
    ws.on("error", (error: Error) => reject(error));
  });
}

/** `Authorization: Basic` for `user:password`. */
export function basic(user: string, password: string): Record<string, string> {
  return { authorization: `Basic ${btoa(`${user}:${password}`)}` };
}
