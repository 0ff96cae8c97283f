/**
 * The decommissioned stations this process knows of, so that their next handshakes are refused before
 * upgrading (HTTP 404, as OCPP-J asks for an identity the Central System does not recognise) instead of
 * upgraded, handed to an actor and closed with 4003. A hint, never the truth: a known id is confirmed with
 * a store read (only refused stations pay it; one put back in service on another node is forgotten then),
 * and an id not known yet is still refused by its actor's load, which then teaches it here. It learns from
 * the `service` events too, this process's and, in a cluster, the other nodes' (the live stream's bus).
 *
 * It also decides which refusals are reported (a warning and a security event): one per station per window,
 * so a station retrying all day cannot push real failures out of the security log.
 */
import type { ChargePointRecord } from "../model/charge_point.ts";
import { OncePer } from "./once_per.ts";

/** How many decommissioned ids are remembered at most: past it, the actor's load refuses the rest. */
const MAX_KNOWN = 100_000;

export class ShutOut {
  readonly #known = new Set<string>();
  readonly #reports: OncePer;

  constructor(reportWindowMs: number) {
    this.#reports = new OncePer(reportWindowMs);
  }

  /** `id` is decommissioned (its actor refused it, or an operator took it out of service). */
  learn(id: string): void {
    if (this.#known.size < MAX_KNOWN) this.#known.add(id);
  }

  forget(id: string): void {
    this.#known.delete(id);
  }

  /** Whether `id` is known to be decommissioned (to be confirmed with `since`). */
  knows(id: string): boolean {
    return this.#known.has(id);
  }

  /** True (and remembered) when a refusal of `id` is to be reported now. */
  due(id: string, nowMs: number): boolean {
    return this.#reports.due(id, nowMs);
  }

  /**
   * Since when `id` is decommissioned, when it is known to be and the store agrees; null otherwise (also when
   * the store cannot be read: the actor's load decides then).
   */
  async since(id: string, read: (id: string) => Promise<ChargePointRecord | null>): Promise<string | null> {
    if (!this.#known.has(id)) return null;
    let record;
    try {
      record = await read(id);
    } catch {
      return null;
    }
    if (record?.decommissionedAt) return record.decommissionedAt;
    this.forget(id);
    return null;
  }

  /** An operator took `id` out of service or put it back (a `service` event, of any cluster node). */
  serviceChanged(id: string, inService: boolean): void {
    if (inService) this.forget(id);
    else this.learn(id);
  }
}
