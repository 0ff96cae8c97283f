/**
 * Gathers the overview's input from the stores and the live connections, and keeps it briefly: every station
 * (in pages), the running sessions and today's, and what running sessions delivered so far. One scan serves
 * every viewer; a station event makes the next request scan again, but never more often than a small multiple
 * of what the last scan cost, so a large fleet cannot spend its CPU on the dashboard. Meter values (most of a
 * busy fleet's events) change only their session's energy: within a scan's fresh time only those sessions'
 * energy is read again, not the fleet. The energy of a running session is read again only when its station
 * sent meter values for it since (or after a minute).
 */
import { emptyRecord, type LiveRecord } from "../model/charge_point.ts";
import type { TransactionRecord } from "../model/transaction.ts";
import { type Store, StoreUnavailableError } from "../store/mod.ts";
import type { ScannedStation } from "./fleet.ts";
import { sessionEnergyWh } from "./session_energy.ts";

/** A connected station as the live connections know it (fresher than the store for its connectors). */
export interface LiveStation {
  id: string;
  remoteAddress: string;
  connectedAt: string;
  snapshot: Readonly<LiveRecord> | null;
}

export interface LiveStations {
  connected(): LiveStation[];
}

/** What the scanner listens to: something that says a station changed. */
export interface StationEvents {
  subscribe(listener: (event: { type: string; transactionId?: number | null }) => void): () => void;
}

export interface FleetData {
  stations: ScannedStation[];
  active: TransactionRecord[];
  today: TransactionRecord[];
  sessionEnergyWh: ReadonlyMap<number, number>;
  /** Running transactions flagged open after their station's reboot. */
  openAfterReboot: ReadonlySet<number>;
  /** When the scan was made. */
  at: Date;
  /** Stations or sessions beyond the scan's bounds were left out. */
  capped: boolean;
  /** A station event arrived after this scan: ask again in `retryAfterMs`. */
  stale: boolean;
  retryAfterMs: number;
}

export interface FleetScanOptions {
  store: Store;
  live: LiveStations;
  events?: StationEvents;
  /**
   * The ids of the running transactions flagged open after a reboot, among `running` (the scan's); none without
   * a fleet.
   */
  openAfterReboot?: (running: number[]) => Promise<number[]>;
  now: () => Date;
  /** Stations read at most (default 100,000). */
  maxStations?: number;
  /** Running sessions and today's sessions read at most, each (default 20,000). */
  maxTransactions?: number;
}

const PAGE = 1000;
const ENERGY_TTL_MS = 60_000;
/** A clean scan is reused for this long. */
const FRESH_MS = 5000;

interface Scan {
  dayStart: string;
  data: Omit<FleetData, "stale" | "retryAfterMs">;
  tookMs: number;
}

export class FleetScanner {
  #scan: Scan | null = null;
  #running: { dayStart: string; scan: Promise<Scan> } | null = null;
  /** A station event other than meter values came after the scan. */
  #dirty = false;
  /** Meter values came after the scan (or its last energy refresh). */
  #energyDirty = false;
  #refreshing: Promise<void> | null = null;
  #energy = new Map<number, { wh: number; atMs: number }>();
  readonly #unsubscribe: (() => void) | undefined;

