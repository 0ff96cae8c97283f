/**
 * Who is really connecting: the direct peer, or, when that peer is a trusted reverse proxy, the client it
 * names in X-Forwarded-For / X-Real-IP. Proxy headers from anyone else are ignored: a station cannot claim
 * an address, TLS, or a client certificate by sending a header.
 *
 * @example
 * ```ts
 * import { parseIpList } from "./ip_list.ts";
 * const request = new Request("http://csms/ocpp/CP-1", { headers: { "x-forwarded-for": "203.0.113.9" } });
 * const client = resolveClient(request, "10.0.0.2", parseIpList("10.0.0.0/8"));
 * // client.address === "203.0.113.9", client.viaTrustedProxy === true
 * ```
 */
import type { IpList } from "./ip_list.ts";
import { parseIp } from "./ip_list.ts";

export interface ClientInfo {
  /** The TCP peer (the proxy, when there is one). */
  peer: string;
  /** The client's address as far as we can believe it. */
  address: string;
  /** The peer is a trusted proxy: its forwarded headers count. */
  viaTrustedProxy: boolean;
  /** The client's connection is TLS: ours, or the trusted proxy's (X-Forwarded-Proto: https). */
  secure: boolean;
}

export function resolveClient(request: Request, peer: string, trusted: IpList): ClientInfo {
  const direct = request.url.startsWith("https:");
  if (trusted.empty || !trusted.has(peer)) {
    return { peer, address: peer, viaTrustedProxy: false, secure: direct };
  }
  const proto = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  return {
    peer,
    address: forwardedAddress(request.headers, trusted) ?? peer,
    viaTrustedProxy: true,
    secure: direct || proto === "https" || proto === "wss",
  };
}

/**
 * The rightmost X-Forwarded-For hop that is not itself a trusted proxy (hops further left could be forged by
 * the client), else X-Real-IP; null when neither holds an address.
 */
function forwardedAddress(headers: Headers, trusted: IpList): string | null {
  const hops = (headers.get("x-forwarded-for") ?? "").split(",").map((h) => h.trim()).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (!parseIp(hop)) break;
    if (!trusted.has(hop) || i === 0) return hop;
  }
  const real = headers.get("x-real-ip")?.trim();
  return real && parseIp(real) ? real : null;
}
