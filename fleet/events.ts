/**
 * What fleet operations tell the dashboard (the live event stream) and webhooks: job progress, reservation
 * changes. Published on a bus of their own, beside the station events.
 */
import type { EventBus } from "../actors/events.ts";
import type { JobRecord, JobTaskRecord, ReservationRecord, TaskCounts } from "../store/fleet.ts";

export type FleetEvent =
  | {
    type: "job";
    at: string;
    /** The station whose task changed; null for the job itself (created, finished, cancelled, retried). */
    chargePointId: string | null;
    job: JobRecord;
    task: JobTaskRecord | null;
    counts: TaskCounts;
  }
  | { type: "reservation"; at: string; chargePointId: string; reservation: ReservationRecord };

export type FleetEventBus = EventBus<FleetEvent>;
