/**
 * The cluster on PostgreSQL, the engine the nodes already share: no broker.
 *
 * - Bus: LISTEN/NOTIFY on one channel. A message to one node is a row of `cluster_messages` plus a
 *   notification carrying its id; the addressee takes it with `DELETE ... RETURNING` (so it is delivered once),
 *   and takes whatever is left addressed to it when its listening connection comes back and every `pollMs`
 *   (a notification missed while disconnected is not lost). A broadcast travels in the notification itself
 *   (best effort), or as a row every node reads when it is too large for one.
 * - Presence: `cluster_nodes` (one lease per node, renewed by one statement) and `cluster_presence` (which node
 *   holds which station; a station is online while its node's lease runs).
 * - History: `cluster_lost_nodes`, the nodes whose lease ran out lately (migration 046), for the operator.
 *
 * @example
 * ```ts ignore
 * const backend = await openPostgresCluster(Deno.env.get("DATABASE_URL")!, { nodeId: "host-1234", logger });
 * ```
 */
import postgres, { type Sql } from "postgres";
import type { Logger } from "../logger.ts";
import { openPostgresPool } from "../postgres_pool.ts";
import { IDLE_IN_TRANSACTION_BOUND } from "../postgres_transaction_bounds.ts";
import type { BusMessage, ClusterBackend, NodeLease, NodeWarning, PresenceEntry } from "./mod.ts";
import { LOST_NODE_KEPT_MS } from "./nodes.ts";

export const CLUSTER_CHANNEL = "csms_cluster";

/** NOTIFY payloads must stay below 8000 bytes. */
const NOTIFY_MAX = 7500;

interface Note {
  /** From node. */
  f: string;
  /** To node ("*" for every node), with the row id `i`; or the message itself in `m`. */
  t?: string;
  i?: string;
  m?: BusMessage;
}

export interface PostgresClusterOptions {
  nodeId: string;
  logger: Logger;
  /** How often left-over messages are looked for (ms, default 2000). */
  pollMs?: number;
  /** Pool size (default 4; LISTEN holds one more connection). */
  maxConnections?: number;
}

