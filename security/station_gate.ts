/**
 * The security check of a station's WebSocket upgrade (OCPP 1.6 Security Whitepaper, profiles 0-3), run
 * before upgrading:
 *
 * - address: global ALLOWED_IPS, then the station's own allow-list, on the client address (X-Forwarded-For /
 *   X-Real-IP only from a trusted proxy);
 * - profile 1: HTTP Basic auth, username = charge point id, password = the station's AuthorizationKey,
 *   verified against its salted hash (or a key it was sent whose acceptance is not known yet, for
 *   PENDING_AUTHORIZATION_KEY_TTL_H after it went pending: the first handshake with that one makes it the key);
 *   profile 2: the same over TLS (our own, or a trusted proxy's per
 *   X-Forwarded-Proto); profile 3: a client certificate the trusted proxy verified (its verify header says
 *   SUCCESS) whose subject CN is the charge point id;
 * - a higher profile the station was sent and may have taken (Security Whitepaper A05, pending): its first
 *   handshake that meets it makes it the station's profile; until then its profile still lets it in;
 * - failures are answered 401 (with WWW-Authenticate) or 403 and recorded as security events; wrong Basic
 *   credentials (only those: not address, TLS or certificate refusals) cost growing back-off for that source
 *   (an IPv6 /64) and that charge point id together (429 with Retry-After while it lasts); key checks are
 *   also capped per source, at once and failed (security/station_key_checks.ts: 429 before any hashing).
 *
 * Credentials never reach a log line or an event.
 */
import type { Logger } from "../logger.ts";
import { hashPassword, verifyPassword } from "../auth/passwords.ts";
import type {
  PendingAuthorizationKey,
  SecurityProfile,
  StationSecurityRecord,
  StationSecurityStore,
} from "../store/station_security.ts";
import { settlePendingKey } from "./pending_key_settlement.ts";
import { isPendingKeyLive } from "./pending_key_expiry.ts";
import { raisingTo } from "./security_profile_raise.ts";
import { settleRaisedProfile } from "./security_profile_settlement.ts";
import { type AuthBackoff, backoffKey, backoffSource } from "./auth_backoff.ts";
import { type ClientInfo, resolveClient } from "./client_address.ts";
import { type IpList, parseIpList } from "./ip_list.ts";
import { OncePer } from "./once_per.ts";
import type { SecurityEventLog } from "./security_events.ts";
import type { StationKeyChecks } from "./station_key_checks.ts";

/**
 * PBKDF2 iterations for AuthorizationKeys. Deliberately far below the operators' 600,000: the key is a
 * machine secret of at least 16 characters (not a guessable password), online guessing is throttled by the
 * back-off, and every station reconnecting after a restart pays this once (20,000 stations x ~1.5 ms).
 */
export const AUTHORIZATION_KEY_ITERATIONS = 10_000;

export const BASIC_REALM = 'Basic realm="OCPP", charset="UTF-8"';

export function hashAuthorizationKey(key: string): Promise<string> {
  return hashPassword(key, AUTHORIZATION_KEY_ITERATIONS);
}

export interface StationGateSettings {
  /** For stations without their own profile (SECURITY_PROFILE). */
  defaultProfile: SecurityProfile;
  trustedProxies: IpList;
  allowedIps: IpList;
  /** Lower-case header names the trusted proxy sets after verifying a client certificate. */
  clientCertVerifyHeader: string;
  clientCertDnHeader: string;
  /**
   * Lower-case header name the trusted proxy sets to the verified certificate itself, URL-encoded PEM (nginx
   * $ssl_client_escaped_cert); unset, or absent from a request, nothing is read.
   */
  clientCertHeader?: string;
  /** PENDING_AUTHORIZATION_KEY_TTL_H in ms: a pending key older than this no longer lets the station in. */
  pendingKeyTtlMs: number;
}

export interface StationGateDeps {
  store: StationSecurityStore;
  backoff: AuthBackoff;
  events: SecurityEventLog;
  logger: Logger;
  now: () => Date;
  settings: StationGateSettings;
  /**
   * Key checks per source (running at once, failed ones budgeted): the back-off counts per id, so ids a source
   * never repeats escape it. Without it, unlimited.
   */
  keyChecks?: StationKeyChecks;
}

