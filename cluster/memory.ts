/**
 * Cluster nodes inside one process, sharing a hub: presence in maps, messages delivered asynchronously. For
 * tests of the cluster behaviour (routing, newest connection wins, expiry) without PostgreSQL; a single
 * server process needs no cluster at all.
 *
 * @example
 * ```ts ignore
 * const hub = new MemoryClusterHub();
 * const a = hub.backend("node-a"), b = hub.backend("node-b");
 * ```
 */
import { replaces } from "../model/newest_connection.ts";
import type { BusMessage, ClusterBackend, NodeLease, NodeWarning, PresenceEntry } from "./mod.ts";

type Handler = (message: BusMessage, from: string) => void;

export class MemoryClusterHub {
  #handlers = new Map<string, Handler>();
  /** Node id -> lease end (ms). */
  #nodes = new Map<string, number>();
  #warnings = new Map<string, NodeWarning[]>();
  #stations = new Map<string, PresenceEntry>();
  /** Messages sent and not delivered yet (receipt -> addressee, delivery). */
  #unread = new Map<string, { to: string; timer: ReturnType<typeof setTimeout> }>();
  #seq = 0;

  constructor(private readonly now: () => number = () => Date.now()) {}

  backend(nodeId: string): ClusterBackend {
    const deliver = (to: string, message: BusMessage) => {
      // A copy, as a real bus would: nothing shared between nodes.
      const copy = JSON.parse(JSON.stringify(message)) as BusMessage;
      const receipt = String(++this.#seq);
      this.#unread.set(receipt, {
        to,
        timer: setTimeout(() => {
          const handler = this.#handlers.get(to);
          // A node that closed (or never started) reads nothing: the message waits unread, as in a real inbox.
          if (!handler) return;
          this.#unread.delete(receipt);
          handler(copy, nodeId);
        }, 0),
      });
      return receipt;
    };
    return {
      bus: {
        nodeId,
        send: (to, message) => Promise.resolve(deliver(to, message)),
        withdraw: (to, receipt) => {
          const unread = this.#unread.get(receipt);
          if (unread?.to !== to) return Promise.resolve(false);
          clearTimeout(unread.timer);
          this.#unread.delete(receipt);
          return Promise.resolve(true);
        },
        broadcast: (message) => {
          for (const to of this.#handlers.keys()) if (to !== nodeId) deliver(to, message);
          return Promise.resolve();
        },
        onMessage: (handler) => void this.#handlers.set(nodeId, handler),
        close: () => Promise.resolve(void this.#handlers.delete(nodeId)),
      },
      presence: {
        claim: (entries) => {
          for (const entry of entries) {
            const current = this.#stations.get(entry.chargePointId);
            if (current && !replaces(entry, current)) continue;
            this.#stations.set(entry.chargePointId, { ...entry });
          }
          return Promise.resolve();
        },
        release: (entries) => {
          for (const { chargePointId, connectedAt } of entries) {
            const current = this.#stations.get(chargePointId);
            if (current?.nodeId === nodeId && current.connectedAt === connectedAt) {
              this.#stations.delete(chargePointId);
            }
          }
          return Promise.resolve();
        },
        renew: (leaseMs, _stations, warnings) => {
          this.#nodes.set(nodeId, this.now() + leaseMs);
          if (warnings?.length) this.#warnings.set(nodeId, structuredClone(warnings));
          else this.#warnings.delete(nodeId);
          return Promise.resolve();
        },
        warnings: () => {
          const now = this.now();
          return Promise.resolve(
            [...this.#warnings]
              .filter(([id]) => (this.#nodes.get(id) ?? 0) > now)
              .map(([id, warnings]) => ({ nodeId: id, warnings: structuredClone(warnings) })),
          );
        },
        nodes: () => {
          const now = this.now();
          const out: NodeLease[] = [];
          for (const [id, until] of this.#nodes) {
            if (until > now) out.push({ nodeId: id, remainingMs: until - now });
          }
          return Promise.resolve(out);
        },
        stations: () => {
          const now = this.now();
          return Promise.resolve(
            [...this.#stations.values()]
              .filter((e) => (this.#nodes.get(e.nodeId) ?? 0) > now)
              .map((entry) => ({ ...entry })),
          );
        },
        leave: () => {
          this.#nodes.delete(nodeId);
          for (const [id, entry] of this.#stations) if (entry.nodeId === nodeId) this.#stations.delete(id);
          return Promise.resolve();
        },
      },
      close: () => Promise.resolve(void this.#handlers.delete(nodeId)),
    };
  }
}