export async function openPostgresCluster(
  url: string,
  options: PostgresClusterOptions,
): Promise<ClusterBackend> {
  const { nodeId, logger } = options;
  const sql = openPostgresPool(url, {
    max: options.maxConnections ?? 4,
    connect_timeout: 5,
    onnotice: () => {},
    transform: { undefined: null },
    connection: { application_name: `csms-cluster ${nodeId}`.slice(0, 63) },
  });
  let handler: (message: BusMessage, from: string) => void = () => {};
  let closed = false;
  const deliver = (message: BusMessage, from: string) => {
    try {
      handler(message, from);
    } catch (error) {
      logger.warn("cluster message handler failed", { error: String(error) });
    }
  };
  /** Takes this node's messages: one by id, or all that are left. */
  const take = async (id?: string) => {
    const rows = id === undefined
      ? await sql<{ id: string; from_node: string; body: BusMessage }[]>`
          delete from cluster_messages where to_node = ${nodeId} returning id, from_node, body`
      : await sql<{ id: string; from_node: string; body: BusMessage }[]>`
          delete from cluster_messages where id = ${id} and to_node = ${nodeId} returning id, from_node, body`;
    for (const row of id === undefined ? rows.sort(byId) : rows) deliver(row.body, row.from_node);
  };
  const catchUp = () => {
    if (closed) return;
    take().catch((error) => logger.warn("cluster catch-up failed", { error: String(error) }));
  };
  const listener = await sql.listen(CLUSTER_CHANNEL, (payload) => {
    let note: Note;
    try {
      note = JSON.parse(payload) as Note;
    } catch {
      return;
    }
    if (note.f === nodeId) return;
    if (note.m) return deliver(note.m, note.f);
    if (note.i === undefined) return;
    if (note.t === nodeId) {
      take(note.i).catch((error) =>
        logger.warn("cluster message lost", { id: note.i, error: String(error) })
      );
    } else if (note.t === "*") {
      sql<{ body: BusMessage }[]>`select body from cluster_messages where id = ${note.i}`
        .then((rows) => rows[0] && deliver(rows[0].body, note.f))
        .catch((error) => logger.warn("cluster broadcast lost", { id: note.i, error: String(error) }));
    }
  }, catchUp);
  let polls = 0;
  const poller = setInterval(() => {
    catchUp();
    // Now and then: messages nobody took (their node died) and dead nodes' presence go.
    if (++polls % 30 === 0) void sweep(sql).catch(() => {});
  }, options.pollMs ?? 2000);

  const notify = (note: Note) => sql`select pg_notify(${CLUSTER_CHANNEL}, ${JSON.stringify(note)})`;
  return {
    bus: {
      nodeId,
      // The receipt is chosen here, not the row's id: a send whose answer was lost can still be withdrawn.
      async send(to, message) {
        const receipt = crypto.randomUUID();
        try {
          await sql`
            with m as (
              insert into cluster_messages (to_node, from_node, body, receipt)
              values (${to}, ${nodeId}, ${sql.json(message as postgres.JSONValue)}, ${receipt}) returning id
            )
            select pg_notify(${CLUSTER_CHANNEL}, json_build_object('f', ${nodeId}::text, 't', ${to}::text, 'i', m.id::text)::text)
            from m`;
        } catch (error) {
          if (notStored(error)) throw error;
          // The statement went out and its answer did not come back: it may have committed, and the addressee
          // may act on it. Reported sent, so no caller calls it undelivered; `withdraw` tells which it was.
          logger.warn("cluster message may have been stored", { to, receipt, error: String(error) });
        }
        return receipt;
      },
      async withdraw(to, receipt) {
        if (!UUID.test(receipt)) return false;
        const rows =
          await sql`delete from cluster_messages where to_node = ${to} and receipt = ${receipt} returning id`;
        return rows.length > 0;
      },
      async broadcast(message) {
        const inline = JSON.stringify({ f: nodeId, m: message } satisfies Note);
        if (inline.length <= NOTIFY_MAX) {
          await sql`select pg_notify(${CLUSTER_CHANNEL}, ${inline})`;
          return;
        }
        const [row] = await sql<{ id: string }[]>`
          insert into cluster_messages (to_node, from_node, body)
          values ('*', ${nodeId}, ${sql.json(message as postgres.JSONValue)}) returning id`;
        await notify({ f: nodeId, t: "*", i: String(row!.id) });
      },
      onMessage(h) {
        handler = h;
      },
      close: async () => {},
    },
    presence: {
      async claim(entries) {
        // Newest per station: one statement may not update a row twice.
        const newest = new Map<string, PresenceEntry>();
        for (const e of entries) {
          const seen = newest.get(e.chargePointId);
          if (!seen || seen.connectedAt <= e.connectedAt) newest.set(e.chargePointId, e);
        }
        const rows = [...newest.values()];
        await sql`
          insert into cluster_presence (charge_point_id, node_id, connected_at, remote_address)
          select * from unnest(
            ${rows.map((r) => r.chargePointId)}::text[], ${rows.map((r) => r.nodeId)}::text[],
            ${rows.map((r) => r.connectedAt)}::text[], ${rows.map((r) => r.remoteAddress)}::text[])
          on conflict (charge_point_id) do update set
            node_id = excluded.node_id, connected_at = excluded.connected_at,
            remote_address = excluded.remote_address
          -- Newest connection wins, a tie to the greater node id (model/newest_connection.ts).
          where cluster_presence.connected_at < excluded.connected_at
            or (cluster_presence.connected_at = excluded.connected_at
              and cluster_presence.node_id <= excluded.node_id)`;
      },
      async release(entries) {
        await sql`
          delete from cluster_presence p
          using unnest(${entries.map((e) => e.chargePointId)}::text[], ${
          entries.map((e) => e.connectedAt)
        }::text[]) as r(id, at)
          where p.charge_point_id = r.id and p.connected_at = r.at and p.node_id = ${nodeId}`;
      },
      async renew(leaseMs, stations, warnings) {
        const shown = warnings?.length ? sql.json(warnings as never) : null;
        await sql`
          insert into cluster_nodes (node_id, expires_at, renewed_at, stations, warnings)
          values (
            ${nodeId}, now() + ${leaseMs} * interval '1 millisecond', now(), ${stations ?? null}, ${shown}
          )
          on conflict (node_id) do update set
            expires_at = excluded.expires_at, renewed_at = excluded.renewed_at, stations = excluded.stations,
            warnings = excluded.warnings`;
      },
      async warnings() {
        const rows = await sql<{ node_id: string; warnings: NodeWarning[] }[]>`
          select node_id, warnings from cluster_nodes
          where expires_at > now() and jsonb_typeof(warnings) = 'array'
          order by node_id`;
        return rows.map((r) => ({ nodeId: r.node_id, warnings: r.warnings }));
      },
      async nodes() {
        const rows = await sql<{ node_id: string; remaining: number }[]>`
          select node_id, (extract(epoch from expires_at - now()) * 1000)::float8 as remaining
          from cluster_nodes where expires_at > now()`;
        return rows.map((r): NodeLease => ({ nodeId: r.node_id, remainingMs: r.remaining }));
      },
      async stations() {
        const rows = await sql<
          { charge_point_id: string; node_id: string; connected_at: string; remote_address: string }[]
        >`
          select p.charge_point_id, p.node_id, p.connected_at, p.remote_address
          from cluster_presence p join cluster_nodes n on n.node_id = p.node_id
          where n.expires_at > now()`;
        return rows.map((r) => ({
          chargePointId: r.charge_point_id,
          nodeId: r.node_id,
          connectedAt: r.connected_at,
          remoteAddress: r.remote_address,
        }));
      },
      async leave() {
        await sql`delete from cluster_presence where node_id = ${nodeId}`;
        await sql`delete from cluster_nodes where node_id = ${nodeId}`;
      },
    },
    history: {
      async read() {
        await recordLostNodes(sql);
        const [live, lost] = await Promise.all([
          sql<{ node_id: string; started_at: Date; renewed_at: Date | null; stations: number }[]>`
            select n.node_id, n.started_at, n.renewed_at,
              (select count(*) from cluster_presence p where p.node_id = n.node_id)::int as stations
            from cluster_nodes n where n.expires_at > now()`,
          sql<
            {
              node_id: string;
              started_at: Date | null;
              last_renewed_at: Date | null;
              lost_at: Date;
              stations: number | null;
              left_behind: number;
              back: number;
            }[]
          >`
            select l.node_id, l.started_at, l.last_renewed_at, l.lost_at, l.stations,
              cardinality(l.left_behind) as left_behind,
              (select count(*) from cluster_presence p join cluster_nodes n on n.node_id = p.node_id
               where p.charge_point_id = any(l.left_behind) and n.expires_at > now())::int as back
            from cluster_lost_nodes l where l.lost_at > now() - ${LOST_NODE_KEPT_MS} * interval '1 millisecond'`,
        ]);
        return {
          live: live.map((r) => ({
            nodeId: r.node_id,
            startedAt: iso(r.started_at),
            renewedAt: iso(r.renewed_at),
            stations: r.stations,
          })),
          lost: lost.map((r) => ({
            nodeId: r.node_id,
            startedAt: iso(r.started_at),
            lastRenewedAt: iso(r.last_renewed_at),
            lostAt: r.lost_at.toISOString(),
            stationsAtRenewal: r.stations,
            leftBehind: r.left_behind,
            leftBehindBack: r.back,
          })),
        };
      },
    },
    async close() {
      closed = true;
      clearInterval(poller);
      await listener.unlisten().catch(() => {});
      await sql.end({ timeout: 2 });
    },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Errors of postgres.js raised before the statement was sent: the connection never came. */
const NEVER_SENT = new Set(["CONNECT_TIMEOUT", "CONNECTION_ENDED", "ECONNREFUSED", "ENOTFOUND"]);

/**
 * Whether a failed statement is known to have changed nothing: PostgreSQL answered it with an error (an
 * autocommit statement that fails is rolled back), or it never left. A connection lost after it went out
 * (`CONNECTION_CLOSED`, a reset) leaves it unknown: it may have committed before the answer was lost.
 */
function notStored(error: unknown): boolean {
  if (error instanceof postgres.PostgresError) return error.severity === "ERROR";
  return NEVER_SENT.has(String((error as { code?: unknown } | null)?.code));
}

function byId(a: { id: string }, b: { id: string }): number {
  return Number(a.id) - Number(b.id);
}

function iso(at: Date | null): string | null {
  return at === null ? null : at.toISOString();
}

/**
 * Records the nodes whose lease ran out and that are not recorded yet (or were, lost before: frozen, back, lost
 * again), with the stations still on them: the operator's notice (`nodes.ts`). Any node may do it, as often as
 * it likes: a second recording of the same loss changes nothing.
 */
async function recordLostNodes(sql: Sql): Promise<void> {
  await sql`
    insert into cluster_lost_nodes (node_id, started_at, last_renewed_at, lost_at, stations, left_behind)
    select n.node_id, n.started_at, n.renewed_at, n.expires_at, n.stations,
      coalesce((select array_agg(p.charge_point_id) from cluster_presence p where p.node_id = n.node_id), '{}')
    from cluster_nodes n
    where n.expires_at <= now()
      and not exists (select 1 from cluster_lost_nodes l where l.node_id = n.node_id and l.lost_at >= n.expires_at)
    on conflict (node_id) do update set
      started_at = excluded.started_at, last_renewed_at = excluded.last_renewed_at, lost_at = excluded.lost_at,
      stations = excluded.stations, left_behind = excluded.left_behind, recorded_at = now()
    where cluster_lost_nodes.lost_at < excluded.lost_at`;
}

/**
 * Removes what dead nodes left: their stations (once their loss is recorded, in the same transaction: one
 * `now()`), messages nobody will take, old broadcasts, losses older than a day.
 */
async function sweep(sql: Sql): Promise<void> {
  await sql.begin(async (tx) => {
    // A node frozen before its COMMIT would hold the dead node's stations' rows, which other nodes claim.
    await tx.unsafe(IDLE_IN_TRANSACTION_BOUND);
    await recordLostNodes(tx as unknown as Sql);
    await tx`
      delete from cluster_presence p
      where not exists (select 1 from cluster_nodes n where n.node_id = p.node_id and n.expires_at > now())`;
  });
  await sql`delete from cluster_nodes where expires_at < now() - interval '10 minutes'`;
  await sql`delete from cluster_lost_nodes where lost_at < now() - ${LOST_NODE_KEPT_MS} * interval '1 millisecond'`;
  await sql`
    delete from cluster_messages
    where (to_node = '*' and created_at < now() - interval '1 minute')
       or created_at < now() - interval '10 minutes'`;
}
