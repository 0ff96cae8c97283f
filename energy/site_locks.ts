/**
 * `SiteLocks` on the cluster's named leases (the store's, shared by every process): a division holds
 * `energy-site:<siteId>` while it runs, renewed as it goes, so a process that dies in the middle of one keeps
 * its site waiting for at most `SITE_LOCK_MS`; `energy-rebalance`, held for two periods by the process whose
 * turn it is, decides who re-divides every site periodically.
 */
import type { LeaseStore } from "../store/fleet.ts";
import type { Scheduler, SiteLocks } from "./load_manager.ts";

/** How long a site stays locked after its holder last renewed the lock (a division renews it a third of this). */
export const SITE_LOCK_MS = 30_000;

interface Held {
  timer: number;
  /** The renewal in flight: a release waits for it. */
  renewing: Promise<unknown>;
  /** Another process took the lock since (this one stood still past its life): the division must stop. */
  lost: boolean;
}

export function leasedSiteLocks(
  leases: LeaseStore,
  holder: string,
  now: () => Date,
  scheduler: Scheduler,
  periodMs: number,
  lockMs = SITE_LOCK_MS,
): SiteLocks {
  const held = new Map<string, Held>();
  /** This process had the periodic turn at its last ask. */
  let hasTurn = false;
  const nameOf = (siteId: string) => `energy-site:${siteId}`;
  const untilFrom = (at: Date, forMs: number) => new Date(at.getTime() + forMs).toISOString();
  const take = (name: string, forMs: number) => {
    const at = now();
    return leases.acquireLease(name, holder, at.toISOString(), untilFrom(at, forMs));
  };
  // Renewed only while still ours: taking a lock another process held (and released) since would let a
  // division that stood still go on sending what it planned before the other's division.
  const renew = async (siteId: string, entry: Held) => {
    const ours = await leases.renewLease(nameOf(siteId), holder, untilFrom(now(), lockMs));
    if (!ours) entry.lost = true;
    return ours;
  };
  const renewLater = (siteId: string, entry: Held) => {
    entry.timer = scheduler.after(lockMs / 3, () => {
      if (held.get(siteId) !== entry || entry.lost) return;
      // A failed renewal is tried again at the next one; the lock runs out only if every one fails.
      entry.renewing = renew(siteId, entry).catch(() => true);
      void entry.renewing.then((ours) => ours && held.get(siteId) === entry && renewLater(siteId, entry));
    });
  };
  return {
    async acquire(siteId) {
      if (!await take(nameOf(siteId), lockMs)) return false;
      const before = held.get(siteId);
      if (before) scheduler.cancel(before.timer);
      const entry: Held = { timer: 0, renewing: Promise.resolve(), lost: false };
      held.set(siteId, entry);
      renewLater(siteId, entry);
      return true;
    },
    async stillHeld(siteId) {
      const entry = held.get(siteId);
      if (!entry || entry.lost) return false;
      await entry.renewing;
      return !entry.lost && await renew(siteId, entry);
    },
    async release(siteId) {
      const entry = held.get(siteId);
      held.delete(siteId);
      if (entry) {
        scheduler.cancel(entry.timer);
        await entry.renewing;
      }
      await leases.releaseLease(nameOf(siteId), holder);
    },
    async periodicTurn() {
      hasTurn = await take("energy-rebalance", periodMs * 2);
      return hasTurn;
    },
    // Another process takes the turn at its next period, not two periods after this one's last. A process that
    // never had it writes nothing (a store that is down does not hold up its stop).
    async close() {
      if (!hasTurn) return;
      hasTurn = false;
      await leases.releaseLease("energy-rebalance", holder);
    },
  };
}
