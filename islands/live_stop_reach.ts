/**
 * Whether a stop reaches a running session's station now (overview/stop_reach.ts), followed live for the whole
 * page however many islands show it (Stop charging, whose button it enables; the close-by-hand form, whose
 * "still connected" warning it decides): a disconnect makes it offline at once, and at a connect or a stream
 * open (it may have come or gone while the stream was down) the station is read once
 * (`GET /api/v1/charge-points/{id}`) and each island handed the answer. The form decided its warning when the
 * page was made, and kept it through a disconnect.
 *
 * One follower per session and page (shared_feed.ts): the first island starts it, the last to leave ends it.
 */
import { useState } from "preact/hooks";
import type { StationDetail, StationEvent } from "../components/types.ts";
import { type StopReach, stopReach } from "../overview/stop_reach.ts";
import { apiFetch, subscribeEvents } from "./client.tsx";
import { type Feed, type OpenFeed, sharedFeeds, useSharedFeed } from "./shared_feed.ts";

interface Follower {
  feed: Feed<StopReach>;
  /** Counts the station's connects and disconnects: a read answered after a newer one is read again. */
  changes: number;
  inFlight: boolean;
  again: boolean;
}

const followers = sharedFeeds<string, StopReach>();

type Session = { transactionId: number; connectorId: number; chargePointId: string };

async function readStation(session: Session, follower: Follower): Promise<void> {
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
    if (follower.changes === changes) follower.feed.handOut(stopReach(station, session));
    else follower.again = true;
  } catch {
    // Shown as it was; the next event or open tries again.
  } finally {
    follower.inFlight = false;
    if (follower.again && follower.feed.open) void readStation(session, follower);
  }
}

/** Follows the reach of a stop for `session` through its station's events and stream opens. */
function openFollower(session: Session): OpenFeed<StopReach> {
  return (feed) => {
    const follower: Follower = { feed, changes: 0, inFlight: false, again: false };
    return subscribeEvents<StationEvent>(
      `chargePointId=${encodeURIComponent(session.chargePointId)}`,
      (event) => {
        if (event.type === "disconnected") {
          follower.changes++;
          feed.handOut({ kind: "offline", lastSeen: event.at });
        } else if (event.type === "connected") {
          // Whether it still runs the session is its record's to say (it may have booted without it).
          follower.changes++;
          void readStation(session, follower);
        }
      },
      (live) => {
        if (live) void readStation(session, follower);
      },
    );
  };
}

/** The reach of a stop for `session`, from `initial` (the page's; null when its station was unknown) on. */
export function useStopReach(session: Session, initial: StopReach | null): StopReach | null {
  const [reach, setReach] = useState(initial);
  const { transactionId, connectorId, chargePointId } = session;
  useSharedFeed(
    followers,
    `${chargePointId}\n${transactionId}\n${connectorId}`,
    openFollower({ transactionId, connectorId, chargePointId }),
    setReach,
    [transactionId, connectorId, chargePointId],
  );
  return reach;
}
