/**
 * One feed per key for the whole page, however many islands follow it: the first island to follow a key opens
 * its feed (its reader and its event subscription), the others join it, and the last to leave closes it; an
 * island that follows the key after that opens a fresh one. What a feed hands out reaches the islands
 * following it at that moment: one that joins late gets what comes after, not what came before (nothing is
 * kept; each island starts from what its page rendered). Islands that each read on their own asked the server
 * once per island for the same rows (live_meter_values.ts, transaction_at_open.ts, live_stop_reach.ts).
 *
 * @example
 * ```ts
 * import { sharedFeeds } from "./shared_feed.ts";
 * const clocks = sharedFeeds<string, number>();
 * const open = (feed: { handOut(value: number): void }) => {
 *   const timer = setInterval(() => feed.handOut(Date.now()), 1000);
 *   return () => clearInterval(timer);
 * };
 * const leave = clocks.follow("page", open, (now) => console.log(now));
 * leave(); // the last follower: the interval is cleared
 * ```
 */
import { useEffect, useRef } from "preact/hooks";

/** An open feed, as its opener sees it. */
export interface Feed<T> {
  /** Hands `value` to every island following the feed now. */
  handOut(value: T): void;
  /** False once its last follower has left: a read ending after that is not to be done again. */
  readonly open: boolean;
}

/** Starts a key's feed (its reader, its subscription) and returns what stops it. */
export type OpenFeed<T> = (feed: Feed<T>) => () => void;

/** The page's feeds of one kind, by key. */
export interface SharedFeeds<K, T> {
  /**
   * Hands `follower` what `key`'s feed hands out until the returned function is called; the feed is opened
   * with `open` when no one follows the key yet (else `open` is not called).
   */
  follow(key: K, open: OpenFeed<T>, follower: (value: T) => void): () => void;
}

interface Entry<T> extends Feed<T> {
  followers: Set<(value: T) => void>;
  open: boolean;
  close: () => void;
}

export function sharedFeeds<K, T>(): SharedFeeds<K, T> {
  const feeds = new Map<K, Entry<T>>();
  return {
    follow(key, open, follower) {
      let entry = feeds.get(key);
      if (!entry) {
        const created: Entry<T> = {
          followers: new Set(),
          open: true,
          close: () => {},
          handOut(value) {
            for (const each of created.followers) each(value);
          },
        };
        feeds.set(key, created);
        created.close = open(created);
        entry = created;
      }
      const joined = entry;
      // Its own function, so that one follower following twice counts twice.
      const own = (value: T) => follower(value);
      joined.followers.add(own);
      let left = false;
      return () => {
        if (left) return;
        left = true;
        joined.followers.delete(own);
        if (joined.followers.size > 0) return;
        joined.close();
        joined.open = false;
        feeds.delete(key);
      };
    },
  };
}

/**
 * The hook form of `follow`: follows `key` while the island is mounted and `deps` stay the same; the latest
 * `onValue` is always the one called.
 */
export function useSharedFeed<K, T>(
  feeds: SharedFeeds<K, T>,
  key: K,
  open: OpenFeed<T>,
  onValue: (value: T) => void,
  deps: readonly unknown[],
): void {
  const handler = useRef(onValue);
  handler.current = onValue;
  useEffect(() => feeds.follow(key, open, (value) => handler.current(value)), deps);
}
