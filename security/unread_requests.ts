/**
 * TCP connections whose HTTP request (its headers) has not arrived yet, per source: a slowloris client opens
 * many and sends its headers a byte now and then, so none ever reaches the app (MAX_CONNECTIONS counts station
 * sockets only) while each holds a file descriptor. A source (an IPv4 address, an IPv6 /64; its /48 has
 * PREFIX_48_SHARE times as many, so rotating /64s buys 16 caps, not 65,536) may have `perSource` such
 * connections (the listener asks for a place once one has been unread for 2 s, and closes it without one). Trusted proxies are exempt: nginx in front brings every
 * client from its one address (cap it there: `limit_conn`). In memory, per process.
 *
 * @example
 * ```ts
 * import { parseIpList } from "./ip_list.ts";
 * import { UnreadRequests } from "./unread_requests.ts";
 * const unread = new UnreadRequests(1, parseIpList("10.0.0.1"));
 * const release = unread.take("203.0.113.9"); // its headers arrived, or it closed: release?.()
 * unread.take("203.0.113.9"); // null: close this connection
 * unread.take("10.0.0.1"); // a release: the proxy is never capped
 * ```
 */
import type { IpList } from "./ip_list.ts";
import { SourceSlots } from "./source_slots.ts";

export class UnreadRequests {
  readonly #slots: SourceSlots;

  constructor(perSource: number, private readonly exempt: IpList) {
    this.#slots = new SourceSlots(perSource);
  }

  /** A place for a new connection from `address` (release it once its request arrived or it closed), or null. */
  take(address: string): (() => void) | null {
    return this.exempt.has(address) ? () => {} : this.#slots.take(address);
  }
}
