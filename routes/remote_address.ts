/**
 * The address of the peer of a request, as Deno.serve saw it, and the client behind it as far as the trusted
 * proxies let us believe (security/client_address.ts).
 */
import type { Context } from "hono";
import { resolveClient } from "../security/client_address.ts";
import type { IpList } from "../security/ip_list.ts";

export function remoteAddressOf(c: Context): string {
  const info = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  return info?.remoteAddr?.hostname ?? "unknown";
}

/** The client's address: X-Forwarded-For / X-Real-IP only when the peer is a trusted proxy. */
export function clientAddressOf(c: Context, trustedProxies: IpList): string {
  return resolveClient(c.req.raw, remoteAddressOf(c), trustedProxies).address;
}
