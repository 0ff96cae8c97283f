/**
 * Fleet events (job progress, reservations) for islands: the same event stream as the station events, typed
 * as what the fleet publishes.
 */
import type { FleetEvent } from "../components/types.ts";
import { useEvents } from "./client.tsx";

/** Listens to the stream's fleet events of `types` (e.g. "job"); returns whether it is live. */
export function useFleetEvents(
  types: string,
  onEvent: (event: FleetEvent) => void,
  onOpen?: () => void,
): boolean {
  return useEvents(`types=${types}`, (event) => onEvent(event as unknown as FleetEvent), onOpen);
}
