/**
 * Data retention: deletes meter values, status history, the command log, webhook deliveries and DataTransfer
 * messages older than the settings say (0 keeps them), in batches with a pause between them so the store keeps
 * serving stations, by one process at a time (a lease); and each process forgets its own old OCPP frames.
 */
import type { Logger } from "../logger.ts";
import type { FleetStore } from "../store/fleet.ts";

export interface RetentionDeps {
  fleet: Pick<FleetStore, "settings" | "retention" | "webhooks" | "dataTransfers" | "leases">;
  /** This process's frame log. */
  frames: { pruneBefore(before: Date): number };
  holder: string;
  now: () => Date;
  logger: Logger;
  /** Rows per delete. */
  batch: number;
  /** How long the lease lasts (longer than one round). */
  leaseMs: number;
  /** Pause between batches. */
  pauseMs?: number;
}

const DAY = 86_400_000;
const LEASE = "retention";

export class RetentionWorker {
  constructor(private readonly deps: RetentionDeps) {}

  /** One round; returns what was deleted, by kind (empty when another process holds the lease). */
  async tick(): Promise<Record<string, number>> {
    const { fleet } = this.deps;
    const now = this.deps.now();
    const settings = (await fleet.settings.getSettings()).retention;
    const deleted: Record<string, number> = {};
    if (settings.framesMinutes > 0) {
      deleted.frames = this.deps.frames.pruneBefore(
        new Date(now.getTime() - settings.framesMinutes * 60_000),
      );
    }
    const until = new Date(now.getTime() + this.deps.leaseMs).toISOString();
    if (!await fleet.leases.acquireLease(LEASE, this.deps.holder, now.toISOString(), until)) return deleted;
    const before = (days: number) => new Date(now.getTime() - days * DAY).toISOString();
    const kinds: [string, number, (cutoff: string, max: number) => Promise<number>][] = [
      ["meterValues", settings.meterValuesDays, (c, m) => fleet.retention.pruneMeterValues(c, m)],
      ["statusHistory", settings.statusHistoryDays, (c, m) => fleet.retention.pruneStatusHistory(c, m)],
      ["commandLog", settings.commandLogDays, (c, m) => fleet.retention.pruneCommandLog(c, m)],
      ["webhookDeliveries", settings.webhookDeliveriesDays, (c, m) => fleet.webhooks.pruneDeliveries(c, m)],
      ["dataTransfers", settings.dataTransfersDays, (c, m) => fleet.dataTransfers.pruneDataTransfers(c, m)],
    ];
    for (const [kind, days, prune] of kinds) {
      if (days <= 0) continue;
      const cutoff = before(days);
      let total = 0;
      for (;;) {
        const n = await prune(cutoff, this.deps.batch);
        total += n;
        if (n < this.deps.batch) break;
        await new Promise((resolve) => setTimeout(resolve, this.deps.pauseMs ?? 50));
      }
      deleted[kind] = total;
    }
    const total = Object.values(deleted).reduce((a, b) => a + b, 0);
    if (total > 0) this.deps.logger.info("retention pruned old data", deleted);
    return deleted;
  }
}
