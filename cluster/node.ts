/**
 * This process as one node of the cluster: it keeps the presence of its own stations (claims, releases and
 * one batched renewal), knows where every other station is (a cache from the presence store, kept fresh by
 * the nodes' broadcasts), routes commands, stops, frame reads and snapshot patches to the owning node and
 * serves the ones routed to it, closes its older socket of a station that connected elsewhere (newest wins,
 * 4000), and forwards its station events (and any other stream given to `forward`, the fleet's job progress)
 * to the other nodes' live streams.
 *
 * @example
 * ```ts ignore
 * const node = new ClusterNode({ backend, registry, events, remoteEvents, logger, leaseMs: 15_000, requestTimeoutMs: 65_000 });
 * await node.start(); // joins the registry (attachCluster)
 * ```
 */
import type { EventBus, StationEvent } from "../actors/events.ts";
import type { CallOptions } from "../actors/charge_point.ts";
import {
  AnswerLostError,
  CommandGivenUpError,
  NodeLostError,
  NodeOutdatedError,
  NodeTimeoutError,
  NotDeliveredError,
  unknownRequestMessage,
} from "../actors/errors.ts";
import type { FrameLogEntry } from "../actors/frame_log.ts";
import { replaces } from "../model/newest_connection.ts";
import type { Registry } from "../actors/registry.ts";
import type { RemoteStations, StationConnection } from "../actors/remote_stations.ts";
import type { Logger } from "../logger.ts";
import type { LiveRecord, SnapshotPatch } from "../model/charge_point.ts";
import type { ProtocolErrorsClear } from "../model/protocol_errors.ts";
import { isSnapshotChange, type SnapshotChange } from "../model/snapshot_change.ts";
import { decodeError, type EncodedError, encodeError } from "./errors.ts";
import type { BusMessage, ClusterBackend, NodeWarning, PresenceEntry } from "./mod.ts";

export interface ClusterNodeOptions {
  backend: ClusterBackend;
  registry: Registry;
  /** This process's station events: forwarded to the other nodes. */
  events: EventBus;
  /** Where the other nodes' events are published (the live stream's bus). */
  remoteEvents: EventBus;
  logger: Logger;
  /** How long a presence lease lasts without renewal; renewed every third of it. */
  leaseMs: number;
  /** This node's server warnings, kept with each renewal for the other nodes' admins. */
  warnings?: () => NodeWarning[];
  /** How long a routed command waits for the owner's answer. */
  requestTimeoutMs: number;
  /** Claims, releases and broadcasts are gathered this long and sent as one batch (default 20 ms). */
  flushMs?: number;
  /**
   * Told after each renewal and read of the nodes' leases (every third of the lease) which nodes are alive,
   * this one included: what a node that died left undone can be settled by the living (its command log rows).
   * Not awaited; one call at a time (a call still running when the next tick comes skips that tick).
   */
  onLiveNodes?: (liveNodeIds: string[]) => Promise<void>;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  nodeId: string;
  /** The error when the owner's presence expires meanwhile and it had taken the request. */
  whenGone: () => Error;
  /** The error when this node stops meanwhile and the owner had taken the request. */
  whenLeaving: () => Error;
  /** The error when the owner never took the request (it was withdrawn from the owner's inbox). */
  whenUndelivered: () => Error;
  /** The bus's send of the request: its receipt, or a rejection when nothing was stored. */
  sent: Promise<string>;
  /** The request's receipt once the bus has it (undefined until then). */
  receipt?: string;
  /** Taking it back from the owner's inbox, once asked (one answer for every asker). */
  withdrawal?: Promise<boolean>;
  /** A command to this station: it follows the station to another node while the owner has not taken it. */
  follows?: string;
  /** Being given up (#giveUp): withdrawn from the owner's inbox, unless its reply comes first. */
  givingUp?: boolean;
  timer: ReturnType<typeof setTimeout>;
}

/** How a command that followed its station ends its wait for the old owner: where to send it now. */
class Moved {
  constructor(readonly to: string) {}
}

interface Known extends PresenceEntry {
  /** When this node learned it (ms, performance clock): a reload started earlier does not drop it. */
  learnedAt: number;
}

/** A known station's connection as the registry is given it. */
function connectionOf(known: Known): StationConnection {
  return {
    id: known.chargePointId,
    remoteAddress: known.remoteAddress,
    connectedAt: known.connectedAt,
    nodeId: known.nodeId,
  };
}

