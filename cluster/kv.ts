/**
 * The cluster on Deno KV, for Deno Deploy, where isolates share one KV database (a server on one machine has
 * no use for it: it is one process).
 *
 * - Bus: a message to a node is a key under its inbox (`["cluster_inbox", node, id]`); the sender then bumps
 *   the node's signal key, which the node `watch`es. The node takes each message with an atomic
 *   check-and-delete (so it is delivered once) when signalled and every `pollMs` (a missed signal is caught
 *   up). A broadcast is a message to every live node's inbox.
 * - Presence: `["cluster_node", node]` (the lease, with `expireIn`) and `["cluster_presence", station]`,
 *   written with a versionstamp check so the newest connection wins.
 *
 * @example
 * ```ts ignore
 * const backend = openKvCluster(await Deno.openKv(), { nodeId: "isolate-1", logger });
 * ```
 */
import { replaces } from "../model/newest_connection.ts";
import type { Logger } from "../logger.ts";
import type {
  BusMessage,
  ClusterBackend,
  NodeLease,
  NodeWarning,
  NodeWarnings,
  PresenceEntry,
} from "./mod.ts";

const NODE = "cluster_node";

/** A node's lease: until when (ms), and its warnings at its last renewal. */
interface NodeRecord {
  until: number;
  warnings?: NodeWarning[];
}
const PRESENCE = "cluster_presence";
const INBOX = "cluster_inbox";
const SIGNAL = "cluster_signal";
/** Messages nobody took (their node died) go after this. */
const INBOX_TTL_MS = 10 * 60_000;

interface Envelope {
  from: string;
  message: BusMessage;
}

export function openKvCluster(
  kv: Deno.Kv,
  options: { nodeId: string; logger: Logger; pollMs?: number; now?: () => number },
): ClusterBackend {
  const { nodeId, logger } = options;
  const now = options.now ?? (() => Date.now());
  let handler: (message: BusMessage, from: string) => void = () => {};
  let seq = 0;
  let closed = false;
  /** Inbox keys sort by time, then by sender, then by its sequence. */
  const messageId = () => `${now().toString(36).padStart(10, "0")}-${nodeId}-${(++seq).toString(36)}`;

  const send = async (to: string, message: BusMessage) => {
    const id = messageId();
    // One commit: a send that fails has put nothing in the inbox (it is then reported undelivered, and must not
    // be delivered by the addressee's next poll all the same).
    const sent = await kv.atomic()
      .set([INBOX, to, id], { from: nodeId, message } satisfies Envelope, { expireIn: INBOX_TTL_MS })
      .set([SIGNAL, to], id, { expireIn: INBOX_TTL_MS })
      .commit();
    if (!sent.ok) throw new Error(`Cannot send to node "${to}": the commit failed`);
    return id;
  };
  /** Deleted here only if still in the inbox: the same check-and-delete the addressee takes it with. */
  const withdraw = async (to: string, receipt: string) => {
    const entry = await kv.get<Envelope>([INBOX, to, receipt]);
    if (entry.versionstamp === null) return false;
    return (await kv.atomic().check(entry).delete(entry.key).commit()).ok;
  };

  let draining: Promise<void> | null = null;
  let again = false;
  const drain = (): Promise<void> => {
    if (draining) {
      again = true;
      return draining;
    }
    draining = (async () => {
      do {
        again = false;
        for await (const entry of kv.list<Envelope>({ prefix: [INBOX, nodeId] })) {
          if (closed) return;
          const taken = await kv.atomic().check(entry).delete(entry.key).commit();
          if (!taken.ok) continue;
          try {
            handler(entry.value.message, entry.value.from);
          } catch (error) {
            logger.warn("cluster message handler failed", { error: String(error) });
          }
        }
      } while (again && !closed);
    })().catch((error) => logger.warn("cluster inbox read failed", { error: String(error) }))
      .finally(() => (draining = null));
    return draining;
  };

  const stream = kv.watch([[SIGNAL, nodeId]]);
  const reader = stream.getReader();
  const watching = (async () => {
    try {
      while (!closed) {
        const { done } = await reader.read();
        if (done) return;
        void drain();
      }
    } catch {
      // Closed.
    }
  })();
  const poller = setInterval(() => void drain(), options.pollMs ?? 1000);

  const liveNodes = async (): Promise<NodeLease[]> => {
    const at = now();
    const out: NodeLease[] = [];
    for await (const entry of kv.list<NodeRecord>({ prefix: [NODE] })) {
      if (entry.value.until > at) {
        out.push({ nodeId: String(entry.key[1]), remainingMs: entry.value.until - at });
      }
    }
    return out;
  };

  return {
    bus: {
      nodeId,
      send,
      withdraw,
      async broadcast(message) {
        const nodes = await liveNodes();
        await Promise.all(nodes.filter((n) => n.nodeId !== nodeId).map((n) => send(n.nodeId, message)));
      },
      onMessage(h) {
        handler = h;
      },
      close: async () => {},
    },
    presence: {
      async claim(entries) {
        for (const entry of entries) {
          // Newest wins: written only over an older connection, with a check against a concurrent writer.
          for (let attempt = 0; attempt < 5; attempt++) {
            const current = await kv.get<PresenceEntry>([PRESENCE, entry.chargePointId]);
            if (current.value && !replaces(entry, current.value)) break;
            const done = await kv.atomic().check(current).set([PRESENCE, entry.chargePointId], entry)
              .commit();
            if (done.ok) break;
          }
        }
      },
      async release(entries) {
        for (const { chargePointId, connectedAt } of entries) {
          const current = await kv.get<PresenceEntry>([PRESENCE, chargePointId]);
          if (current.value?.nodeId !== nodeId || current.value.connectedAt !== connectedAt) continue;
          await kv.atomic().check(current).delete(current.key).commit();
        }
      },
      async renew(leaseMs, _stations, warnings) {
        const lease: NodeRecord = { until: now() + leaseMs, ...(warnings?.length ? { warnings } : {}) };
        await kv.set([NODE, nodeId], lease, { expireIn: Math.max(leaseMs, 1000) * 10 });
      },
      nodes: liveNodes,
      async warnings() {
        const at = now();
        const out: NodeWarnings[] = [];
        for await (const entry of kv.list<NodeRecord>({ prefix: [NODE] })) {
          const { until, warnings } = entry.value;
          if (until > at && Array.isArray(warnings)) out.push({ nodeId: String(entry.key[1]), warnings });
        }
        return out;
      },
      async stations() {
        const live = new Set((await liveNodes()).map((n) => n.nodeId));
        const out: PresenceEntry[] = [];
        for await (const entry of kv.list<PresenceEntry>({ prefix: [PRESENCE] })) {
          if (live.has(entry.value.nodeId)) out.push(entry.value);
          else {
            // A dead node's station: swept (checked, so a reconnection written meanwhile stays).
            void kv.atomic().check(entry).delete(entry.key).commit().catch(() => {});
          }
        }
        return out;
      },
      async leave() {
        for await (const entry of kv.list<PresenceEntry>({ prefix: [PRESENCE] })) {
          if (entry.value.nodeId === nodeId) await kv.atomic().check(entry).delete(entry.key).commit();
        }
        await kv.delete([NODE, nodeId]);
      },
    },
    async close() {
      closed = true;
      clearInterval(poller);
      await reader.cancel().catch(() => {});
      await watching;
      await draining;
    },
  };
}
