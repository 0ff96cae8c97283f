/**
 * Station security settings (admins only) and the security event log (operators and admins):
 *
 * - `GET    /api/v1/station-security`                          configured stations, sorted by id, paged
 * - `GET    /api/v1/station-security/{id}`                     one station's settings (defaults when none)
 * - `PATCH  /api/v1/station-security/{id}`                     set profile, AuthorizationKey, allow-list
 * - `POST   /api/v1/station-security/{id}/authorization-key`   generate a key, shown once
 * - `DELETE /api/v1/station-security/{id}/pending-authorization-keys`   forget keys sent but not settled
 * - `DELETE /api/v1/station-security/{id}`                     back to the defaults
 * - `GET    /api/v1/security-events`                           newest first, filtered, paged with `before`
 *
 * The AuthorizationKey is write-only: answers say only whether one is set. An API token that expires may tighten
 * the settings but not weaken them (`security/security_weakening.ts`, `outliving_grants.ts`): whom the server
 * lets in as the station would stay weakened after the token.
 */
import { isChargePointId } from "../../protocol/ocppj/charge_point_id.ts";
import { z } from "zod";
import type { SecurityProfile, StationSecurityRecord } from "../../store/station_security.ts";
import { ipEntryProblem } from "../../security/ip_list.ts";
import type { Security } from "../../security/mod.ts";
import { isSecurityEventId, SECURITY_EVENT_KINDS } from "../../security/security_events.ts";
import { hashAuthorizationKey } from "../../security/station_gate.ts";
import {
  keyAnswer,
  keyDelivery,
  newAuthorizationKey,
  withPendingKey,
} from "../../security/authorization_key_rotation.ts";
import { settlePendingKey as settleStoredPendingKey } from "../../security/pending_key_settlement.ts";
import {
  changeStationSecurity,
  isPendingKeyLive,
  pendingKeyExpiresAt,
  type PendingKeyExpiryDeps,
} from "../../security/pending_key_expiry.ts";
import { pendingProfileExpiresAt } from "../../security/security_profile_raise.ts";
import { securityWeakening } from "../../security/security_weakening.ts";
import { redactSecrets } from "../../protocol/ocppj/secret_values.ts";
import type { Store } from "../../store/mod.ts";
import { dialectOfStation } from "../../actors/dialects.ts";
import { commandApiError } from "./command_errors.ts";
import { pendingKeyFate } from "./pending_key_fate.ts";
import { type Principal, principalLabel } from "../../auth/principal.ts";
import { CLOSE_CODES } from "../../actors/charge_point.ts";
import type { Registry } from "../../actors/registry.ts";
import { ApiError, type ApiRouter } from "./http.ts";
import { refuseOutlivingGrant } from "./outliving_grants.ts";
import { ErrorSchema, limit, queryBoolean } from "./schemas.ts";

const Profile = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]);
const IdParam = z.object({ id: z.string().min(1).max(48) });
/**
 * The id of a write: settings for an id no station can connect as (a stray space, "CP 1") would protect
 * nothing while the real station connects at the fleet's default. Reads and deletes keep `IdParam`, so such a
 * record stored before this rule can still be seen and removed.
 */
const StationIdParam = z.object({
  id: z.string().refine(
    isChargePointId,
    "Not a charge point id (1 to 48 printable ASCII characters, no spaces)",
  ),
});
/** OCPP 1.6 Security Whitepaper: the AuthorizationKey has at least 16 characters. */
const AuthorizationKey = z.string().min(16).max(255).regex(/^[\x21-\x7e]+$/).describe(
  "16 to 255 printable ASCII characters; stored only as a salted hash",
);
const IpEntry = z.string().max(64).refine((e) => ipEntryProblem(e) === null, {
  message: "Must be an IP address or CIDR range",
});
const PatchBody = z.object({
  securityProfile: Profile.nullable().optional().describe("null: the global SECURITY_PROFILE applies"),
  authorizationKey: AuthorizationKey.nullable().optional().describe("null removes the key"),
  allowedIps: z.array(IpEntry).max(100).optional().describe("Empty: any address (within ALLOWED_IPS)"),
}).strict();
const ListQuery = z.object({
  after: z.string().max(48).optional().describe("Cursor: the nextCursor of the previous page"),
  limit: limit(100, 1000),
});
const EventsQuery = z.object({
  limit: limit(100, 1000),
  before: z.string().max(100).refine(isSecurityEventId, "not a nextCursor of this list").optional()
    .describe("Cursor: the nextCursor of the previous page"),
  kind: z.enum(SECURITY_EVENT_KINDS).optional(),
  chargePointId: z.string().max(100).optional(),
});

