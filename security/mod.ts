/**
 * Everything station and operator security needs, built once from the Config: the station gate (profiles,
 * allow-lists, auth back-off), the operators' login guard, the refused-handshake throttle, the security event
 * log (written behind to the StationSecurityStore; `events.close()` at shutdown writes what is pending), each
 * station's quota in it, and the per-station message-rate settings. server.ts builds it; routes/app.ts hands
 * its parts to the /ocpp upgrade and the API.
 *
 * @example
 * ```ts ignore
 * const security = createSecurity(config, { store: stationSecurityStore, logger, now });
 * security.gate.check(request, "10.0.0.9", "CP-1");
 * ```
 */
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { StationSecurityStore } from "../store/station_security.ts";
import {
  type AuthBackoff,
  type AuthBackoffOptions,
  MemoryAuthBackoff,
  PREFIX_48_SHARE,
} from "./auth_backoff.ts";
import { type IpList, parseIpList } from "./ip_list.ts";
import { LoginGuard } from "../auth/login_guard.ts";
import { LoginSlots } from "../auth/login_slots.ts";
import type { MessageRateOptions } from "./message_rate.ts";
import { RefusalThrottle } from "./refusal_throttle.ts";
import { SecurityEventLog } from "./security_events.ts";
import { StationGate } from "./station_gate.ts";
import { StationEventQuota } from "./station_event_quota.ts";
import { StationKeyChecks } from "./station_key_checks.ts";
import type { SharedFailureBudgets } from "./shared_failure_budgets.ts";

export interface Security {
  store: StationSecurityStore;
  gate: StationGate;
  loginGuard: LoginGuard;
  events: SecurityEventLog;
  /** A station's quota in `events`; `close()` it before `events` (it reports the drops still counted). */
  stationEventQuota: StationEventQuota;
  messageRate: MessageRateOptions;
  /** Refused handshakes per source: past the budget, quiet (no log line each) and 429 for cheap refusals. */
  refusals: RefusalThrottle;
  trustedProxies: IpList;
  defaultProfile: 0 | 1 | 2 | 3;
  /** PENDING_AUTHORIZATION_KEY_TTL_H in ms. */
  pendingKeyTtlMs: number;
}

export function createSecurity(
  config: Config,
  deps: {
    store: StationSecurityStore;
    logger: Logger;
    now: () => Date;
    /** Back-off counts kept for the whole cluster (PostgreSQL); default this process's memory. */
    backoff?: (options: AuthBackoffOptions) => AuthBackoff;
    /** The station key checks' failure budgets of the whole cluster (PostgreSQL), besides this process's. */
    keyCheckBudgets?: SharedFailureBudgets;
  },
): Security {
  const trustedProxies = namedList("TRUSTED_PROXIES", config.TRUSTED_PROXIES);
  const allowedIps = namedList("ALLOWED_IPS", config.ALLOWED_IPS);
  const events = new SecurityEventLog(deps.logger, deps.now, {
    store: deps.store,
    sources: new RefusalThrottle({
      burst: config.SECURITY_EVENT_SOURCE_BURST,
      perSecond: config.SECURITY_EVENT_SOURCE_RATE,
    }),
  });
  const pendingKeyTtlMs = config.PENDING_AUTHORIZATION_KEY_TTL_H * 3_600_000;
  const backoffOptions: AuthBackoffOptions = {
    freeFailures: config.AUTH_FREE_FAILURES,
    baseMs: config.AUTH_BACKOFF_BASE_S * 1000,
    maxMs: config.AUTH_BACKOFF_MAX_S * 1000,
  };
  const backoff = (options = backoffOptions) => deps.backoff?.(options) ?? new MemoryAuthBackoff(options);
  const stationEventQuota = new StationEventQuota({
    max: config.STATION_SECURITY_EVENT_MAX,
    windowMs: config.STATION_SECURITY_EVENT_WINDOW_S * 1000,
    reportEveryMs: config.STATION_SECURITY_EVENT_REPORT_S * 1000,
  }, {
    history: (chargePointId, query) => deps.store.listSecurityEvents({ chargePointId, ...query }),
    record: (event) => events.record(event),
    now: deps.now,
    onHistoryError: (chargePointId, error) =>
      deps.logger.warn("security event quota: history unavailable; counting from now", {
        chargePointId,
        error: String(error),
      }),
  });
  return {
    store: deps.store,
    events,
    stationEventQuota,
    trustedProxies,
    defaultProfile: config.SECURITY_PROFILE,
    pendingKeyTtlMs,
    gate: new StationGate({
      store: deps.store,
      backoff: backoff(),
      events,
      logger: deps.logger,
      now: deps.now,
      settings: {
        defaultProfile: config.SECURITY_PROFILE,
        trustedProxies,
        allowedIps,
        clientCertVerifyHeader: config.CLIENT_CERT_VERIFY_HEADER.toLowerCase(),
        clientCertDnHeader: config.CLIENT_CERT_DN_HEADER.toLowerCase(),
        clientCertHeader: config.CLIENT_CERT_HEADER.toLowerCase(),
        pendingKeyTtlMs,
      },
      keyChecks: new StationKeyChecks({
        perSource: config.STATION_AUTH_CHECKS_PER_SOURCE,
        failureBurst: config.STATION_AUTH_FAILURE_BURST,
        failuresPerSecond: config.STATION_AUTH_FAILURE_RATE,
        ...(deps.keyCheckBudgets
          ? {
            shared: deps.keyCheckBudgets,
            onSharedError: (error: unknown) =>
              deps.logger.warn("cannot reach the cluster's key check budgets; this node's alone apply", {
                error: String(error),
              }),
          }
          : {}),
      }),
    }),
    loginGuard: new LoginGuard({
      backoff: backoff(),
      // A /48 gets as many free failures as PREFIX_48_SHARE /64s, then the same growing waits.
      prefixBackoff: backoff({
        ...backoffOptions,
        freeFailures: backoffOptions.freeFailures * PREFIX_48_SHARE,
      }),
      events,
      now: deps.now,
      slots: new LoginSlots(config.LOGIN_CHECKS_PER_SOURCE),
    }),
    refusals: new RefusalThrottle({
      burst: config.HANDSHAKE_REFUSAL_BURST,
      perSecond: config.HANDSHAKE_REFUSAL_RATE,
    }),
    messageRate: {
      rate: config.STATION_MSG_RATE,
      burst: config.STATION_MSG_BURST,
      closeAfter: config.STATION_FLOOD_CLOSE_AFTER,
    },
  };
}

function namedList(name: string, text: string): IpList {
  try {
    return parseIpList(text);
  } catch (error) {
    throw new Error(`Invalid settings: ${name}: ${(error as Error).message}`);
  }
}