/** How long taking back an unanswered request may take before it counts as taken. */
const WITHDRAW_MS = 5000;

/** `promise`'s outcome, or `late()`'s once `ms` passed; `promise` is left running (a call so is logged by its actor). */
function bounded<T>(promise: Promise<T>, ms: number, late: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(late()), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Notifications stay well below PostgreSQL's 8000-byte NOTIFY payload. */
const BROADCAST_BYTES = 6000;

export class ClusterNode implements RemoteStations {
  readonly nodeId: string;
  #stations = new Map<string, Known>();
  /** Node id -> when its lease runs out (performance clock). */
  #nodes = new Map<string, number>();
  /** The latest lease end of the other nodes in `#nodes` (-Infinity: none), kept with it for `#othersAlive`. */
  #othersUntil = Number.NEGATIVE_INFINITY;
  /** Connections closed lately ("id connectedAt" -> when): a reload that read them before the release skips them. */
  #closedLately = new Map<string, number>();
  #pending = new Map<string, Pending>();
  #seq = 0;
  #claims: PresenceEntry[] = [];
  #releases: { chargePointId: string; connectedAt: string }[] = [];
  #outbox: {
    opened: PresenceEntry[];
    closed: { id: string; connectedAt: string }[];
    events: ChannelEvent[];
  } = {
    opened: [],
    closed: [],
    events: [],
  };
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #tickTimer: ReturnType<typeof setInterval> | undefined;
  #ticking = false;
  #ticks = 0;
  #unfollow: (() => void)[] = [];
  /** Channel -> where the other nodes' events of that channel are published here. */
  #remoteStreams = new Map<string, { publish(event: unknown): void }>();
  #stopped = false;
  /** When this node's lease runs out at the latest, as of its last renewal (epoch ms). */
  #leaseUntil = 0;
  /** An `onLiveNodes` call is running. */
  #tellingLiveNodes = false;
  /** Stations this node's live stream was told went offline with their node (id -> that node). */
  #reportedLost = new Map<string, string>();

  constructor(private readonly options: ClusterNodeOptions) {
    this.nodeId = options.backend.bus.nodeId;
  }

  /** Takes the node's lease, reads the cluster's presence, joins the registry and starts listening. */
  async start(): Promise<void> {
    const { backend, registry, events, remoteEvents } = this.options;
    backend.bus.onMessage((message, from) => this.#receive(message, from));
    await this.#renew();
    await this.#reload();
    registry.attachCluster(this);
    this.forward("station", events, remoteEvents);
    // Told at once, the nodes already running forward their events to this one from now on (see forward).
    await backend.bus.broadcast({ kind: "batch" }).catch((error) =>
      this.options.logger.warn("cluster broadcast failed", { error: String(error) })
    );
    this.#tickTimer = setInterval(() => void this.tick(), Math.max(50, Math.floor(this.options.leaseMs / 3)));
    this.options.logger.info("cluster node started", { node: this.nodeId, leaseMs: this.options.leaseMs });
  }

  /**
   * Forwards this process's events of `local` to the other nodes, and publishes theirs on `remote` (a bus only
   * the live stream reads: the domain follows its own process's events, so nothing is done twice).
   */
  forward<E>(
    channel: string,
    local: { subscribe(listener: (event: E) => void): () => void },
    remote: { publish(event: E): void },
  ): void {
    this.#remoteStreams.set(channel, remote as { publish(event: unknown): void });
    this.#unfollow.push(local.subscribe((event) => {
      // Alone in the cluster, an event has no live stream to reach: not serialized, not sent (on PostgreSQL
      // a NOTIFY per batch that only came back to us). A node that starts says so (start), and every
      // reload reads the leases, so another node is known before its live stream can have a reader.
      if (this.#stopped || !this.#othersAlive()) return;
      this.#outbox.events.push({ c: channel, e: event });
      this.#scheduleFlush();
    }));
  }

  /** Stops renewing, answers pending requests as not connected, gives up this node's leases. */
  close(): Promise<void> {
    return this.#leave();
  }

  /** Nodes whose lease runs (this one included). */
  get liveNodes(): number {
    let n = 0;
    for (const id of this.#nodes.keys()) if (this.#alive(id)) n++;
    return n;
  }

  // --- RemoteStations (what the registry asks) ---

  connection(id: string): StationConnection | null {
    const known = this.#stations.get(id);
    return known && this.#elsewhere(known) ? connectionOf(known) : null;
  }

  list(): StationConnection[] {
    const out: StationConnection[] = [];
    for (const known of this.#stations.values()) if (this.#elsewhere(known)) out.push(connectionOf(known));
    return out;
  }

  countOthers(isLocal: (id: string) => boolean): number {
    let n = 0;
    for (const known of this.#stations.values()) {
      if (this.#elsewhere(known) && !isLocal(known.chargePointId)) n++;
    }
    return n;
  }

  /** Connected to another node that is alive. */
  #elsewhere(known: Known): boolean {
    return known.nodeId !== this.nodeId && this.#alive(known.nodeId);
  }

  whyUnreachable(id: string): string | null {
    const known = this.#stations.get(id);
    if (!known || known.nodeId === this.nodeId || this.#alive(known.nodeId)) return null;
    return `not connected (its node "${known.nodeId}" stopped renewing its presence)`;
  }

  /**
   * Sends the command to the station's node and returns the station's answer. Should the station connect to
   * another node meanwhile (newest connection wins), a command the old node has not taken yet is taken back
   * from its inbox and sent there (here, if it connected to this node); one it took stays its to answer. The
   * whole wait, every hop included, is bounded by the request timeout.
   */
  async call(
    owner: StationConnection,
    action: string,
    payload: unknown,
    options: CallOptions,
  ): Promise<unknown> {
    const { registry, requestTimeoutMs } = this.options;
    // A command to be marked sent has its own request: a node of an older version, which would send it
    // unmarked, refuses it as unknown (never sent) rather than sending it.
    const body = { op: options.sendMark ? "markedCall" : "call", id: owner.id, action, payload, options };
    // Given up, not timed out: the station's node may still send it (queued there) or wait for its answer.
    const whenLate = () => new CommandGivenUpError(owner.id, action, requestTimeoutMs);
    const deadline = performance.now() + requestTimeoutMs;
    let nodeId = owner.nodeId;
    for (;;) {
      const remainingMs = Math.max(0, deadline - performance.now());
      if (nodeId === this.nodeId) {
        return await bounded(
          registry.callHere(owner.id, action, payload, options),
          remainingMs,
          () => Promise.reject(whenLate()),
        );
      }
      const from = nodeId;
      const answer = await this.#request({ ...owner, nodeId }, body, {
        // Gone after the request went to it: it may have sent the CALL (a key, a Reset), so no "not connected".
        whenGone: () => new NodeLostError(owner.id, action, `its node "${from}" stopped answering`),
        // This node stops: the owner, alive, answers (and logs) the command by itself.
        whenLeaving: () => new AnswerLostError(owner.id, action, "this node stopped before the answer came"),
        whenLate,
        follows: owner.id,
      }, remainingMs);
      if (!(answer instanceof Moved)) return answer;
      // Taken back after its time ran out (a busy process read the withdrawal's answer late): never sent, so
      // not sent now, where its caller would hear of a timeout while the station acts on it.
      if (performance.now() >= deadline) {
        throw new NotDeliveredError(
          owner.id,
          action,
          "its station moved and no time was left to send it there",
        );
      }
      nodeId = answer.to;
      this.options.logger.info("cluster command follows its station", {
        chargePointId: owner.id,
        action,
        from,
        to: nodeId,
      });
    }
  }

  async stop(owner: StationConnection, code: number, reason: string): Promise<boolean> {
    return await this.#request(owner, { op: "stop", id: owner.id, code, reason }) as boolean;
  }

  async stopAnywhere(id: string, code: number, reason: string): Promise<boolean> {
    return (await this.#askOthers({ op: "stop", id, code, reason }, false)).includes(true);
  }

  async frames(owner: StationConnection): Promise<FrameLogEntry[]> {
    return await this.#request(owner, { op: "frames", id: owner.id }) as FrameLogEntry[];
  }

  async framesAnywhere(id: string): Promise<FrameLogEntry[]> {
    return (await this.#askOthers({ op: "frames", id }, [] as FrameLogEntry[])).flat();
  }

  /**
   * `request` (about station `request.id`) to every other live node at once, each answer awaited at most 2 s:
   * the answers, `otherwise` for a node that failed or was late (best effort).
   */
  #askOthers<T>(request: { op: string; id: string } & Record<string, unknown>, otherwise: T): Promise<T[]> {
    const others = [...this.#nodes.keys()].filter((n) => n !== this.nodeId && this.#alive(n));
    return Promise.all(
      others.map((nodeId) =>
        this.#request({ id: request.id, nodeId, remoteAddress: "", connectedAt: "" }, request, {}, 2000)
          .then((answer) => answer as T)
          .catch(() => otherwise)
      ),
    );
  }

  async updateSnapshot(
    owner: StationConnection,
    update: SnapshotPatch | SnapshotChange,
  ): Promise<LiveRecord> {
    // A named change is its own request: a node of an older version refuses it rather than taking it for a patch.
    const body = isSnapshotChange(update)
      ? { op: "change", id: owner.id, change: update }
      : { op: "patch", id: owner.id, patch: update };
    return await this.#request(owner, body) as LiveRecord;
  }

  async clearProtocolErrors(
    owner: StationConnection,
    seenAt: string,
    at: string,
  ): Promise<ProtocolErrorsClear | null> {
    // Its own request, not a "change": the owner's answer says what this clear did (an older node refuses it).
    return await this.#request(owner, { op: "clearProtocolErrors", id: owner.id, seenAt, at }) as
      | ProtocolErrorsClear
      | null;
  }

  opened(connection: Omit<StationConnection, "nodeId">): void {
    const entry: PresenceEntry = {
      chargePointId: connection.id,
      nodeId: this.nodeId,
      connectedAt: connection.connectedAt,
      remoteAddress: connection.remoteAddress,
    };
    this.#stations.delete(connection.id);
    this.#reportedLost.delete(connection.id);
    this.#claims.push(entry);
    this.#outbox.opened.push(entry);
    this.#scheduleFlush();
    // A command waiting for the station's previous node may be answered here now.
    if (this.#pending.size) this.#reviewPending();
  }

  closed(id: string, connectedAt: string): void {
    this.#releases.push({ chargePointId: id, connectedAt });
    this.#outbox.closed.push({ id, connectedAt });
    this.#scheduleFlush();
  }

  // --- the lease ---

  async #renew(): Promise<void> {
    const { backend, leaseMs, registry, warnings } = this.options;
    await backend.presence.renew(leaseMs, registry.size, warnings?.() ?? []);
    // The store counts from before its answer came: this is the latest the lease can run to.
    this.#leaseUntil = Date.now() + this.options.leaseMs;
  }

  /**
   * When the other nodes stop counting this node and its stations as connected, should it stop without
   * giving up its lease (a shutdown cut short): the end of its last renewal, at the latest.
   */
  get leaseExpiresAt(): Date {
    return new Date(this.#leaseUntil);
  }

  /** Renews this node's leases and reloads the cluster's presence (runs every third of the lease). */
  async tick(): Promise<void> {
    if (this.#ticking || this.#stopped) return;
    this.#ticking = true;
    try {
      await this.#renew();
      // The nodes' leases every tick (a dead node's stations go offline in time); all stations once per
      // lease (the broadcasts keep them current in between; this catches what was missed).
      await this.#reload(++this.#ticks % 3 === 0);
      this.#tellLiveNodes();
    } catch (error) {
      this.options.logger.warn("cluster presence renewal failed", { error: String(error) });
    } finally {
      this.#ticking = false;
    }
  }

  /** `onLiveNodes` with the nodes whose lease runs, as just read (never a stale view: only after a read). */
  #tellLiveNodes(): void {
    const onLiveNodes = this.options.onLiveNodes;
    if (!onLiveNodes || this.#tellingLiveNodes) return;
    const live = [...this.#nodes.keys()].filter((id) => this.#alive(id));
    this.#tellingLiveNodes = true;
    onLiveNodes(live)
      .catch((error) => this.options.logger.warn("cluster live nodes hook failed", { error: String(error) }))
      .finally(() => (this.#tellingLiveNodes = false));
  }

  async #reload(withStations = true): Promise<void> {
    const started = performance.now();
    const { presence } = this.options.backend;
    const [nodes, stations] = await Promise.all([
      presence.nodes(),
      withStations ? presence.stations() : Promise.resolve(null),
    ]);
    const at = performance.now();
    this.#nodes = new Map(nodes.map((n) => [n.nodeId, at + n.remainingMs]));
    this.#nodes.set(this.nodeId, Infinity);
    this.#othersUntil = Math.max(
      Number.NEGATIVE_INFINITY,
      ...nodes.filter((n) => n.nodeId !== this.nodeId).map((n) => at + n.remainingMs),
    );
    this.#forgetStationsOfLostNodes();
    if (stations !== null) this.#learnStations(stations, started, at);
    this.#reviewPending();
  }

  /**
   * Stations known on a node whose lease ran out are offline: the live streams here are told so (`disconnected`,
   * on the remote bus only: the dead node's own events never came, and the domain follows its own process's).
   * Without it a dashboard open on this node showed them online for good while the API said offline.
   */
  #forgetStationsOfLostNodes(): void {
    const remote = this.#remoteStreams.get("station");
    for (const [id, known] of this.#stations) {
      if (this.#alive(known.nodeId)) continue;
      this.#stations.delete(id);
      if (this.options.registry.isConnectedHere(id)) continue;
      this.#reportedLost.set(id, known.nodeId);
      remote?.publish(
        {
          type: "disconnected",
          chargePointId: id,
          at: new Date().toISOString(),
          code: 1006,
          reason: `its node "${known.nodeId}" stopped answering (its lease ran out)`,
        } satisfies StationEvent,
      );
    }
  }

  /**
   * A station reported lost with its node, found again on that node (it was frozen, not dead, and renewed its
   * lease: its stations never left it, so no node sends their `connected`): the live stream is told it is back.
   */
  #reportFound(entry: PresenceEntry): void {
    if (this.#reportedLost.get(entry.chargePointId) !== entry.nodeId) return;
    this.#reportedLost.delete(entry.chargePointId);
    this.#remoteStreams.get("station")?.publish(
      {
        type: "connected",
        chargePointId: entry.chargePointId,
        at: entry.connectedAt,
        remoteAddress: entry.remoteAddress,
      } satisfies StationEvent,
    );
  }

  /** The cluster's presence as read at `at` (the read began at `started`). */
  #learnStations(stations: PresenceEntry[], started: number, at: number): void {
    for (const [key, when] of this.#closedLately) {
      if (when < started - this.options.leaseMs) this.#closedLately.delete(key);
    }
    const next = new Map<string, Known>();
    const stale: { chargePointId: string; connectedAt: string }[] = [];
    const ours = new Set<string>();
    for (const entry of stations) {
      if (entry.nodeId === this.nodeId) {
        ours.add(`${entry.chargePointId} ${entry.connectedAt}`);
        // Recorded as ours but no longer here (a release that failed): given up now.
        const here = this.options.registry.connection(entry.chargePointId);
        if (!here || here.connectedAt !== entry.connectedAt) stale.push(entry);
        continue;
      }
      if (this.#closedLately.has(`${entry.chargePointId} ${entry.connectedAt}`)) continue;
      next.set(entry.chargePointId, { ...entry, learnedAt: at });
      this.#reportFound(entry);
      // A notification this node missed: its own older socket of the station is replaced.
      this.options.registry.replacedElsewhere(entry.chargePointId, entry.connectedAt, entry.nodeId);
    }
    // What broadcasts taught after the read began is newer than the read.
    for (const [id, known] of this.#stations) {
      if (known.learnedAt >= started && !next.has(id)) next.set(id, known);
    }
    this.#stations = next;
    if (stale.length) {
      this.#releases.push(...stale.map(({ chargePointId, connectedAt }) => ({ chargePointId, connectedAt })));
      this.#scheduleFlush();
    }
    // Held here but not recorded (a claim that failed, or rows swept while this node could not renew, say
    // during a database outage): claimed again. A newer connection elsewhere still wins the row.
    const missing = this.options.registry.list().filter((s) => !ours.has(`${s.id} ${s.connectedAt}`));
    if (missing.length) {
      this.#claims.push(...missing.map((s) => ({
        chargePointId: s.id,
        nodeId: this.nodeId,
        connectedAt: s.connectedAt,
        remoteAddress: s.remoteAddress,
      })));
      this.#scheduleFlush();
    }
  }

  /**
   * Commands whose station is now held by another node follow it (if their node has not taken them); other
   * requests waiting for a node whose lease ran out fail at once (not after the request timeout). Run when
   * presence changes: a reload, a node's news of a connection, a station connecting here.
   */
  #reviewPending(): void {
    for (const [reqId, pending] of this.#pending) {
      if (this.#whereNow(pending) !== null) void this.#follow(reqId, pending);
      else if (!this.#alive(pending.nodeId)) void this.#giveUp(reqId, pending, pending.whenGone);
    }
  }

  /** The node now holding a waiting command's station, when that is another than the one it was sent to. */
  #whereNow(pending: Pending): string | null {
    if (pending.follows === undefined) return null;
    if (this.options.registry.isConnectedHere(pending.follows)) return this.nodeId;
    const known = this.#stations.get(pending.follows);
    return known && known.nodeId !== pending.nodeId && this.#alive(known.nodeId) ? known.nodeId : null;
  }

  /**
   * The node holding a command's station now, whichever it is: the one it was taken back from too, should the
   * station have moved away and back meanwhile (a new connection there, which the withdrawn command never met).
   */
  #holder(pending: Pending): string | null {
    if (pending.follows === undefined) return null;
    if (this.options.registry.isConnectedHere(pending.follows)) return this.nodeId;
    const known = this.#stations.get(pending.follows);
    return known && this.#alive(known.nodeId) ? known.nodeId : null;
  }

  /**
   * A command whose station connected elsewhere: taken back from its node's inbox, it ends its wait there with
   * where to send it now (that same node again if the station came back to it meanwhile: not sent there yet).
   * One its node already took stays: that node answers it, or its loss is reported as any other (`whenGone`),
   * never sent twice.
   */
  async #follow(reqId: string, pending: Pending): Promise<void> {
    // Not known to be in the inbox yet: looked at again once the bus says (see #request).
    if (pending.receipt === undefined || this.#stopped) return;
    const withdrawn = await this.#withdraw(pending);
    if (!withdrawn) {
      if (!this.#alive(pending.nodeId)) void this.#giveUp(reqId, pending, pending.whenGone);
      return;
    }
    // Being given up meanwhile (the timeout, this node stopping): that decides, with this same withdrawal.
    if (pending.givingUp || !this.#pending.delete(reqId)) return;
    clearTimeout(pending.timer);
    const to = this.#holder(pending);
    if (to === null) pending.reject(pending.whenUndelivered());
    else pending.resolve(new Moved(to));
  }

  /**
   * Takes the request back from its node's inbox: true when that node had not read it, or when the bus refused
   * the send (nothing was stored). A send still on its way is awaited first: stored meanwhile, it is withdrawn
   * by its receipt rather than left for the owner to run after its caller gave up. Asked once per request.
   */
  #withdraw(pending: Pending): Promise<boolean> {
    const { bus } = this.options.backend;
    // The bus too slow to say (the send's or the withdrawal's answer): it may have reached the owner.
    pending.withdrawal ??= bounded(
      pending.sent.then((receipt) => bus.withdraw(pending.nodeId, receipt), () => true),
      WITHDRAW_MS,
      () => Promise.resolve(false),
    ).catch((error) => {
      this.options.logger.warn("cluster withdraw failed", { to: pending.nodeId, error: String(error) });
      return false;
    });
    return pending.withdrawal;
  }

  /**
   * Ends a request its owner did not answer. Still in the owner's inbox, it is withdrawn: it never reached the
   * owner (`whenUndelivered`), so a command it held cannot have gone out. Otherwise the owner took it and may
   * have acted on it (`otherwise`). It stays pending while the withdrawal runs: a reply that comes meanwhile is
   * the owner's answer, and wins.
   */
  async #giveUp(reqId: string, pending: Pending, otherwise: () => Error): Promise<void> {
    if (pending.givingUp || this.#pending.get(reqId) !== pending) return;
    pending.givingUp = true;
    clearTimeout(pending.timer);
    const withdrawn = await this.#withdraw(pending);
    // Still listed while withdrawing: a reply that came meanwhile settled it (#receive), the owner's answer.
    if (!this.#pending.delete(reqId)) {
      this.options.logger.info("cluster reply came while giving up the request", {
        to: pending.nodeId,
        reqId,
      });
      return;
    }
    pending.reject(withdrawn ? pending.whenUndelivered() : otherwise());
  }

  #alive(nodeId: string): boolean {
    return (this.#nodes.get(nodeId) ?? 0) > performance.now();
  }

  /**
   * Whether a node other than this one holds a lease. Checked per event: one comparison, where a loop over
   * the Map allocated an iterator and an entry per call.
   */
  #othersAlive(): boolean {
    return this.#othersUntil > performance.now();
  }

  // --- the bus ---

  #scheduleFlush(): void {
    if (this.#flushTimer !== undefined || this.#stopped) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      this.#flushing = this.#flushing.then(() => this.#flush());
    }, this.options.flushMs ?? 20);
  }

  async #flush(): Promise<void> {
    const { backend, logger } = this.options;
    const claims = this.#claims.splice(0);
    const releases = this.#releases.splice(0);
    const outbox = this.#outbox;
    this.#outbox = { opened: [], closed: [], events: [] };
    try {
      if (claims.length) await backend.presence.claim(claims);
      if (releases.length) await backend.presence.release(releases);
    } catch (error) {
      logger.warn("cluster presence write failed", { error: String(error) });
    }
    for (const message of batches(outbox)) {
      await backend.bus.broadcast(message).catch((error) =>
        logger.warn("cluster broadcast failed", { error: String(error) })
      );
    }
  }

  #receive(message: BusMessage, from: string): void {
    if (from === this.nodeId) return;
    // Whoever speaks is alive (its lease row may not have been read yet).
    const known = this.#nodes.get(from) ?? 0;
    const until = Math.max(known, performance.now() + this.options.leaseMs);
    this.#nodes.set(from, until);
    this.#othersUntil = Math.max(this.#othersUntil, until);
    switch (message.kind) {
      case "batch":
        this.#learn(message as unknown as Batch, from);
        break;
      case "request":
        void this.#serve(message, from);
        break;
      case "reply": {
        const pending = this.#pending.get(String(message.reqId));
        if (!pending) return;
        this.#pending.delete(String(message.reqId));
        clearTimeout(pending.timer);
        if (message.ok) pending.resolve(message.value);
        else pending.reject(decodeError(message.error as EncodedError));
        break;
      }
    }
  }

  #learn(batch: Batch, from: string): void {
    const now = performance.now();
    for (const entry of batch.opened ?? []) {
      const current = this.#stations.get(entry.chargePointId);
      if (current && !replaces({ connectedAt: entry.connectedAt, nodeId: from }, current)) continue;
      this.#stations.set(entry.chargePointId, { ...entry, nodeId: from, learnedAt: now });
      this.#reportedLost.delete(entry.chargePointId);
      this.options.registry.replacedElsewhere(entry.chargePointId, entry.connectedAt, from);
    }
    if (batch.opened?.length && this.#pending.size) this.#reviewPending();
    for (const { id, connectedAt } of batch.closed ?? []) {
      this.#closedLately.set(`${id} ${connectedAt}`, now);
      const current = this.#stations.get(id);
      if (current && current.nodeId === from && current.connectedAt === connectedAt) {
        this.#stations.delete(id);
      }
    }
    for (const { c, e } of batch.events ?? []) this.#remoteStreams.get(c)?.publish(e);
  }

  async #serve(message: BusMessage, from: string): Promise<void> {
    const { registry } = this.options;
    const id = String(message.id);
    let reply: BusMessage;
    try {
      let value: unknown;
      switch (message.op) {
        case "call":
        case "markedCall":
          value = await registry.callHere(
            id,
            String(message.action),
            message.payload,
            (message.options ?? {}) as CallOptions,
          );
          break;
        case "stop":
          value = registry.isConnectedHere(id)
            ? await registry.stop(id, Number(message.code), String(message.reason))
            : false;
          break;
        case "frames":
          value = registry.recentFrames(id);
          break;
        case "patch":
          value = (await registry.updateSnapshotHere(id, message.patch as SnapshotPatch)).record;
          break;
        case "change":
          value = (await registry.updateSnapshotHere(id, message.change as SnapshotChange)).record;
          break;
        case "clearProtocolErrors":
          value = await registry.clearProtocolErrorsHere(id, String(message.seenAt), String(message.at));
          break;
        default:
          throw new NodeOutdatedError(unknownRequestMessage(String(message.op)));
      }
      reply = { kind: "reply", reqId: message.reqId, ok: true, value: value ?? null };
    } catch (error) {
      reply = { kind: "reply", reqId: message.reqId, ok: false, error: encodeError(error) };
    }
    await this.options.backend.bus.send(from, reply).catch((error) =>
      this.options.logger.warn("cluster reply failed", { to: from, error: String(error) })
    );
  }

  #request(
    owner: StationConnection,
    body: Record<string, unknown>,
    errors: {
      whenGone?: () => Error;
      whenLeaving?: () => Error;
      whenLate?: () => Error;
      /** A command to this station, which follows it to another node (it then resolves with `Moved`). */
      follows?: string;
    } = {},
    timeoutMs = this.options.requestTimeoutMs,
  ): Promise<unknown> {
    const unsent = () =>
      new NotDeliveredError(
        owner.id,
        String(body.action ?? body.op),
        `its node "${owner.nodeId}" stopped answering before it took the request`,
      );
    const whenGone = errors.whenGone ?? unsent;
    const whenLate = errors.whenLate ??
      (() => new NodeTimeoutError(owner.nodeId, String(body.action ?? body.op), timeoutMs));
    // Left: nobody would give the request up (#leave did), and this node reads no more replies.
    if (this.#stopped) {
      return Promise.reject(
        new NotDeliveredError(owner.id, String(body.action ?? body.op), "this node is stopping"),
      );
    }
    const reqId = `${this.nodeId}:${++this.#seq}`;
    return new Promise((resolve, reject) => {
      const sent = this.options.backend.bus.send(owner.nodeId, { kind: "request", reqId, ...body });
      const pending: Pending = {
        resolve,
        reject,
        nodeId: owner.nodeId,
        whenGone,
        whenLeaving: errors.whenLeaving ?? whenGone,
        whenUndelivered: unsent,
        sent,
        ...(errors.follows !== undefined ? { follows: errors.follows } : {}),
        timer: setTimeout(() => void this.#giveUp(reqId, pending, whenLate), timeoutMs),
      };
      this.#pending.set(reqId, pending);
      sent.then((receipt) => {
        pending.receipt = receipt;
        // The station moved before the bus had the request: followed now.
        if (this.#pending.has(reqId) && this.#whereNow(pending) !== null) void this.#follow(reqId, pending);
      }, (error) => {
        if (this.#pending.get(reqId) !== pending) return;
        this.options.logger.warn("cluster request failed", { to: owner.nodeId, error: String(error) });
        // Being given up: that ends it, undelivered (its withdrawal counts a refused send as taken back).
        if (pending.givingUp) return;
        this.#pending.delete(reqId);
        clearTimeout(pending.timer);
        reject(unsent());
      });
    });
  }

  async #leave(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#tickTimer);
    for (const stop of this.#unfollow.splice(0)) stop();
    clearTimeout(this.#flushTimer);
    await this.#flushing;
    await this.#flush();
    await Promise.all(
      [...this.#pending].map(([reqId, pending]) => this.#giveUp(reqId, pending, pending.whenLeaving)),
    );
    await this.options.backend.presence.leave().catch(() => {});
  }
}

/** An event on the bus, with the stream it belongs to ("station", "fleet"). */
interface ChannelEvent {
  c: string;
  e: unknown;
}

interface Batch {
  opened?: PresenceEntry[];
  closed?: { id: string; connectedAt: string }[];
  events?: ChannelEvent[];
}

/** The outbox as broadcasts of bounded size (an item too large for one goes alone: the bus copes). */
function* batches(outbox: Required<Batch>): Generator<BusMessage> {
  let current: Batch = {};
  let size = 0;
  const add = <K extends keyof Batch>(key: K, item: NonNullable<Batch[K]>[number]) => {
    const bytes = JSON.stringify(item).length + 1;
    const full = size > 0 && size + bytes > BROADCAST_BYTES;
    const out = full ? current : null;
    if (full) {
      current = {};
      size = 0;
    }
    ((current[key] ??= []) as unknown[]).push(item);
    size += bytes;
    return out;
  };
  for (const key of ["opened", "closed", "events"] as const) {
    for (const item of outbox[key] as unknown[]) {
      const done = add(key, item as never);
      if (done) yield { kind: "batch", ...done };
    }
  }
  if (size > 0) yield { kind: "batch", ...current };
}