export type GateResult =
  | {
    ok: true;
    client: ClientInfo;
    profile: SecurityProfile;
    /** Profile 3: the client certificate the trusted proxy verified and forwarded (PEM), when it did. */
    clientCertificate?: string;
  }
  | {
    ok: false;
    client: ClientInfo;
    status: 401 | 403 | 429 | 503;
    /** For the operator: logs, security events, the handshake log. */
    reason: string;
    /** What the station is told instead of `reason`, when that would say too much. */
    told?: string;
    headers: Record<string, string>;
  };

/** A station certificate is 1-2 KiB as escaped PEM; a header far longer is not one. */
const MAX_FORWARDED_CERTIFICATE = 16 * 1024;

const NO_KEY = "No AuthorizationKey is set for this station";
const WRONG_USERNAME = "Basic auth username is not the charge point id";
const WRONG_KEY = "Wrong AuthorizationKey";
const EXPIRED_KEY = "AuthorizationKey sent to the station but not confirmed within " +
  "PENDING_AUTHORIZATION_KEY_TTL_H: expired, give the station its key another way";
/** Refusals whose difference would tell a guesser which stations have a key. */
const CREDENTIALS_REFUSED = new Set([NO_KEY, WRONG_USERNAME, WRONG_KEY, EXPIRED_KEY]);

export class StationGate {
  /** A source's 429s are one event per 10 s, not thousands. */
  #limitedEvents = new OncePer(10_000);
  #dummyHash: Promise<string> | undefined;

  constructor(private readonly deps: StationGateDeps) {}

  /** The client behind `peer`, as far as the proxy settings let us believe it. */
  client(request: Request, peer: string): ClientInfo {
    return resolveClient(request, peer, this.deps.settings.trustedProxies);
  }

  async check(request: Request, peer: string, id: string): Promise<GateResult> {
    const { settings, backoff, events } = this.deps;
    const client = this.client(request, peer);
    const nowMs = this.deps.now().getTime();
    // Only the source that guessed wrong waits, and only for this id: nobody else's failures can keep a
    // station with the right key out.
    const key = backoffKey(client.address, "cp", id);

    const refuse = (
      status: 401 | 403,
      reason: string,
      kind: "station_auth_failed" | "station_refused" | "certificate_rejected",
      delay = 0,
    ): Extract<GateResult, { ok: false }> => {
      events.record({ kind, chargePointId: id, remoteAddress: client.address, status, reason });
      return {
        ok: false,
        client,
        status,
        reason,
        headers: {
          ...(status === 401 ? { "www-authenticate": BASIC_REALM } : {}),
          ...(delay > 0 ? { "retry-after": String(Math.ceil(delay / 1000)) } : {}),
        },
      };
    };

    // Refusals no credential could change (address, TLS, certificate) are not guesses: they never count
    // towards the back-off.
    if (!settings.allowedIps.empty && !settings.allowedIps.has(client.address)) {
      return refuse(403, `Address ${client.address} is not in ALLOWED_IPS`, "station_refused");
    }
    let record;
    try {
      record = await this.deps.store.get(id);
    } catch (error) {
      return this.#unavailable(client, id, "station security settings unavailable", error);
    }
    if (record && record.allowedIps.length > 0 && !parseIpList(record.allowedIps).has(client.address)) {
      return refuse(403, `Address ${client.address} is not allowed for this station`, "station_refused");
    }
    const profile = record?.securityProfile ?? settings.defaultProfile;
    // Security Whitepaper A05: a station that accepted a higher profile reconnects with it, and its first
    // handshake that meets it makes it its profile (lower ones refused from then on). Until then its profile
    // still lets it in: it may not have reconnected yet. A handshake that does not meet the raise is no fault.
    const raise = raisingTo(record, profile, nowMs, settings.pendingKeyTtlMs);
    if (raise === 3 && client.secure && this.#certificateProblem(request, client, id) === null) {
      await this.#settleRaise(id, raise, client);
      return this.#certificateAdmitted(request, client, id);
    }
    if (profile === 0) {
      const raisedTo = (raise === 1 || (raise === 2 && client.secure)) &&
          request.headers.has("authorization")
        ? await this.#raisedWithKey(request, client, id, record, raise, key, nowMs)
        : null;
      return { ok: true, client, profile: raisedTo ?? profile };
    }
    if (profile >= 2 && !client.secure) {
      return refuse(403, `Security profile ${profile} requires TLS (wss://)`, "station_refused");
    }
    if (profile === 3) {
      // The proxy verified the chain; a certificate for another CN cannot be guessed, so it is no guess.
      const problem = this.#certificateProblem(request, client, id);
      if (problem) return refuse(403, problem, "certificate_rejected");
      return this.#certificateAdmitted(request, client, id);
    }

    try {
      const checked = await this.#checkKey(request, client, id, record, key, nowMs);
      if ("waitMs" in checked) return this.#rateLimited(client, id, checked.waitMs, nowMs);
      if ("problem" in checked) {
        const { problem } = checked;
        const result = refuse(401, problem, "station_auth_failed", await backoff.retryAfterMs(key, nowMs));
        // The operator's log says which; the station hears one answer, so nobody learns who has a key.
        return CREDENTIALS_REFUSED.has(problem)
          ? { ...result, told: "Wrong charge point id or AuthorizationKey" }
          : result;
      }
    } catch (error) {
      // A cluster keeps the back-off in PostgreSQL: while it cannot be reached, nobody is let in unchecked.
      return this.#unavailable(client, id, "station auth back-off unavailable", error);
    }
    // Profile 1 raised to 2: the same key, now over TLS.
    if (raise === 2 && client.secure) {
      await this.#settleRaise(id, raise, client);
      return { ok: true, client, profile: raise };
    }
    return { ok: true, client, profile };
  }

