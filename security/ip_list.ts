/**
 * Address lists (TRUSTED_PROXIES, ALLOWED_IPS, a station's allow-list): single IPv4/IPv6 addresses and CIDR
 * ranges, parsed once. IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) match their IPv4 form.
 *
 * @example
 * ```ts
 * const list = parseIpList("10.0.0.0/8, 192.168.1.7, fd00::/8");
 * list.has("10.1.2.3"); // true
 * list.has("192.168.1.8"); // false
 * ```
 */

export interface IpList {
  /** True when `address` is in one of the ranges. Unparseable addresses are never in a list. */
  has(address: string): boolean;
  readonly empty: boolean;
  /** The entries as given (normalised spacing), for display. */
  readonly entries: readonly string[];
}

interface Range {
  bytes: Uint8Array;
  prefix: number;
}

/** Parses a comma- (or whitespace-) separated list; throws naming the first bad entry. */
export function parseIpList(text: string | readonly string[]): IpList {
  const entries = (typeof text === "string" ? text.split(/[,\s]+/) : [...text]).map((e) => e.trim())
    .filter(Boolean);
  const ranges = entries.map(parseRange);
  return {
    empty: ranges.length === 0,
    entries,
    has(address: string): boolean {
      const bytes = parseIp(address);
      if (!bytes) return false;
      return ranges.some((r) => r.bytes.length === bytes.length && matches(r, bytes));
    },
  };
}

/** Null when `entry` is a valid address or CIDR, else why not. */
export function ipEntryProblem(entry: string): string | null {
  try {
    parseRange(entry);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * True when every address of `inner` is in `outer` (each an address or CIDR range, valid by `ipEntryProblem`).
 *
 * @example
 * ```ts
 * rangeWithin("10.1.2.0/24", "10.0.0.0/8"); // true
 * rangeWithin("10.0.0.0/8", "10.1.2.0/24"); // false
 * ```
 */
export function rangeWithin(inner: string, outer: string): boolean {
  const i = parseRange(inner);
  const o = parseRange(outer);
  return i.bytes.length === o.bytes.length && i.prefix >= o.prefix && matches(o, i.bytes);
}

function parseRange(entry: string): Range {
  const slash = entry.indexOf("/");
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const bytes = parseIp(address);
  if (!bytes) throw new Error(`"${entry}" is not an IP address or CIDR range`);
  // A mapped IPv4 address is written in IPv6: its prefix counts 128 bits (parseIp gives its 4 IPv4 bytes).
  const mapped = bytes.length === 4 && address.includes(":");
  const max = mapped ? 128 : bytes.length * 8;
  const prefixText = slash < 0 ? String(max) : entry.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= max)) throw new Error(`"${entry}" has a bad prefix length`);
  // A mapped IPv4 CIDR (::ffff:10.0.0.0/104) becomes the IPv4 range.
  return { bytes, prefix: mapped ? Math.max(0, prefix - 96) : prefix };
}

function matches(range: Range, bytes: Uint8Array): boolean {
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((range.bytes[i] ?? 0) & mask) !== ((bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** 4 bytes for IPv4 (and IPv4-mapped IPv6), 16 for IPv6; null when not an address. */
export function parseIp(text: string): Uint8Array | null {
  let s = text.trim();
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(":")) return parseIpv4(s);
  const v6 = parseIpv6(s);
  if (v6 && v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff) return v6.slice(12);
  return v6;
}

function parseIpv4(s: string): Uint8Array | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? "";
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    out[i] = Number(p);
  }
  return out;
}

function parseIpv6(s: string): Uint8Array | null {
  let tail: number[] = [];
  // A trailing dotted quad (::1.2.3.4) is two groups.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (quad?.[1]) {
    const v4 = parseIpv4(quad[1]);
    if (!v4) return null;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    s = s.slice(0, -quad[1].length);
    if (s.endsWith(":") && !s.endsWith("::")) s = s.slice(0, -1);
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const group = (g: string) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN);
  const head = halves[0] ? halves[0].split(":").map(group) : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(":").map(group) : [];
  const known = [...head, ...rest, ...tail];
  if (known.some((g) => Number.isNaN(g))) return null;
  let groups: number[];
  if (halves.length === 2) {
    const zeros = 8 - known.length;
    if (zeros < 1) return null;
    groups = [...head, ...new Array(zeros).fill(0), ...rest, ...tail];
  } else {
    groups = known;
  }
  if (groups.length !== 8) return null;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}