  constructor(private readonly options: FleetScanOptions) {
    this.#unsubscribe = options.events?.subscribe((event) => {
      // An unknown id tag changes nothing the overview shows (a station may present them all day).
      if (event.type === "unknownIdTag") return;
      // New meter values change a running session's energy: only that one is read again.
      if (event.type === "meterValues") {
        if (typeof event.transactionId === "number") this.#energy.delete(event.transactionId);
        this.#energyDirty = true;
        return;
      }
      this.#dirty = true;
    });
  }

  close(): void {
    this.#unsubscribe?.();
  }

  /** The newest scan for the day starting at `dayStart` (ISO), made now when the last one is too old. */
  async read(dayStart: string): Promise<FleetData> {
    const nowMs = this.options.now().getTime();
    const last = this.#scan;
    const minGapMs = Math.max(250, (last?.tookMs ?? 0) * 5);
    const age = last ? nowMs - last.data.at.getTime() : Infinity;
    const usable = last !== null && last.dayStart === dayStart;
    if (usable && !this.#dirty && age < FRESH_MS) {
      if (this.#energyDirty) await this.#refreshEnergy();
      return { ...this.#scan!.data, stale: false, retryAfterMs: 0 };
    }
    if (usable && age < minGapMs) {
      return { ...last.data, stale: this.#dirty || this.#energyDirty, retryAfterMs: minGapMs - age };
    }
    const scan = await this.#rescan(dayStart);
    // An event during the scan (or before it, for a read that joined a scan under way) may be missing from it.
    if (!this.#dirty) return { ...scan.data, stale: false, retryAfterMs: 0 };
    return { ...scan.data, stale: true, retryAfterMs: Math.max(250, scan.tookMs * 5) };
  }

  async #rescan(dayStart: string): Promise<Scan> {
    // A scan under way for another day (a viewer in another time zone) is not this one's: wait for it first.
    while (this.#running && this.#running.dayStart !== dayStart) await this.#running.scan.catch(() => {});
    if (this.#running) return this.#running.scan;
    this.#dirty = false;
    this.#energyDirty = false;
    const scan = this.#collect(dayStart).finally(() => (this.#running = null));
    this.#running = { dayStart, scan };
    return scan.then((made) => (this.#scan = made));
  }

  async #collect(dayStart: string): Promise<Scan> {
    const started = performance.now();
    const { store, live } = this.options;
    const maxStations = this.options.maxStations ?? 100_000;
    const maxTransactions = this.options.maxTransactions ?? 20_000;
    const connected = new Map(live.connected().map((s) => [s.id, s]));
    const stations: ScannedStation[] = [];
    const seen = new Set<string>();
    let after: string | undefined;
    let capped = false;
    for (;;) {
      const page = await store.listChargePoints({ limit: PAGE, ...(after !== undefined ? { after } : {}) });
      for (const record of page) {
        seen.add(record.id);
        // Out of service: not the fleet's any more (its history stays reachable through the API).
        if (record.decommissionedAt) continue;
        stations.push(scanned(record, connected.get(record.id)));
      }
      if (page.length < PAGE) break;
      if (stations.length >= maxStations) {
        capped = true;
        break;
      }
      after = page.at(-1)!.id;
    }
    // Connected stations the store does not hold yet (not booted): listed from their connection.
    for (const station of connected.values()) {
      if (seen.has(station.id)) continue;
      const record = station.snapshot ?? emptyRecord(station.id, this.options.now());
      stations.push(scanned(record, station));
    }
    stations.sort((a, b) => (a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0));

    const active = await this.#transactions({ status: "active" }, maxTransactions);
    const today = await this.#transactions({ from: dayStart }, maxTransactions);
    const sessionEnergy = await this.#sessionEnergy(active.items);
    const openAfterReboot = new Set(
      await this.options.openAfterReboot?.(active.items.map((t) => t.transactionId)) ?? [],
    );
    return {
      dayStart,
      tookMs: performance.now() - started,
      data: {
        stations,
        active: active.items,
        today: today.items,
        sessionEnergyWh: sessionEnergy,
        openAfterReboot,
        at: this.options.now(),
        capped: capped || active.capped || today.capped,
      },
    };
  }

  /** The last scan with its running sessions' energy read again where meter values came since. */
  #refreshEnergy(): Promise<void> {
    this.#refreshing ??= (async () => {
      this.#energyDirty = false;
      const scan = this.#scan!;
      let energy;
      try {
        energy = await this.#sessionEnergy(scan.data.active);
      } catch (error) {
        this.#energyDirty = true;
        throw error;
      }
      // A scan made meanwhile is newer than this.
      if (this.#scan === scan) this.#scan = { ...scan, data: { ...scan.data, sessionEnergyWh: energy } };
    })().finally(() => (this.#refreshing = null));
    return this.#refreshing;
  }

  /**
   * One list call, not pages: a list of the active ones or by date reads its whole index range on KV at every
   * call (open pointers, start time pointers), so pages of 1,000 of 20,000 read it twenty times.
   */
  async #transactions(
    filter: { status?: "active"; from?: string },
    max: number,
  ): Promise<{ items: TransactionRecord[]; capped: boolean }> {
    const items = await this.options.store.listTransactions({ ...filter, limit: max + 1 });
    return items.length > max ? { items: items.slice(0, max), capped: true } : { items, capped: false };
  }

  async #sessionEnergy(active: TransactionRecord[]): Promise<Map<number, number>> {
    const nowMs = this.options.now().getTime();
    const out = new Map<number, number>();
    const stale = active.filter((tx) => {
      const cached = this.#energy.get(tx.transactionId);
      if (cached && nowMs - cached.atMs < ENERGY_TTL_MS) {
        out.set(tx.transactionId, cached.wh);
        return false;
      }
      return true;
    });
    // A few at a time: a thousand running sessions must not be a thousand queries at once.
    for (let i = 0; i < stale.length; i += 16) {
      await Promise.all(
        stale.slice(i, i + 16).map(async (tx) => {
          let wh: number;
          try {
            wh = await sessionEnergyWh(this.options.store, tx);
          } catch (error) {
            // Meter values the store cannot give now (KV's meter journal on a full disk): the overview is
            // shown without this session's energy, read again at the next read, rather than not at all.
            if (!(error instanceof StoreUnavailableError)) throw error;
            this.#energyDirty = true;
            return;
          }
          this.#energy.set(tx.transactionId, { wh, atMs: nowMs });
          out.set(tx.transactionId, wh);
        }),
      );
    }
    // Sessions that ended are forgotten.
    const running = new Set(active.map((tx) => tx.transactionId));
    for (const id of this.#energy.keys()) if (!running.has(id)) this.#energy.delete(id);
    return out;
  }
}

function scanned(record: Readonly<LiveRecord>, live: LiveStation | undefined): ScannedStation {
  return {
    record: live?.snapshot ?? record,
    online: live !== undefined,
    connectedAt: live?.connectedAt ?? null,
    remoteAddress: live?.remoteAddress ?? null,
  };
}