  /** Profile 3 passed: recorded, with the certificate the proxy forwarded. */
  #certificateAdmitted(request: Request, client: ClientInfo, id: string): GateResult {
    this.deps.events.record({
      kind: "certificate_accepted",
      chargePointId: id,
      remoteAddress: client.address,
      reason: "Client certificate verified by the trusted proxy",
    });
    const certificate = this.#forwardedCertificate(request);
    return {
      ok: true,
      client,
      profile: 3,
      ...(certificate === null ? {} : { clientCertificate: certificate }),
    };
  }

  /**
   * A profile 0 station raising to 1 or 2 that sent Basic credentials: `raise` when they are right (then it is
   * its profile), else null (it is let in at 0 all the same). A guess still counts towards the back-off, and a
   * source waiting out its back-off is not heard: the raise cannot be used to guess keys faster.
   */
  async #raisedWithKey(
    request: Request,
    client: ClientInfo,
    id: string,
    record: StationSecurityRecord | null,
    raise: SecurityProfile,
    key: string,
    nowMs: number,
  ): Promise<SecurityProfile | null> {
    try {
      if (!("passed" in await this.#checkKey(request, client, id, record, key, nowMs))) return null;
    } catch (error) {
      this.deps.logger.warn("cannot check the key of a station raising its security profile", {
        chargePointId: id,
        error: String(error),
      });
      return null;
    }
    await this.#settleRaise(id, raise, client);
    return raise;
  }

  /**
   * The Basic credentials under the back-off: `waitMs` while this source waits out its back-off (not heard),
   * the `problem` with them, or `passed` (the back-off cleared, a pending key they hold confirmed). Throws when
   * the back-off's store cannot be reached.
   */
  async #checkKey(
    request: Request,
    client: ClientInfo,
    id: string,
    record: StationSecurityRecord | null,
    key: string,
    nowMs: number,
  ): Promise<{ waitMs: number } | { problem: string } | { passed: true }> {
    // A station that sends no credentials (yet: some wait for the 401's challenge) costs no check.
    const turn = request.headers.has("authorization") && this.deps.keyChecks
      ? await this.deps.keyChecks.turn(client.address, nowMs)
      : null;
    if (turn && "retryAfterMs" in turn) return { waitMs: turn.retryAfterMs };
    let failed = false;
    try {
      // Counted before the key is checked (a success clears it), so a guesser cannot go on guessing while it
      // waits, nor get more guesses by sending its handshakes in parallel.
      const waitMs = await this.deps.backoff.attempt(key, nowMs);
      if (waitMs > 0) return { waitMs };
      const auth = await this.#basicAuth(request, id, record);
      if ("problem" in auth) {
        // Only refusals that hashed spend the source's budget (a malformed header costs nothing).
        failed = CREDENTIALS_REFUSED.has(auth.problem);
        return auth;
      }
      await this.deps.backoff.succeeded(key);
      if (auth.pendingKey !== null) await this.#confirmPendingKey(id, auth.pendingKey);
      return { passed: true };
    } finally {
      if (turn) await turn.release(failed);
    }
  }

  /**
   * The station met its pending profile: that is its profile from now on. A store that fails leaves it
   * pending (the next such handshake settles it); the station is let in all the same, it proved the higher one.
   */
  async #settleRaise(id: string, profile: SecurityProfile, client: ClientInfo): Promise<void> {
    try {
      await settleRaisedProfile(
        { ...this.deps, pendingKeyTtlMs: this.deps.settings.pendingKeyTtlMs },
        id,
        profile,
        client.address,
      );
    } catch (error) {
      this.deps.logger.warn("cannot settle a station's raised security profile", {
        chargePointId: id,
        error: String(error),
      });
    }
  }

  /** A refusal for a store the check needs that cannot be reached: the station is asked to retry. */
  #unavailable(client: ClientInfo, id: string, msg: string, error: unknown): GateResult {
    this.deps.logger.error(msg, { chargePointId: id, error: String(error) });
    return {
      ok: false,
      client,
      status: 503,
      reason: "Security settings unavailable; retry later",
      headers: { "retry-after": "10" },
    };
  }

  #rateLimited(client: ClientInfo, id: string, wait: number, nowMs: number): GateResult {
    const seconds = Math.ceil(wait / 1000);
    const reason = `Too many failed attempts; retry after ${seconds} s`;
    if (this.#limitedEvents.due(backoffSource(client.address), nowMs)) {
      this.deps.events.record({
        kind: "station_rate_limited",
        chargePointId: id,
        remoteAddress: client.address,
        status: 429,
        reason,
      });
    }
    return { ok: false, client, status: 429, reason, headers: { "retry-after": String(seconds) } };
  }

  /**
   * The station proved it holds the key it was sent: that key is its key from now on (the gate is not told
   * when a command's answer is read, nor whether it ever will be). A store that fails leaves the key pending,
   * still accepted: the station is let in all the same.
   */
  async #confirmPendingKey(id: string, hash: string): Promise<void> {
    try {
      await settlePendingKey({ ...this.deps, pendingKeyTtlMs: this.deps.settings.pendingKeyTtlMs }, {
        chargePointId: id,
        hash,
        taken: true,
        by: "station",
        at: this.deps.now().toISOString(),
        why: "AuthorizationKey confirmed: the station connected with the key it was sent",
      });
    } catch (error) {
      this.deps.logger.warn("cannot confirm a station's pending AuthorizationKey", {
        chargePointId: id,
        error: String(error),
      });
    }
  }

  /**
   * What is wrong with the Basic credentials, or which key they hold: `pendingKey` null for the station's key,
   * else the hash of the pending key (one it was sent) they match.
   */
  async #basicAuth(
    request: Request,
    id: string,
    record: StationSecurityRecord | null,
  ): Promise<{ problem: string } | { pendingKey: string | null }> {
    const header = request.headers.get("authorization");
    if (header === null) return { problem: "Basic authentication required" };
    const match = /^Basic\s+([A-Za-z0-9+/=]{1,1024})\s*$/i.exec(header);
    if (!match?.[1]) return { problem: "Authorization header is not Basic" };
    let decoded: string;
    try {
      const binary = atob(match[1]);
      decoded = new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)));
    } catch {
      return { problem: "Authorization header is not valid base64" };
    }
    // A charge point id may hold ':' (an RFC 7617 user-id cannot): the id expected is matched whole first.
    const colon = decoded.startsWith(`${id}:`) ? id.length : decoded.indexOf(":");
    const username = colon < 0 ? decoded : decoded.slice(0, colon);
    const password = colon < 0 ? "" : decoded.slice(colon + 1);
    const keyHash = record?.authorizationKeyHash ?? null;
    const nowMs = this.deps.now().getTime();
    const ttlMs = this.deps.settings.pendingKeyTtlMs;
    const all = record?.pendingAuthorizationKeys ?? [];
    const pending = all.filter((p) => isPendingKeyLive(p, nowMs, ttlMs));
    if (keyHash === null && pending.length === 0) {
      // The same work as a real check, so timing does not tell which stations have a key.
      this.#dummyHash ??= hashAuthorizationKey("not a real authorization key");
      await verifyPassword(password, await this.#dummyHash);
      return { problem: NO_KEY };
    }
    const matched = await keyMatched(password, keyHash, pending);
    // OCPP 1.6 Security Whitepaper §3.2.1: the username is the charge point identity.
    if (username !== id) return { problem: WRONG_USERNAME };
    if (matched !== undefined) return { pendingKey: matched };
    // Which expired key it was tells the operator that this station took it (no more hashing than while it
    // was live: a record holds at most MAX_PENDING_KEYS pending keys, live and expired together).
    const expired = all.filter((p) => !pending.includes(p));
    return { problem: await keyMatched(password, null, expired) === undefined ? WRONG_KEY : EXPIRED_KEY };
  }

  /**
   * The verified certificate the proxy forwarded (URL-encoded PEM, as nginx's $ssl_client_escaped_cert), or
   * null: only what the station's own certificate proves is taken from it, and only after the checks above.
   */
  #forwardedCertificate(request: Request): string | null {
    const header = this.deps.settings.clientCertHeader;
    const value = header ? request.headers.get(header) : null;
    if (!value || value.length > MAX_FORWARDED_CERTIFICATE) return null;
    try {
      const pem = decodeURIComponent(value);
      return pem.includes("-----BEGIN CERTIFICATE-----") ? pem : null;
    } catch {
      return null;
    }
  }

  #certificateProblem(request: Request, client: ClientInfo, id: string): string | null {
    if (!client.viaTrustedProxy) {
      return "Security profile 3 requires a client certificate verified by a trusted proxy";
    }
    const verify = request.headers.get(this.deps.settings.clientCertVerifyHeader);
    if (verify !== "SUCCESS") {
      return `Client certificate not verified by the proxy (${
        JSON.stringify((verify ?? "none").slice(0, 60))
      })`;
    }
    const dn = request.headers.get(this.deps.settings.clientCertDnHeader) ?? "";
    const cn = commonName(dn);
    if (cn !== id) {
      return `Client certificate CN ${
        JSON.stringify((cn ?? "none").slice(0, 60))
      } is not the charge point id`;
    }
    return null;
  }
}

