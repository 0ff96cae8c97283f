/**
 * The fixture of the cluster reservation tests: two server processes (nodes A and B) on one migrated
 * PostgreSQL database, each with the admin's API, the id tags made, and every process stopped and the
 * database dropped after.
 *
 * @example
 * ```ts ignore
 * await withReservationNodes("rsv66_x", { idTags: ["OWNER"] }, async ({ a, viaB }) => {
 *   const socket = await bootedRawStation(`${a.wsUrl}/CP-1`);
 *   await seenOnline(viaB, "CP-1");
 *   const made = await reserveVia(viaB, "CP-1", 1, "OWNER");
 * });
 * ```
 */
import { assertEquals } from "@std/assert";
import { adminApi } from "./admin_api.ts";
import { ADMIN } from "./api.ts";
import { migratedDatabase } from "./postgres.ts";
import { type ServerProcess, spawnServer } from "./process.ts";
import { eventually } from "./server.ts";
import { bootedRawStation, type RawSocket } from "./station.ts";

export type NodeApi = Awaited<ReturnType<typeof adminApi>>;

export interface ReservationNodes {
  a: ServerProcess;
  b: ServerProcess;
  viaA: NodeApi;
  viaB: NodeApi;
  /** The database both nodes use. */
  databaseUrl: string;
}

/**
 * Runs `body` with nodes A and B on the database `database` (a fresh one), `env` beside the database and the
 * admin, and `idTags` made (through node A). Both nodes are stopped (SIGTERM; one killed before is left) and
 * the database dropped after, whatever `body` did.
 */
export async function withReservationNodes(
  database: string,
  options: { env?: Record<string, string>; idTags?: string[] },
  body: (nodes: ReservationNodes) => Promise<void>,
): Promise<void> {
  const db = await migratedDatabase(database);
  const env = {
    DATABASE_URL: db.url,
    ADMIN_USER: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    ...options.env,
  };
  const started: ServerProcess[] = [];
  try {
    // One after the other: the first creates the admin.
    const a = await spawnServer(env);
    started.push(a);
    const b = await spawnServer(env);
    started.push(b);
    const viaA = await adminApi(a.url);
    const viaB = await adminApi(b.url);
    for (const idTag of options.idTags ?? []) {
      assertEquals((await viaA("/id-tags", { method: "POST", body: { idTag } })).status, 201);
    }
    await body({ a, b, viaA, viaB, databaseUrl: db.url });
  } finally {
    for (const node of started) await node.kill("SIGTERM");
    await db.drop();
  }
}

/** Waits until the node of `api` sees `chargePointId` online (on any node). */
export async function seenOnline(api: NodeApi, chargePointId: string, node = "node B"): Promise<void> {
  await eventually(
    async () => (await api(`/charge-points/${chargePointId}`)).body.online === true,
    10_000,
    `${node} sees ${chargePointId} online`,
  );
}

/** The ledger's reservation of `connectorId` for `idTag`, for an hour, asked through `api`. */
export function reserveVia(api: NodeApi, chargePointId: string, connectorId: number, idTag: string) {
  return api("/reservations", {
    method: "POST",
    body: {
      chargePointId,
      connectorId,
      idTag,
      expiryDate: new Date(Date.now() + 3_600_000).toISOString(),
    },
  });
}

/**
 * A raw 1.6 station `chargePointId` on node A, seen online by node B, behind `count` operator's GetConfiguration
 * commands through node A that it never answers (the first one taken from its socket): what comes next waits
 * on A behind them. Their promises, to settle after the test, and the socket.
 */
export async function stationBehindUnanswered(
  { a, viaA, viaB }: ReservationNodes,
  chargePointId: string,
  count: number,
): Promise<{ socket: RawSocket; pending: Promise<unknown>[] }> {
  const socket = await bootedRawStation(`${a.wsUrl}/${chargePointId}`);
  await seenOnline(viaB, chargePointId);
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    pending.push(viaA(`/charge-points/${chargePointId}/GetConfiguration`, { method: "POST", body: {} }));
  }
  assertEquals((await socket.next(5000) as unknown[])[2], "GetConfiguration");
  return { socket, pending };
}
