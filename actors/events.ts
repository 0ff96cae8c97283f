/**
 * What actors tell the rest of the system (SSE for the dashboard, tests). Publishing is synchronous and cheap;
 * a slow subscriber must buffer on its own side.
 */
import type { SiteSample } from "../model/site.ts";
import type { ConnectorState, TransactionRecord } from "../store/store.ts";

export type StationEvent =
  | { type: "connected"; chargePointId: string; at: string; remoteAddress: string }
  | { type: "disconnected"; chargePointId: string; at: string; code: number; reason: string }
  | { type: "boot"; chargePointId: string; at: string; registrationStatus: string }
  | { type: "status"; chargePointId: string; at: string; connector: ConnectorState }
  | { type: "transaction"; chargePointId: string; at: string; transaction: TransactionRecord }
  | {
    type: "meterValues";
    chargePointId: string;
    at: string;
    connectorId: number;
    transactionId: number | null;
    stored: number;
  };

/** Load management divided a site again (energy/load_manager.ts): not about one station. */
export interface SiteAllocationEvent {
  type: "siteAllocation";
  chargePointId: null;
  siteId: string;
  at: string;
  sample: SiteSample;
}

/** Everything the bus carries. */
export type BusEvent = StationEvent | SiteAllocationEvent;

export type EventListener = (event: BusEvent) => void;

export class EventBus {
  #listeners = new Set<EventListener>();

  /** Returns the function that unsubscribes. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(event: BusEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A broken subscriber must never break an actor.
      }
    }
  }

  get subscriberCount(): number {
    return this.#listeners.size;
  }
}