/** Which key `password` is: null the station's key, else the hash of the pending key; undefined neither. */
async function keyMatched(
  password: string,
  keyHash: string | null,
  pending: readonly PendingAuthorizationKey[],
): Promise<string | null | undefined> {
  if (keyHash !== null && await verifyPassword(password, keyHash)) return null;
  // Newest first: the one most likely taken.
  for (const { hash } of pending.toReversed()) {
    if (await verifyPassword(password, hash)) return hash;
  }
  return undefined;
}

/**
 * The CN of a subject DN in RFC 2253 form (`CN=CP-1,O=Acme`, nginx $ssl_client_s_dn) or the legacy slash form
 * (`/O=Acme/CN=CP-1`); a value without `=` is taken as the CN itself. Null when there is no CN.
 *
 * @example
 * ```ts
 * commonName("CN=CP\\,1,O=Acme"); // "CP,1"
 * ```
 */
export function commonName(dn: string): string | null {
  const text = dn.trim();
  if (text === "") return null;
  if (!text.includes("=")) return text;
  const parts: string[] = [];
  if (text.startsWith("/")) {
    parts.push(...text.slice(1).split("/"));
  } else {
    let current = "";
    for (let i = 0; i < text.length; i++) {
      const ch = text[i] as string;
      if (ch === "\\" && i + 1 < text.length) {
        current += text[++i];
      } else if (ch === "," || ch === "+") {
        parts.push(current);
        current = "";
      } else {
        current += ch;
      }
    }
    parts.push(current);
  }
  const cns = parts.map((p) => p.trim()).filter((p) => /^cn=/i.test(p)).map((p) => p.slice(3));
  // More than one CN is ambiguous: refuse rather than guess.
  return cns.length === 1 ? (cns[0] as string) : null;
}
