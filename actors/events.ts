/**
 * What actors (and, for a station's service, the API) tell the rest of the system (SSE for the dashboard,
 * webhooks, tests). Publishing is synchronous and cheap; a slow subscriber must buffer on its own side.
 */
import type { ConnectorState, EvseConnectorState } from "../model/charge_point.ts";
import type { SiteSample } from "../model/site.ts";
import type { TransactionRecord } from "../model/transaction.ts";

export type StationEvent =
  | { type: "connected"; chargePointId: string; at: string; remoteAddress: string }
  | { type: "disconnected"; chargePointId: string; at: string; code: number; reason: string }
  /** triggered: a boot we asked for (TriggerMessage), not a reboot. */
  | { type: "boot"; chargePointId: string; at: string; registrationStatus: string; triggered?: true }
  | { type: "status"; chargePointId: string; at: string; connector: ConnectorState }
  /** OCPP 2.0.1: one connector of one EVSE reported its status. */
  | { type: "evseStatus"; chargePointId: string; at: string; evse: EvseConnectorState }
  | { type: "transaction"; chargePointId: string; at: string; transaction: TransactionRecord }
  /**
   * OCPP 2.0.1 H01: the station no longer holds a reservation (ReservationStatusUpdate Expired or Removed),
   * whether or not our snapshot or ledger knew of it yet.
   */
  | { type: "reservationStatus"; chargePointId: string; at: string; reservationId: number; status: string }
  | {
    /** OCPP 2.0.1: an external charging limit set (NotifyChargingLimit) or cleared (ClearedChargingLimit). */
    type: "chargingLimit";
    chargePointId: string;
    at: string;
    /** 0: the whole station; null: a clearing that names no EVSE (all of them). */
    evseId: number | null;
    chargingLimitSource: string;
    cleared: boolean;
    isGridCritical: boolean | null;
  }
  | {
    /** A (Signed)FirmwareStatusNotification: firmware campaigns follow it (fleet/job_runner.ts). */
    type: "firmwareStatus";
    chargePointId: string;
    at: string;
    status: string;
    /** The firmware update the status is about (SignedFirmwareStatusNotification, 2.0.1); null when unnamed (1.6). */
    requestId: number | null;
  }
  | {
    /** A station's SecurityEventNotification of a critical type (OCPP 1.6 Security Whitepaper ed. 3). */
    type: "securityEvent";
    chargePointId: string;
    at: string;
    stationEventType: string;
    critical: boolean;
    /** The station's own time of the event. */
    timestamp: string;
    techInfo: string | null;
  }
  | {
    type: "meterValues";
    chargePointId: string;
    at: string;
    connectorId: number;
    transactionId: number | null;
    stored: number;
  }
  | {
    /**
     * A station presented an id tag (1.6 idTag, 2.0.1 idToken) that is not stored: answered Invalid. Operators
     * see such tags to add a new card (fleet/unknown_id_tags.ts).
     */
    type: "unknownIdTag";
    chargePointId: string;
    at: string;
    idTag: string;
    /** OCPP 2.0.1 IdTokenEnumType; null for 1.6. */
    idTokenType: string | null;
  }
  | {
    /** An operator took the station out of service (decommissioned) or put it back (published by the API). */
    type: "service";
    chargePointId: string;
    at: string;
    inService: boolean;
    /** Who did it (`user:alice`, `token:ops`). */
    by: string;
  }
  | {
    /** An operator dismissed the station's failed firmware update (published by the API). */
    type: "firmwareFailureDismissed";
    chargePointId: string;
    at: string;
    /** The failure dismissed (e.g. InstallationFailed). */
    status: string;
    /** Who did it (`user:alice`, `token:ops`). */
    by: string;
  }
  | {
    /** An operator cleared the station's protocol errors (published by the API). */
    type: "protocolErrorsCleared";
    chargePointId: string;
    at: string;
    /** How many were cleared. */
    count: number;
    /** Who did it (`user:alice`, `token:ops`). */
    by: string;
  };

/**
 * An event as published once its changes are committed: a MeterValues event tells how many of its rows the
 * commit found new (a replay stores none).
 */
export function committedEvent(event: StationEvent, committed: { meterValuesAdded: number }): StationEvent {
  return event.type === "meterValues" ? { ...event, stored: committed.meterValuesAdded } : event;
}

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

export type EventListener<E = BusEvent> = (event: E) => void;

/**
 * A bus of station events by default; the fleet publishes its own kind (fleet/events.ts) on another one. The
 * listeners are an array replaced on (un)subscribe, so a publish (one per answered CALL, often to nobody) is
 * a plain loop: no iterator object per event. A listener unsubscribed during a publish is not called by it;
 * one subscribed during a publish hears from the next one.
 */
export class EventBus<E = BusEvent> {
  #listeners: readonly EventListener<E>[] = [];

  /** Returns the function that unsubscribes. Subscribing a listener twice subscribes it once. */
  subscribe(listener: EventListener<E>): () => void {
    if (!this.#listeners.includes(listener)) this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  publish(event: E): void {
    const listeners = this.#listeners;
    for (let i = 0; i < listeners.length; i++) {
      const listener = listeners[i]!;
      // Changed by a listener meanwhile: one that is gone is not called.
      if (listeners !== this.#listeners && !this.#listeners.includes(listener)) continue;
      try {
        listener(event);
      } catch {
        // A broken subscriber must never break an actor.
      }
    }
  }

  get subscriberCount(): number {
    return this.#listeners.length;
  }
}
