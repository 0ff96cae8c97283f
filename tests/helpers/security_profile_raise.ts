/**
 * What the security profile raise tests share (1.6 ChangeConfiguration and 2.0.1 SetNetworkProfile): a server
 * with a trusted proxy on 127.0.0.1 (so forwarded TLS and certificates count) on KV or PostgreSQL, one
 * handshake's outcome, and the station's security settings as the API shows them.
 */
import { assertEquals } from "@std/assert";
import { openPostgresStationSecurityStore } from "../../store/postgres/station_security.ts";
import type { StationSecurityStore } from "../../store/station_security.ts";
import { type ApiTestServer, startApiServer } from "./api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./postgres.ts";
import { attempt } from "./secure_station.ts";
import { eventually } from "./server.ts";

/** What a trusted proxy (127.0.0.1) tells of a wss:// connection. */
export const TLS = { "x-forwarded-proto": "https" };

export interface RaiseBackend {
  name: string;
  ignore: boolean;
  open(): Promise<{ store?: StationSecurityStore; drop(): Promise<void> }>;
}

/** KV, and PostgreSQL (a fresh database named after `database`) when it is there. */
export async function raiseBackends(database: string): Promise<RaiseBackend[]> {
  return [
    { name: "KV", ignore: false, open: () => Promise.resolve({ drop: () => Promise.resolve() }) },
    {
      name: "PostgreSQL",
      ignore: await ignoreWithoutPostgres(`${database} e2e on PostgreSQL`),
      async open() {
        const db = await migratedDatabase(database);
        return { store: await openPostgresStationSecurityStore(db.url), drop: () => db.drop() };
      },
    },
  ];
}

/** A server with a trusted proxy on 127.0.0.1 on `backend`. */
export async function withRaiseServer(backend: RaiseBackend, fn: (server: ApiTestServer) => Promise<void>) {
  const opened = await backend.open();
  const server = await startApiServer(
    { TRUSTED_PROXIES: "127.0.0.1/32, ::1" },
    opened.store ? { stationSecurity: opened.store } : {},
  );
  try {
    await fn(server);
  } finally {
    await server.close();
    await opened.drop();
  }
}

/** 101 when a handshake with `headers` opens (closed again at once), else its HTTP status. */
export async function handshake(
  server: ApiTestServer,
  id: string,
  headers: Record<string, string> = {},
  protocols = ["ocpp1.6"],
) {
  const a = await attempt(`${server.wsUrl}/${id}`, { headers }, protocols);
  if (!a.open) return a.status;
  await a.close();
  // The registry forgets the socket once it has seen the close: the next one is not a replacement.
  await eventually(() => !server.registry.isConnected(id), 5000, "the handshake's socket closed");
  return 101;
}

/** The station's security settings (`GET /api/v1/station-security/{id}`). */
export async function securityOf(server: ApiTestServer, id: string) {
  const res = await server.json(`/api/v1/station-security/${id}`);
  assertEquals(res.status, 200, JSON.stringify(res.body));
  return res.body as {
    securityProfile: number | null;
    effectiveProfile: number;
    pendingSecurityProfile: { profile: number; since: string; expiresAt: string } | null;
  };
}