export const StationSecurityView = z.object({
  chargePointId: z.string(),
  configured: z.boolean().describe("False: nothing stored, the defaults apply"),
  securityProfile: Profile.nullable(),
  effectiveProfile: Profile.describe("The profile enforced: its own, else SECURITY_PROFILE"),
  hasAuthorizationKey: z.boolean(),
  pendingAuthorizationKeys: z.array(z.object({ since: z.string(), expiresAt: z.string() })).describe(
    "Keys sent to the station whose acceptance is not known (no answer yet or none came, or it takes a " +
      "reboot), oldest first, at most 3: the station may connect with one of them or its key, and its first " +
      "connection with one makes it the key. Each expires PENDING_AUTHORIZATION_KEY_TTL_H after it was sent " +
      "(listed only until then)",
  ),
  pendingSecurityProfile: z.object({ profile: Profile, since: z.string(), expiresAt: z.string() }).nullable()
    .describe(
      "A higher profile the station was sent (ChangeConfiguration SecurityProfile, Security Whitepaper A05) " +
        "and answered Accepted (or whose answer never came): its first connection that meets it makes it its " +
        "profile, and lower ones are refused from then on; until then its profile still lets it in. Null when " +
        "none, or once it expired (PENDING_AUTHORIZATION_KEY_TTL_H after it was sent) or a PATCH set the profile",
    ),
  allowedIps: z.array(z.string()),
  updatedBy: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
const SecurityEventView = z.object({
  id: z.string().describe("Sorts by time; a page's last id is the next page's cursor"),
  at: z.string(),
  kind: z.enum(SECURITY_EVENT_KINDS),
  chargePointId: z.string().nullable(),
  principal: z.string().nullable(),
  remoteAddress: z.string().nullable(),
  reason: z.string(),
  status: z.number().nullable(),
  messageId: z.string().optional().describe(
    "A station's own event (SecurityEventNotification, a refused CSR): the id of its CALL that caused it. " +
      "The log holds one event per station, message id, kind and reason: a CALL sent again is stored once",
  ),
});

const ERRORS = {
  400: { description: "Invalid request", schema: ErrorSchema },
  401: { description: "Not authenticated", schema: ErrorSchema },
  403: { description: "Role too low", schema: ErrorSchema },
};

export interface StationSecurityRouteOptions {
  security: Security;
  now: () => Date;
  /** Closes a connected station whose settings changed, so it must pass the new check; sends it a new key. */
  registry: Registry;
  /** Where the OCPP version of a station connected to another process is read. */
  store: Pick<Store, "getChargePoint">;
}

/** Writes station security settings: the routes', and the key a station accepted from an operator's command. */
export interface StationSecurityWriter {
  /**
   * Applies `change` to the stored record (400 when profile 1 or 2 would be left without a key), records a
   * security event, and closes a connected station that must pass the new check, unless `disconnect` is false.
   */
  save(
    id: string,
    by: string | null,
    change: SecurityChange,
    what: string[],
    disconnect?: boolean,
  ): Promise<StationSecurityRecord>;
  dropIfChanged(
    id: string,
    before: StationSecurityRecord | null,
    after: StationSecurityRecord | null,
  ): Promise<void>;
  /**
   * Stores `key` as a pending key of the station (see `StationSecurityRecord.pendingAuthorizationKeys`) before
   * it is sent; gives its hash for `settlePendingKey`.
   */
  pendKey(id: string, key: string, by: string | null, why: string): Promise<string>;
  /**
   * Settles the pending key `hash` (`taken`: it becomes the key, else it is forgotten) unless another key
   * replaced it meanwhile; gives the record as stored.
   */
  settlePendingKey(
    id: string,
    hash: string,
    taken: boolean,
    by: string | null,
    why: string,
  ): Promise<StationSecurityRecord | null>;
}

interface SecurityChange {
  securityProfile?: SecurityProfile | null;
  /** A new key (null: none) ends the pending keys too. */
  keyHash?: string | null;
  /** A key about to be sent to the station: pending until it is settled. */
  pendingKeyHash?: string;
  allowedIps?: string[];
  /** Throws to refuse the change as it would apply to the record stored when written. */
  guard?: (before: StationSecurityRecord | null, after: StationSecurityRecord) => void;
}

export function stationSecurityWriter(options: StationSecurityRouteOptions): StationSecurityWriter {
  const { security, now, registry } = options;
  const expiry = pendingKeyExpiry(options);

  /** A connected station is closed when what its handshake was checked against changed. */
  const dropIfChanged = async (
    id: string,
    before: StationSecurityRecord | null,
    after: StationSecurityRecord | null,
  ) => {
    const checked = (r: StationSecurityRecord | null) => {
      const profile = r?.securityProfile ?? security.defaultProfile;
      // The key counts only where it is checked (profiles 1 and 2).
      const key = profile === 1 || profile === 2 ? r?.authorizationKeyHash ?? null : null;
      return JSON.stringify([profile, key, [...(r?.allowedIps ?? [])].sort()]);
    };
    if (checked(before) === checked(after) || !registry.isConnected(id)) return;
    await registry.stop(id, CLOSE_CODES.securityChanged, "Security settings changed");
  };

  const save = async (
    id: string,
    by: string | null,
    change: SecurityChange,
    what: string[],
    disconnect = true,
  ): Promise<StationSecurityRecord> => {
    const at = now().toISOString();
    // Applied to the record as stored when written: two changes at once both stay, and the rule below is
    // checked against what is really stored (a key removed meanwhile cannot leave profile 1 without one).
    const { before: existing, after } = await changeStationSecurity(expiry, id, (existing) => {
      // A key set by hand ends the pending ones.
      const pending = change.pendingKeyHash !== undefined
        ? withPendingKey(existing?.pendingAuthorizationKeys, change.pendingKeyHash, at)
        : change.keyHash !== undefined
        ? undefined
        : existing?.pendingAuthorizationKeys;
      const record: StationSecurityRecord = {
        chargePointId: id,
        securityProfile: change.securityProfile !== undefined
          ? change.securityProfile
          : existing?.securityProfile ?? null,
        authorizationKeyHash: change.keyHash !== undefined
          ? change.keyHash
          : existing?.authorizationKeyHash ?? null,
        ...(pending !== undefined ? { pendingAuthorizationKeys: pending } : {}),
        // A profile the operator sets ends a raise pending; any other change keeps it.
        ...(change.securityProfile === undefined && existing?.pendingSecurityProfile
          ? { pendingSecurityProfile: existing.pendingSecurityProfile }
          : {}),
        allowedIps: change.allowedIps ?? existing?.allowedIps ?? [],
        updatedBy: by ?? "unknown",
        createdAt: existing?.createdAt ?? at,
        updatedAt: at,
      };
      change.guard?.(existing, record);
      const effective = record.securityProfile ?? security.defaultProfile;
      if ((effective === 1 || effective === 2) && record.authorizationKeyHash === null) {
        throw new ApiError(
          400,
          "invalid_request",
          `Security profile ${effective} needs an AuthorizationKey for "${id}"`,
          { in: "body", field: "authorizationKey" },
        );
      }
      return record;
    });
    const record = after as StationSecurityRecord;
    security.events.record({
      kind: "station_security_changed",
      chargePointId: id,
      principal: record.updatedBy,
      reason: what.join("; "),
    });
    if (disconnect) await dropIfChanged(id, existing, record);
    return record;
  };

  const pendKey = async (id: string, key: string, by: string | null, why: string) => {
    const hash = await hashAuthorizationKey(key);
    await save(id, by, { pendingKeyHash: hash }, [why], false);
    return hash;
  };

  const settlePendingKey = async (
    id: string,
    hash: string,
    taken: boolean,
    by: string | null,
    why: string,
  ) => {
    return await settleStoredPendingKey(expiry, {
      chargePointId: id,
      hash,
      taken,
      by: by ?? "unknown",
      at: now().toISOString(),
      why,
    });
  };

  return { save, dropIfChanged, pendKey, settlePendingKey };
}

/**
 * Refuses (403) a token that expires a change that lets in as the station someone the settings before kept out
 * (null: none stored, the defaults).
 */
function refuseWeakening(
  principal: Principal | null,
  before: StationSecurityRecord | null,
  after: StationSecurityRecord | null,
  options: StationSecurityRouteOptions,
): void {
  const { defaultProfile, pendingKeyTtlMs } = options.security;
  // A raise pending lapses as a pending key does (pendingProfileView).
  const raisedTo = pendingProfileView(before, options.now().getTime(), pendingKeyTtlMs)?.profile ?? null;
  const weakening = securityWeakening(before, after, defaultProfile, raisedTo);
  if (weakening !== null) refuseOutlivingGrant(principal, weakening);
}

/** The raise pending on `r` while it may still settle. */
function pendingProfileView(r: StationSecurityRecord | null, nowMs: number, ttlMs: number) {
  const pending = r?.pendingSecurityProfile;
  if (!pending) return null;
  const expiresAt = pendingProfileExpiresAt(pending, ttlMs);
  return nowMs < expiresAt
    ? { profile: pending.profile, since: pending.since, expiresAt: new Date(expiresAt).toISOString() }
    : null;
}

/** What changing a record needs to drop the pending keys expired by then. */
function pendingKeyExpiry(options: StationSecurityRouteOptions): PendingKeyExpiryDeps {
  const { store, events, pendingKeyTtlMs } = options.security;
  return { store, events, now: options.now, pendingKeyTtlMs };
}

export function addStationSecurityRoutes(router: ApiRouter, options: StationSecurityRouteOptions): void {
  const { security, registry } = options;
  const expiry = pendingKeyExpiry(options);
  const { save, dropIfChanged, pendKey, settlePendingKey } = stationSecurityWriter(options);

  /**
   * Sends `key` (stored as pending: `hash`) to the connected station; what it answered, "accepted" or
   * "afterReboot" (the key stays pending until the station connects with it). Refused or never sent, the key
   * is forgotten (409 or the command's error); when the answer is unknown (timed out, connection lost,
   * invalid) it stays pending, taken beside the old key, and the error carries it (the station may have taken
   * it: the operator must not lose it).
   */
  const deliverKey = async (id: string, key: string, hash: string, by: string | null) => {
    const dialect = await dialectOfStation(options, id, "ChangeConfiguration");
    const { action, payload } = keyDelivery(dialect.protocol.subprotocol, key);
    const forget = (why: string) => settlePendingKey(id, hash, false, by, why);
    let answer: unknown;
    try {
      // A late answer settles the key as this one would (command_answers.ts, told where the station is).
      answer = await registry.send(id, action, payload, {
        requestedBy: by ?? "unknown",
        force: true,
        answerEffects: true,
      });
    } catch (error) {
      const failure = commandApiError(error);
      if (pendingKeyFate({ error }) === "keep" && failure instanceof ApiError) {
        throw new ApiError(
          failure.status as 502 | 504,
          failure.code,
          `${failure.message}; the new AuthorizationKey stays pending: the station may connect with it or the ` +
            "old one, and its first connection with it makes it the key",
          { ...failure.details, authorizationKey: key, pending: true },
        );
      }
      await forget("Pending AuthorizationKey dropped: it did not reach the station");
      throw failure;
    }
    const outcome = keyAnswer(action, payload, answer);
    if (pendingKeyFate({ answer: outcome }) === "forget") {
      await forget("Pending AuthorizationKey dropped: the station did not accept it");
      throw new ApiError(
        409,
        "command_refused",
        `"${id}" did not accept the new AuthorizationKey: nothing stored`,
        {
          action,
          answer: redactSecrets(answer),
        },
      );
    }
    return outcome;
  };
  const store = security.store;

  const view = (id: string, r: StationSecurityRecord | null): z.infer<typeof StationSecurityView> => ({
    chargePointId: id,
    configured: r !== null,
    securityProfile: r?.securityProfile ?? null,
    effectiveProfile: r?.securityProfile ?? security.defaultProfile,
    hasAuthorizationKey: (r?.authorizationKeyHash ?? null) !== null,
    pendingAuthorizationKeys: (r?.pendingAuthorizationKeys ?? [])
      .filter((p) => isPendingKeyLive(p, options.now().getTime(), security.pendingKeyTtlMs))
      .map((p) => ({
        since: p.since,
        expiresAt: new Date(pendingKeyExpiresAt(p, security.pendingKeyTtlMs)).toISOString(),
      })),
    pendingSecurityProfile: pendingProfileView(r, options.now().getTime(), security.pendingKeyTtlMs),
    allowedIps: r?.allowedIps ?? [],
    updatedBy: r?.updatedBy ?? null,
    updatedAt: r?.updatedAt ?? null,
  });

  router.add({
    method: "get",
    path: "/v1/station-security",
    operationId: "listStationSecurity",
    summary: "Stations with their own security settings, sorted by id",
    tag: "Security",
    access: "admin",
    query: ListQuery,
    responses: {
      200: {
        description: "A page",
        schema: z.object({ items: z.array(StationSecurityView), nextCursor: z.string().nullable() }),
      },
      ...ERRORS,
    },
  }, async (c, { query }) => {
    const records = await store.list({
      limit: query.limit,
      ...(query.after !== undefined ? { after: query.after } : {}),
    });
    const last = records.at(-1);
    return c.json({
      items: records.map((r) => view(r.chargePointId, r)),
      nextCursor: records.length >= query.limit && last ? last.chargePointId : null,
    });
  });

  router.add({
    method: "get",
    path: "/v1/station-security/{id}",
    operationId: "getStationSecurity",
    summary: "One station's security settings (the defaults when it has none)",
    tag: "Security",
    access: "admin",
    params: IdParam,
    responses: { 200: { description: "Settings", schema: StationSecurityView }, ...ERRORS },
  }, async (c, { params }) => c.json(view(params.id, await store.get(params.id))));

  router.add({
    method: "patch",
    path: "/v1/station-security/{id}",
    operationId: "updateStationSecurity",
    summary: "Set a station's security profile, AuthorizationKey and address allow-list",
    description: "Omitted fields keep their value. Profiles 1 and 2 need an AuthorizationKey. " +
      "A connected station whose profile, key or allow-list changes is disconnected (close code 4002) and " +
      "must pass the new check to come back. An API token that expires may not set a key, lower the " +
      "effective profile, end a pending raise below its profile or let in an address the allow-list did " +
      "not (403): that would outlive it.",
    tag: "Security",
    access: "admin",
    params: StationIdParam,
    body: PatchBody,
    responses: { 200: { description: "Updated", schema: StationSecurityView }, ...ERRORS },
  }, async (c, { params, body, principal }) => {
    const what: string[] = [];
    const change: Parameters<typeof save>[2] = {
      guard: (before, after) => refuseWeakening(principal, before, after, options),
    };
    if (body.securityProfile !== undefined) {
      change.securityProfile = body.securityProfile;
      what.push(`securityProfile set to ${body.securityProfile ?? "default"}`);
    }
    if (body.authorizationKey !== undefined) {
      // A key is the station's password: set by a token that expires, its holder could connect as the station
      // after it. Removing one is allowed.
      if (body.authorizationKey !== null) refuseOutlivingGrant(principal, "set a station's AuthorizationKey");
      change.keyHash = body.authorizationKey === null
        ? null
        : await hashAuthorizationKey(body.authorizationKey);
      what.push(body.authorizationKey === null ? "AuthorizationKey removed" : "AuthorizationKey set");
    }
    if (body.allowedIps !== undefined) {
      change.allowedIps = body.allowedIps;
      what.push(`allowedIps set to [${body.allowedIps.join(", ")}]`);
    }
    const by = principal ? principalLabel(principal) : null;
    const record = await save(params.id, by, change, what.length ? what : ["no change"]);
    return c.json(view(params.id, record));
  });

  router.add({
    method: "post",
    path: "/v1/station-security/{id}/authorization-key",
    operationId: "generateAuthorizationKey",
    summary: "Generate a new AuthorizationKey (shown only in this answer)",
    description:
      "A connected station is sent the key first (OCPP 1.6 ChangeConfiguration AuthorizationKey, " +
      "2.0.1 SetVariables SecurityCtrlr.BasicAuthPassword) and it is stored only when the station accepts it " +
      "(the station then reconnects with it; 409 when it does not accept). Until the answer is read the key " +
      "is pending: the station may connect with it or its old key, and its first connection with the new one " +
      "makes it the key. When no answer comes (504) it stays pending and the error's details carry it " +
      "(`authorizationKey`, `pending: true`); so it does after RebootRequired (200, `pending: true`). " +
      "A station that is not connected " +
      "gets the key stored at once: give it to the station another way before it reconnects at profile 1 or 2. " +
      "With `deliver=false` (a leaked key: the connected one may be an impostor) the key is stored at once and " +
      "a connected station is closed (4002), as a PATCH of the key does.",
    tag: "Security",
    access: "admin",
    params: StationIdParam,
    query: z.object({
      deliver: queryBoolean.optional().describe("Send the key to a connected station first (default true)"),
    }),
    responses: {
      200: {
        description: "The new key",
        schema: StationSecurityView.extend({
          authorizationKey: z.string(),
          delivered: z.boolean().describe("Whether the connected station accepted it"),
          pending: z.boolean().describe(
            "The station takes it after a reboot: pending until the station connects with it",
          ),
        }),
      },
      ...ERRORS,
      409: {
        description: "The connected station did not accept the key (nothing stored), or it did but the " +
          "settings changed meanwhile (details.authorizationKey: the key it holds, not stored)",
        schema: ErrorSchema,
      },
      502: {
        description: "The station's answer was invalid: the key stays pending (details.authorizationKey)",
        schema: ErrorSchema,
      },
      504: {
        description: "No answer in time, or the connection closed after the key went out: the key stays " +
          "pending (details.authorizationKey)",
        schema: ErrorSchema,
      },
    },
  }, async (c, { params, query, principal }) => {
    // The key is shown in this answer: a token that expires would hold a station's password after it.
    refuseOutlivingGrant(principal, "generate a station's AuthorizationKey");
    // Also on errors: one that leaves the key pending carries it.
    c.header("cache-control", "no-store");
    const key = newAuthorizationKey();
    const by = principal ? principalLabel(principal) : null;
    const delivered = (query.deliver ?? true) && registry.isConnected(params.id);
    if (!delivered) {
      const record = await save(params.id, by, { keyHash: await hashAuthorizationKey(key) }, [
        "AuthorizationKey generated",
      ]);
      return c.json({ ...view(params.id, record), authorizationKey: key, delivered, pending: false });
    }
    // Pending before it is sent: a station that takes it and reconnects at once is let in with it.
    const hash = await pendKey(params.id, key, by, "AuthorizationKey generated and sent (pending)");
    const outcome = await deliverKey(params.id, key, hash, by);
    const record = outcome === "accepted"
      ? await settlePendingKey(params.id, hash, true, by, "AuthorizationKey accepted by the station")
      : await store.get(params.id);
    const kept = record?.authorizationKeyHash === hash ||
      (record?.pendingAuthorizationKeys ?? []).some((p) => p.hash === hash);
    if (!kept) {
      // Forgotten or replaced while it was on its way: the station holds a key we do not.
      throw new ApiError(
        409,
        "conflict",
        `"${params.id}" took the new AuthorizationKey, but its settings changed meanwhile: the key is not ` +
          "stored; set it (PATCH) or generate another",
        { authorizationKey: key },
      );
    }
    return c.json({
      ...view(params.id, record),
      authorizationKey: key,
      delivered,
      pending: outcome === "afterReboot",
    });
  });

  router.add({
    method: "delete",
    path: "/v1/station-security/{id}/pending-authorization-keys",
    operationId: "dropPendingAuthorizationKeys",
    summary: "Forget the keys sent to the station whose acceptance is not known",
    description:
      "Only the station's key lets it in afterwards: a station that took one of them (its answer " +
      "never came) must be given its key another way. A connected station stays connected.",
    tag: "Security",
    access: "admin",
    params: IdParam,
    responses: { 200: { description: "Settings", schema: StationSecurityView }, ...ERRORS },
  }, async (c, { params, principal }) => {
    const at = options.now().toISOString();
    const updatedBy = principal ? principalLabel(principal) : "unknown";
    const { before, after } = await changeStationSecurity(expiry, params.id, (stored) => {
      if (!stored?.pendingAuthorizationKeys) return undefined;
      const { pendingAuthorizationKeys: _dropped, ...rest } = stored;
      return { ...rest, updatedBy, updatedAt: at };
    });
    if (after !== before) {
      security.events.record({
        kind: "station_security_changed",
        chargePointId: params.id,
        principal: updatedBy,
        reason: `Pending AuthorizationKeys dropped (${before?.pendingAuthorizationKeys?.length ?? 0})`,
      });
    }
    return c.json(view(params.id, after));
  });

  router.add({
    method: "delete",
    path: "/v1/station-security/{id}",
    operationId: "deleteStationSecurity",
    summary: "Remove a station's security settings (the defaults apply again)",
    description: "An API token that expires may not when that lowers the effective profile, ends an " +
      "allow-list or a pending raise (403): that would outlive it.",
    tag: "Security",
    access: "admin",
    params: IdParam,
    responses: {
      204: { description: "Removed" },
      ...ERRORS,
      404: { description: "Nothing stored", schema: ErrorSchema },
    },
  }, async (c, { params, principal }) => {
    const { before: existing } = await store.change(params.id, (stored) => {
      if (!stored) return undefined;
      refuseWeakening(principal, stored, null, options);
      return null;
    });
    if (!existing) {
      throw new ApiError(404, "not_found", `Charge point "${params.id}" has no security settings`);
    }
    security.events.record({
      kind: "station_security_deleted",
      chargePointId: params.id,
      principal: principal ? principalLabel(principal) : null,
      reason: "Security settings removed",
    });
    await dropIfChanged(params.id, existing, null);
    return c.body(null, 204);
  });

  router.add({
    method: "get",
    path: "/v1/security-events",
    operationId: "listSecurityEvents",
    summary: "Security events, newest first, from the durable log every process on the store shares",
    description: "Kept up to 100,000 events or 90 days. `source` is `memory` when the store failed: then " +
      "only this process's recent events are listed.",
    tag: "Security",
    access: "operator",
    query: EventsQuery,
    responses: {
      200: {
        description: "Events",
        schema: z.object({
          items: z.array(SecurityEventView),
          nextCursor: z.string().nullable(),
          source: z.enum(["store", "memory"]),
        }),
      },
      ...ERRORS,
    },
  }, async (c, { query }) =>
    c.json(
      await security.events.page({
        limit: query.limit,
        ...(query.before !== undefined ? { before: query.before } : {}),
        ...(query.kind !== undefined ? { kind: query.kind } : {}),
        ...(query.chargePointId !== undefined ? { chargePointId: query.chargePointId } : {}),
      }),
    ));
}
