/**
 * Whether a stop reaches a running session's station now (overview/stop_reach.ts), followed live for the whole
 * page however many islands show it (Stop charging, whose button it enables; the close-by-hand form, whose
 * "still connected" warning it decides): a disconnect makes it offline at once, and at a connect or a stream
 * open (it may have come or gone while the stream was down) the station is read once
 * (`GET /api/v1/charge-points/{id}`) and each island handed the answer. The form decided its warning when the
 * page was made, and kept it through a disconnect.
 *
 * One follower per session and page: the first island starts it, the last to leave ends it.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { StationDetail, StationEvent } from "../components/types.ts";
import { type StopReach, stopReach } from "../overview/stop_reach.ts";
import { apiFetch, subscribeEvents } from "./client.tsx";

interface Follower {
  listeners: Set<(reach: StopReach) => void>;
  /** Counts the station's connects and disconnects: a read answered after a newer one is read again. */
  changes: number;
  inFlight: boolean;
  again: boolean;
  unsubscribe: () => void;
}

const followers = new Map<string, Follower>();

function handOut(follower: Follower, reach: StopReach): void {
  for (const listener of follower.listeners) listener(reach);
}

async function readStation(
  session: { transactionId: number; connectorId: number; chargePointId: string },
  key: string,
  follower: Follower,
): Promise<void> {
  if (follower.inFlight) {
    follower.again = true;
    return;
  }
  follower.inFlight = true;
  follower.again = false;
  const changes = follower.changes;
  try {
    const station = await apiFetch<StationDetail>(
      `/api/v1/charge-points/${encodeURIComponent(session.chargePointId)}`,
    );
    if (follower.changes === changes) handOut(follower, stopReach(station, session));
    else follower.again = true;
  } catch {
    // Shown as it was; the next event or open tries again.
  } finally {
    follower.inFlight = false;
    if (follower.again && followers.get(key) === follower) void readStation(session, key, follower);
  }
}

/** The reach of a stop for `session`, from `initial` (the page's; null when its station was unknown) on. */
export function useStopReach(
  session: { transactionId: number; connectorId: number; chargePointId: string },
  initial: StopReach | null,
): StopReach | null {
  const [reach, setReach] = useState(initial);
  const handler = useRef(setReach);
  handler.current = setReach;
  const { transactionId, connectorId, chargePointId } = session;
  useEffect(() => {
    const key = `${chargePointId}\n${transactionId}\n${connectorId}`;
    const ours = { transactionId, connectorId, chargePointId };
    let follower = followers.get(key);
    if (!follower) {
      const created: Follower = {
        listeners: new Set(),
        changes: 0,
        inFlight: false,
        again: false,
        unsubscribe: () => {},
      };
      followers.set(key, created);
      created.unsubscribe = subscribeEvents<StationEvent>(
        `chargePointId=${encodeURIComponent(chargePointId)}`,
        (event) => {
          if (event.type === "disconnected") {
            created.changes++;
            handOut(created, { kind: "offline", lastSeen: event.at });
          } else if (event.type === "connected") {
            // Whether it still runs the session is its record's to say (it may have booted without it).
            created.changes++;
            void readStation(ours, key, created);
          }
        },
        (live) => {
          if (live) void readStation(ours, key, created);
        },
      );
      follower = created;
    }
    const listener = (next: StopReach) => handler.current(next);
    const joined = follower;
    joined.listeners.add(listener);
    return () => {
      joined.listeners.delete(listener);
      if (joined.listeners.size > 0) return;
      joined.unsubscribe();
      followers.delete(key);
    };
  }, [transactionId, connectorId, chargePointId]);
  return reach;
}
