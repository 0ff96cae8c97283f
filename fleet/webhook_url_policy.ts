/**
 * Where webhooks may be delivered (the SSRF policy). A webhook URL is typed by an operator but fetched by the
 * server, from inside the operator's network: without a policy it is a way to reach what only the server can
 * (metadata services, databases, admin pages on loopback). The rules:
 *
 * - `http:` or `https:` only, no user name or password in the URL (the signature authenticates us);
 * - the host name is resolved (A and AAAA) and EVERY address must be public: loopback, private (RFC 1918,
 *   unique local), link-local (169.254/16, where cloud metadata lives), carrier-grade NAT, multicast,
 *   documentation, benchmarking, unspecified and reserved ranges, and IPv6 forms of them (mapped IPv4, NAT64)
 *   are refused;
 * - except what the operator allows: loopback with `WEBHOOK_ALLOW_LOOPBACK=true` (tests, a local relay) and
 *   any range listed in `WEBHOOK_ALLOWED_NETWORKS` (an internal receiver);
 * - the check runs when a subscription is saved AND before every delivery attempt (DNS can change), and
 *   redirects are never followed (a 3xx is a failed attempt), so a public URL cannot bounce a delivery inward.
 *
 * What it cannot close: between our check and the connection, a hostile DNS server may answer differently
 * (DNS rebinding). Plain-http deliveries therefore connect to the address we checked; for https the TLS
 * certificate must still match the host name, which a rebinding attacker rarely holds.
 *
 * @example
 * ```ts
 * const policy = webhookUrlPolicy({ allowLoopback: false, allowedNetworks: "" });
 * await policy.check("http://169.254.169.254/latest", async () => []);
 * // { ok: false, reason: 'address 169.254.169.254 is link-local; ...' }
 * ```
 */
import { type IpList, parseIp, parseIpList } from "../security/ip_list.ts";

export type Resolve = (hostname: string) => Promise<string[]>;

export type UrlVerdict =
  | { ok: true; url: URL; addresses: string[] }
  | { ok: false; reason: string };

export interface WebhookUrlPolicyOptions {
  allowLoopback: boolean;
  /** Comma-separated addresses or CIDRs allowed although not public. */
  allowedNetworks: string | readonly string[];
}

const LOOPBACK = parseIpList("127.0.0.0/8, ::1/128");

/** Ranges that are not the public Internet, with the word the refusal uses. */
const BLOCKED: readonly [string, IpList][] = [
  ["unspecified", parseIpList("0.0.0.0/8, ::/128")],
  ["private", parseIpList("10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7")],
  ["carrier-grade NAT", parseIpList("100.64.0.0/10")],
  ["link-local", parseIpList("169.254.0.0/16, fe80::/10")],
  ["multicast", parseIpList("224.0.0.0/4, ff00::/8")],
  [
    "reserved",
    parseIpList(
      "240.0.0.0/4, 192.0.0.0/24, 192.88.99.0/24, 100::/64, 2001::/23, 64:ff9b::/96, 64:ff9b:1::/48, " +
        "2002::/16, ::/96",
    ),
  ],
  ["documentation", parseIpList("192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32")],
  ["benchmarking", parseIpList("198.18.0.0/15")],
];

export interface WebhookUrlPolicy {
  check(url: string, resolve: Resolve): Promise<UrlVerdict>;
}

export function webhookUrlPolicy(options: WebhookUrlPolicyOptions): WebhookUrlPolicy {
  const allowed = parseIpList(options.allowedNetworks);
  const refusal = (address: string): string | null => {
    if (allowed.has(address)) return null;
    if (LOOPBACK.has(address)) {
      return options.allowLoopback
        ? null
        : `address ${address} is loopback; set WEBHOOK_ALLOW_LOOPBACK=true to allow it`;
    }
    for (const [kind, list] of BLOCKED) {
      if (list.has(address)) {
        return `address ${address} is ${kind}; list it in WEBHOOK_ALLOWED_NETWORKS to allow it`;
      }
    }
    return null;
  };
  return {
    async check(text, resolve) {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        return { ok: false, reason: `"${text}" is not a URL` };
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        return { ok: false, reason: `scheme "${url.protocol}" is not http or https` };
      }
      if (url.username !== "" || url.password !== "") {
        return { ok: false, reason: "a user name or password in the URL is not accepted" };
      }
      const host = url.hostname.replace(/^\[|\]$/g, "");
      let addresses: string[];
      if (parseIp(host) !== null) {
        addresses = [host];
      } else if (host === "localhost" || host.endsWith(".localhost")) {
        // Never sent to DNS (RFC 6761): always this machine.
        addresses = ["127.0.0.1", "::1"];
      } else {
        try {
          addresses = await resolve(host);
        } catch (error) {
          return {
            ok: false,
            reason: `cannot resolve "${host}": ${error instanceof Error ? error.message : error}`,
          };
        }
        if (addresses.length === 0) return { ok: false, reason: `"${host}" has no address` };
      }
      for (const address of addresses) {
        const why = refusal(address);
        if (why !== null) return { ok: false, reason: why };
      }
      return { ok: true, url, addresses };
    },
  };
}

/** Resolves A and AAAA records with Deno's resolver (not /etc/hosts: the policy sees what DNS says). */
export const resolveWithDns: Resolve = async (hostname) => {
  const results = await Promise.allSettled([
    Deno.resolveDns(hostname, "A"),
    Deno.resolveDns(hostname, "AAAA"),
  ]);
  const addresses = results.flatMap((r) => (r.status === "fulfilled" ? r.value : []));
  if (addresses.length === 0) {
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  }
  return addresses;
};
