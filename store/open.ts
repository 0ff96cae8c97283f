/**
 * Builds the configured stores: PostgreSQL when DATABASE_URL is set, else embedded Deno KV. The Store, the
 * operators' AuthStore, the StationSecurityStore, the EnergyStore, the Security extension's stores and the
 * FleetStore share one KV handle: separate handles on one SQLite file contend for its write lock ("database is locked" under load, seen in the 51,000-station bench).
 */
import { type Config, securityEventRetention } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { CommitObserver } from "./group_commit.ts";
import type { AuthStore } from "./auth.ts";
import type { EnergyStore } from "./energy.ts";
import type { Store } from "./mod.ts";
import type { StationSecurityStore } from "./station_security.ts";
import type { SecurityExtensionStores } from "./security_extension.ts";
import type { FleetStore } from "./fleet.ts";
import { kvRefusesEveryWrite } from "./kv/unwritable.ts";
import { refusesEveryWrite as pgRefusesEveryWrite } from "./postgres/sql.ts";

export interface Stores {
  store: Store;
  auth: AuthStore;
  stationSecurity: StationSecurityStore;
  /** Sites and stored charging profiles (load management). */
  energy: EnergyStore;
  /** The OCPP 1.6 Security extension's PKI, file records and blobs. */
  securityExtension: SecurityExtensionStores;
  /** Fleet operations: jobs, webhooks, reservations, the managed local list, DataTransfer, retention. */
  fleet: FleetStore;
  /** Closes all of them (the shared handle or the pools) once. */
  close(): Promise<void>;
  /** The KV handle they share (KV only): the cluster on Deno Deploy uses it too, not a second one. */
  kv?: Deno.Kv;
}

export interface OpenOptions {
  /** Told about each group commit of the station store (metrics). */
  commitObserver?: CommitObserver;
}

export async function openStores(config: Config, logger: Logger, options: OpenOptions = {}): Promise<Stores> {
  if (config.DATABASE_URL) {
    const [
      { openPostgresStore },
      { openPostgresAuthStore },
      { openPostgresStationSecurityStore },
      { openPostgresEnergyStore },
      { openPostgresSecurityExtension },
      { openPostgresFleetStore },
      { guardAgainstConnectionLoss },
    ] = await Promise.all([
      import("./postgres/mod.ts"),
      import("./postgres/auth.ts"),
      import("./postgres/station_security.ts"),
      import("./postgres/energy.ts"),
      import("./postgres/security_extension.ts"),
      import("./postgres/fleet.ts"),
      import("./postgres/connection_loss_guard.ts"),
    ]);
    guardAgainstConnectionLoss(logger);
    const store = await openPostgresStore(config.DATABASE_URL, {
      ...options,
      groupCommitMaxInFlight: config.PG_COMMITS_IN_FLIGHT,
    });
    // The first open ran the migrations; the others only connect.
    const auth = await openPostgresAuthStore(config.DATABASE_URL, { migrate: false });
    const stationSecurity = await openPostgresStationSecurityStore(config.DATABASE_URL, {
      migrate: false,
      retention: securityEventRetention(config),
    });
    const energy = await openPostgresEnergyStore(config.DATABASE_URL, { migrate: false });
    const securityExtension = await openPostgresSecurityExtension(config.DATABASE_URL, { migrate: false });
    const fleet = await openPostgresFleetStore(config.DATABASE_URL, { migrate: false });
    logger.info("store opened", { kind: "postgres", url: redact(config.DATABASE_URL) });
    return {
      store,
      auth,
      stationSecurity,
      energy,
      securityExtension,
      fleet,
      close: async () => {
        await Promise.all([
          store.close(),
          auth.close(),
          stationSecurity.close(),
          energy.close(),
          securityExtension.close(),
          fleet.close(),
        ]);
      },
    };
  }
  const [
    { KvStore, openKvStoreHandle },
    { KvAuthStore },
    { KvStationSecurityStore },
    { KvEnergyStore },
    { kvSecurityExtension },
    { kvFleetStore },
    { ADAPTIVE_BATCH_FROM, ADAPTIVE_JOURNAL_FROM, hasJournalEntries },
  ] = await Promise.all([
    import("./kv/mod.ts"),
    import("./kv/auth.ts"),
    import("./kv/station_security.ts"),
    import("./kv/energy.ts"),
    import("./kv/security_extension.ts"),
    import("./kv/fleet.ts"),
    import("./kv/meter_journal.ts"),
  ]);
  // On Deno Deploy KV is built in and takes no path.
  const path = config.DENO_DEPLOYMENT_ID ? undefined : config.KV_PATH;
  const kv = await openKvStoreHandle(path, { warn: (msg, fields) => logger.warn(msg, fields) });
  logger.info("store opened", { kind: "kv", path: path ?? "(Deno Deploy)" });
  // One process owns a local file: meter values may go through its journal (not on Deno Deploy), for the
  // stations that send often enough for it to pay. Entries a crash left behind turn it on for this run, so
  // they are applied even when it is off now (then it journals nothing new).
  const on = config.KV_METER_JOURNAL === "on";
  const journal = path !== undefined && (on || await hasJournalEntries(kv));
  const store = new KvStore(kv, {
    ...options,
    meterJournal: journal &&
      { journalFrom: on ? ADAPTIVE_JOURNAL_FROM : Infinity, batchFrom: ADAPTIVE_BATCH_FROM },
  });
  return {
    store,
    auth: new KvAuthStore(kv),
    stationSecurity: new KvStationSecurityStore(kv, securityEventRetention(config)),
    energy: new KvEnergyStore(kv),
    securityExtension: kvSecurityExtension(kv),
    fleet: kvFleetStore(kv),
    kv,
    // The KvStore owns the handle: its close() writes the touches still pending, then closes the handle once.
    close: () => store.close(),
  };
}

/**
 * Whether a write's error says the configured store takes no writes now (a full disk, a database out of
 * reach), not that it refused that write's data: what starts an episode of failing writes (write_health.ts).
 */
export function refusesEveryWriteOf(config: Config): (error: unknown) => boolean {
  return config.DATABASE_URL ? pgRefusesEveryWrite : kvRefusesEveryWrite;
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable)";
  }
}
