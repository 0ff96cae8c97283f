/**
 * Two server nodes in one process and one shared store, on each cluster backend that runs in one process
 * (the memory hub; Deno KV as on Deno Deploy): commands, online state, the frame log and the live stream
 * cross nodes; a newer connection on one node replaces the older socket on the other; a node that stops
 * renewing loses its stations after the lease and commands to them fail at once.
 */
import { assert, assertEquals } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import { KvStore, openKvHandle } from "../store/kv/mod.ts";
import { kvFleetStore } from "../store/kv/fleet.ts";
import type { FleetStore } from "../store/fleet.ts";
import { SendMarkError } from "../actors/errors.ts";
import { type ApiTestServer, startApiServer } from "../tests/helpers/api.ts";
import { eventually, within } from "../tests/helpers/server.ts";
import { closeStation, connectStation, openRaw, type Station } from "../tests/helpers/station.ts";
import { connectStation201 } from "../tests/helpers/station201.ts";
import { readEvents } from "../tests/helpers/sse.ts";
import { openKvCluster } from "./kv.ts";
import { MemoryClusterHub } from "./memory.ts";
import type { BusMessage, ClusterBackend, PresenceStore } from "./mod.ts";

interface Control {
  /** The node stops: no message in or out, no renewal (its leases run out by themselves). */
  crash(nodeId: string): void;
  /** As crash, and what is in its inbox stays there unread (a SIGKILL before the node took it). */
  kill(nodeId: string): Promise<void>;
  /** The node stalls: it renews its lease but reads no message (alive, and never answering). */
  mute(nodeId: string): void;
  /** The node's presence store, as the node itself would use it. */
  presence(nodeId: string): PresenceStore;
  /** Broadcasts `message` on the node's bus, as the node itself would. */
  broadcast(nodeId: string, message: BusMessage): Promise<void>;
  /** The fleet store every node shares. */
  fleet: FleetStore;
}

/** A backend that can be made to die (a SIGKILL, as far as the other nodes can tell). */
function crashable(inner: ClusterBackend) {
  let dead = false;
  let deaf = false;
  let handler: (message: BusMessage, from: string) => void = () => {};
  inner.bus.onMessage((message, from) => {
    if (!dead && !deaf) handler(message, from);
  });
  const unlessDead = <A extends unknown[]>(fn: (...args: A) => Promise<void>) => (...args: A) =>
    dead ? Promise.resolve() : fn(...args);
  const backend: ClusterBackend = {
    bus: {
      nodeId: inner.bus.nodeId,
      send: (to: string, m: BusMessage) => dead ? Promise.resolve("") : inner.bus.send(to, m),
      withdraw: (to: string, receipt: string) => inner.bus.withdraw(to, receipt),
      broadcast: unlessDead((m: BusMessage) => inner.bus.broadcast(m)),
      onMessage: (h) => void (handler = h),
      close: () => inner.bus.close(),
    },
    presence: {
      ...inner.presence,
      renew: unlessDead((ms: number) => inner.presence.renew(ms)),
      claim: unlessDead((e: Parameters<PresenceStore["claim"]>[0]) => inner.presence.claim(e)),
    },
    close: () => inner.close(),
  };
  return {
    backend,
    inner,
    crash: () => void (dead = true),
    // Closed, the inner backend reads its inbox no more (the memory hub and KV leave its messages there).
    kill: async () => {
      dead = true;
      await inner.close();
    },
    mute: () => void (deaf = true),
  };
}

/** A command that waited for a dead node would take at least this long (then time out). */
const CALL_TIMEOUT_MS = 5000;

const BACKENDS = {
  memory: (_kv: Deno.Kv) => {
    const hub = new MemoryClusterHub();
    return (nodeId: string) => hub.backend(nodeId);
  },
  kv: (kv: Deno.Kv) => (nodeId: string) =>
    openKvCluster(kv, { nodeId, logger: createMemoryLogger(), pollMs: 100 }),
};

async function withNodes(
  kind: keyof typeof BACKENDS,
  ids: string[],
  fn: (servers: ApiTestServer[], control: Control) => Promise<void>,
  settings: Record<string, string> = {},
) {
  const kv = await openKvHandle(":memory:");
  const store = new KvStore(kv);
  const fleet = kvFleetStore(kv);
  const make = BACKENDS[kind](kv);
  const nodes = new Map(ids.map((id) => [id, crashable(make(id))]));
  const node = (id: string) => nodes.get(id)!;
  // A lease of 3 s is renewed every second: a node starved for a moment on a busy machine stays present.
  const env = { PRESENCE_LEASE_S: "3", CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS), ...settings };
  const servers: ApiTestServer[] = [];
  try {
    for (const id of ids) {
      servers.push(await startApiServer(env, { store, fleet, cluster: node(id).backend, holder: id }));
    }
    await fn(servers, {
      crash: (id) => node(id).crash(),
      kill: (id) => node(id).kill(),
      mute: (id) => node(id).mute(),
      presence: (id) => node(id).inner.presence,
      broadcast: (id, message) => node(id).inner.bus.broadcast(message),
      fleet,
    });
  } finally {
    for (const server of servers.reverse()) await server.close();
    for (const each of nodes.values()) await each.backend.close();
    await store.close();
  }
}

/** One test per backend (`settings` added to the nodes' environment). */
function clusterTest(
  name: string,
  fn: (a: ApiTestServer, b: ApiTestServer, control: Control) => Promise<void>,
  settings: Record<string, string> = {},
) {
  for (const kind of Object.keys(BACKENDS) as (keyof typeof BACKENDS)[]) {
    Deno.test(
      `${kind}: ${name}`,
      () => withNodes(kind, ["node-a", "node-b"], ([a, b], c) => fn(a!, b!, c), settings),
    );
  }
}

/** One test per backend, with three nodes. */
function clusterTest3(
  name: string,
  fn: (a: ApiTestServer, b: ApiTestServer, c: ApiTestServer, control: Control) => Promise<void>,
) {
  for (const kind of Object.keys(BACKENDS) as (keyof typeof BACKENDS)[]) {
    Deno.test(
      `${kind}: ${name}`,
      () => withNodes(kind, ["node-a", "node-b", "node-c"], ([a, b, c], control) => fn(a!, b!, c!, control)),
    );
  }
}

clusterTest("a command sent to another node reaches the station and returns its answer", async (a, b) => {
  const station = await connectStation(a.wsUrl, "CP-X");
  station.handle("ChangeAvailability", () => ({ status: "Scheduled" }));
  try {
    await eventually(() => b.registry.isConnected("CP-X"), 3000, "node b sees CP-X");
    const res = await b.json("/api/v1/charge-points/CP-X/ChangeAvailability", {
      method: "POST",
      body: { connectorId: 0, type: "Inoperative" },
      as: "operator",
    });
    assertEquals(res.status, 200, JSON.stringify(res.body));
    assertEquals(res.body.status, "Scheduled");
    const listed = await b.json("/api/v1/charge-points?online=true");
    assertEquals(listed.body.items.map((s: { id: string; node: string }) => [s.id, s.node]), [[
      "CP-X",
      "node-a",
    ]]);
    const frames = await b.json("/api/v1/charge-points/CP-X/frames");
    assert(frames.body.items.some((f: { frame: string }) => f.frame.includes("ChangeAvailability")));
    const unknown = await b.json("/api/v1/charge-points/CP-NONE/Reset", {
      method: "POST",
      body: { type: "Soft" },
      as: "operator",
    });
    // No node knows this id: 404 (a typo), not an offline station's 409.
    assertEquals(unknown.status, 404);
    // The station's CALLERROR, relayed by the owner, is the same 502 as on one process.
    station.handle("UnlockConnector", () => {
      throw new Error("boom");
    });
    const failed = await b.json("/api/v1/charge-points/CP-X/UnlockConnector", {
      method: "POST",
      body: { connectorId: 1 },
      as: "operator",
    });
    assertEquals(failed.status, 502, JSON.stringify(failed.body));
    assertEquals(failed.body.error, "station_error");
  } finally {
    await closeStation(station);
  }
});

clusterTest(
  "a job's command sent through another node is marked sent there before the station gets it, and not sent when its claim is not the sender's",
  async (a, b, { fleet }) => {
    const station = await connectStation(a.wsUrl, "CP-X");
    const markedWhenReceived: (string | null)[] = [];
    station.handle("Reset", async () => {
      markedWhenReceived.push((await fleet.jobs.getTask("J-1", "CP-X"))?.sentAt ?? null);
      return { status: "Accepted" };
    });
    try {
      await eventually(() => b.registry.isConnected("CP-X"), 3000, "node b sees CP-X");
      // The nodes' own runners take no task: this test claims it as a runner would.
      a.fleet.runner.stopSending();
      b.fleet.runner.stopSending();
      await fleet.jobs.createJob({
        id: "J-1",
        action: "Reset",
        payload: { type: "Soft" },
        force: false,
        target: { kind: "chargePointIds" },
        concurrency: 1,
        state: "running",
        total: 1,
        campaign: null,
        createdBy: "user:root",
        createdAt: new Date().toISOString(),
        finishedAt: null,
      }, ["CP-X"]);
      const soon = new Date(Date.now() + 60_000).toISOString();
      const [task] = await fleet.jobs.claimTasks("J-1", "runner-b", new Date().toISOString(), soon, 1);
      assertEquals(task?.claimedBy, "runner-b");
      const refused = await b.registry.send("CP-X", "Reset", { type: "Soft" }, {
        sendMark: { jobId: "J-1", holder: "runner-c" },
      }).then(() => null, (e) => e);
      assert(refused instanceof SendMarkError, `rejected with ${refused}`);
      assertEquals(markedWhenReceived, [], "a CALL whose mark was refused never went");
      const answer = await b.registry.send("CP-X", "Reset", { type: "Soft" }, {
        sendMark: { jobId: "J-1", holder: "runner-b" },
      });
      assertEquals(answer, { status: "Accepted" });
      assertEquals(markedWhenReceived.length, 1);
      assert(markedWhenReceived[0] !== null, "the station had the CALL before its mark was written");
    } finally {
      await closeStation(station);
    }
  },
);

clusterTest(
  "an OCPP 2.0.1 station's commands reach it through another node, in its own dialect",
  async (a, b) => {
    const station = await connectStation201(a.wsUrl, "CP-201X");
    station.handle("Reset", () => ({ status: "Scheduled" }));
    try {
      await eventually(() => b.registry.isConnected("CP-201X"), 3000, "node b sees CP-201X");
      // Reset exists in both dialects: node b must check the body as 2.0.1's (type Immediate/OnIdle).
      const reset = await b.json("/api/v1/charge-points/CP-201X/Reset", {
        method: "POST",
        body: { type: "OnIdle" },
        as: "operator",
      });
      assertEquals(reset.status, 200, JSON.stringify(reset.body));
      assertEquals(reset.body.status, "Scheduled");
      const wrong = await b.json("/api/v1/charge-points/CP-201X/RemoteStartTransaction", {
        method: "POST",
        body: { idTag: "TAG-1" },
        as: "operator",
      });
      assertEquals(wrong.status, 400, JSON.stringify(wrong.body));
      const detail = await b.json("/api/v1/charge-points/CP-201X");
      assertEquals([detail.body.node, detail.body.ocppVersion], ["node-a", "ocpp2.0.1"]);
    } finally {
      await closeStation(station);
    }
  },
);

clusterTest("a newer connection on another node closes the older socket with 4000", async (a, b) => {
  const old = await openRaw(`${a.wsUrl}/CP-R`);
  await eventually(() => b.registry.isConnected("CP-R"), 3000, "node b sees CP-R on a");
  const station = await connectStation(b.wsUrl, "CP-R");
  try {
    // Node a's presence may still claim CP-R: counted once, here (as listed).
    assertEquals([b.registry.clusterSize, b.registry.listCluster().length], [1, 1]);
    assertEquals((await within(old.closed, 15_000, "the older socket closed")).code, 4000);
    await eventually(() => !a.registry.isConnectedHere("CP-R"), 3000, "node a let CP-R go");
    await eventually(() => a.registry.connection("CP-R")?.nodeId === "node-b", 3000, "a sees CP-R on b");
  } finally {
    await closeStation(station);
  }
});

clusterTest(
  "a station here that another node's late news places there is counted once",
  async (a, b, control) => {
    const station = await connectStation(b.wsUrl, "CP-Q");
    try {
      // Node a's claim of an older connection arrives after CP-Q connected to node b (and before CP-Q2's, on
      // the same bus).
      const older = { chargePointId: "CP-Q", nodeId: "node-a", connectedAt: "2000-01-01T00:00:00.000Z" };
      await control.broadcast("node-a", {
        kind: "batch",
        opened: [{ ...older, remoteAddress: "127.0.0.9" }],
      });
      const other = await connectStation(a.wsUrl, "CP-Q2");
      try {
        await eventually(() => b.registry.listCluster().length === 2, 3000, "node b lists CP-Q and CP-Q2");
        assertEquals(b.registry.clusterSize, 2);
      } finally {
        await closeStation(other);
      }
    } finally {
      await closeStation(station);
    }
  },
);

clusterTest("the live stream of one node shows a station connecting to another", async (a, b) => {
  const res = await b.api("/api/v1/events", { as: "viewer" });
  assertEquals(res.status, 200);
  const seen = readEvents(
    res.body!,
    (e) => e.event === "connected" && e.data.chargePointId === "CP-S",
    15_000,
  );
  await new Promise((r) => setTimeout(r, 100));
  const station = await connectStation(a.wsUrl, "CP-S");
  try {
    const events = await seen;
    assert(
      events.some((e) => e.event === "connected" && e.data.chargePointId === "CP-S"),
      JSON.stringify(events),
    );
  } finally {
    await closeStation(station);
  }
});

clusterTest(
  "a node that stops renewing loses its stations after the lease; commands to them fail at once",
  async (a, b, control) => {
    const station = await connectStation(a.wsUrl, "CP-D");
    try {
      await eventually(() => b.registry.isConnected("CP-D"), 3000, "node b sees CP-D");
      assertEquals(b.registry.clusterSize, 1);
      control.crash("node-a");
      await eventually(() => !b.registry.isConnected("CP-D"), 3000, "CP-D offline on b");
      assertEquals(b.registry.clusterSize, 0);
      const started = Date.now();
      const res = await b.json("/api/v1/charge-points/CP-D/Reset", {
        method: "POST",
        body: { type: "Soft" },
        as: "operator",
      });
      assertEquals(res.status, 409, JSON.stringify(res.body));
      // Bounded by the call timeout, not by a guess at a busy machine's speed: waiting takes at least that long.
      assert(Date.now() - started < CALL_TIMEOUT_MS, "the command waited for a dead node");
    } finally {
      await closeStation(station);
    }
  },
);

clusterTest(
  "a node that dies while a command it sent waits for the answer: 504 'may have acted', not 409",
  async (a, b, control) => {
    const station = await connectStation(a.wsUrl, "CP-G");
    let received = false;
    station.handle("Reset", () => {
      received = true;
      return new Promise(() => {});
    });
    try {
      await eventually(() => b.registry.isConnected("CP-G"), 3000, "node b sees CP-G");
      const started = Date.now();
      const answer = b.json("/api/v1/charge-points/CP-G/Reset", { method: "POST", body: { type: "Hard" } });
      await eventually(() => received, 3000, "the station got the Reset");
      control.crash("node-a");
      const res = await answer;
      // A 409 would tell an operator or a job that the Reset never went out, and it would be sent again.
      assertEquals([res.status, res.body.error], [504, "station_timeout"], JSON.stringify(res.body));
      assert(String(res.body.message).includes("stopped answering"), res.body.message);
      assert(Date.now() - started < CALL_TIMEOUT_MS, "it waited for the call timeout, not the node's lease");
    } finally {
      await closeStation(station);
    }
  },
);

clusterTest(
  "a transaction closed by hand while its station's node dies leaves the connector free for its next connection",
  async (a, b, control) => {
    let station = await connectStation(a.wsUrl, "CP-T");
    try {
      const start = await station.call("StartTransaction", {
        connectorId: 1,
        idTag: "TAG-1",
        meterStart: 0,
        timestamp: new Date(Date.now() - 60_000).toISOString(),
      });
      await eventually(() => b.registry.isConnected("CP-T"), 3000, "node b sees CP-T");
      control.crash("node-a");
      const closed = await b.json(`/api/v1/transactions/${start.transactionId}/close`, {
        method: "POST",
        body: { timestamp: new Date().toISOString(), meterStop: 100, reason: "node lost" },
      });
      assertEquals(closed.status, 200, JSON.stringify(closed.body));
      await closeStation(station);
      station = await connectStation(b.wsUrl, "CP-T", { boot: false });
      const cp = await b.json("/api/v1/charge-points/CP-T", { as: "viewer" });
      assertEquals(
        cp.body.connectors.find((c: { connectorId: number }) => c.connectorId === 1)?.transactionId,
        undefined,
      );
    } finally {
      await closeStation(station);
    }
  },
);

clusterTest(
  "a station's node that is alive but never answers: its frames and a disconnect are 504 node_timeout, not 500",
  async (a, b, control) => {
    const station = await connectStation(a.wsUrl, "CP-S");
    try {
      await eventually(() => b.registry.isConnected("CP-S"), 3000, "node b sees CP-S");
      control.mute("node-a");
      const [frames, disconnect] = await Promise.all([
        b.json("/api/v1/charge-points/CP-S/frames"),
        b.json("/api/v1/charge-points/CP-S/disconnect", { method: "POST", as: "admin" }),
      ]);
      for (const res of [frames, disconnect]) {
        assertEquals([res.status, res.body.error], [504, "node_timeout"], JSON.stringify(res.body));
        assert(String(res.body.message).includes('Node "node-a" did not answer'), res.body.message);
      }
    } finally {
      await closeStation(station);
    }
  },
  // A node's request waits commandAnswerBoundMs (twice the call timeout and 5 s): 6 s here, not 15 s. The
  // muted node stays present all along (its 3 s lease is renewed every second), so the answer is still a timeout.
  { CALL_TIMEOUT_MS: "500" },
);

clusterTest(
  "a node claims again the stations it holds whose presence was lost (swept during an outage)",
  async (a, b, control) => {
    const station = await connectStation(a.wsUrl, "CP-L");
    try {
      await eventually(() => b.registry.isConnected("CP-L"), 3000, "node b sees CP-L");
      const presence = control.presence("node-a");
      const held = (await presence.stations()).filter((e) => e.chargePointId === "CP-L");
      assertEquals(held.length, 1);
      // Released as node-a would (only its own row, with its start time).
      await presence.release(held);
      assertEquals((await presence.stations()).filter((e) => e.chargePointId === "CP-L").length, 0);
      await eventually(
        async () =>
          (await presence.stations()).some((e) => e.chargePointId === "CP-L" && e.nodeId === "node-a"),
        3000,
        "CP-L recorded again",
      );
    } finally {
      await closeStation(station);
    }
  },
);

clusterTest("a job run by one node shows its progress on another node's live stream", async (a, b) => {
  const station = await connectStation(a.wsUrl, "CP-J");
  station.handle("Reset", () => ({ status: "Accepted" }));
  try {
    await eventually(() => b.registry.isConnected("CP-J"), 3000, "node b sees CP-J");
    // The task runs on whichever node claims it: both streams must show it, so one saw it over the bus.
    const streams = await Promise.all([a, b].map((n) => n.api("/api/v1/events", { as: "viewer" })));
    const seen = Promise.all(
      streams.map((res) =>
        readEvents(res.body!, (e) => e.event === "job" && e.data.chargePointId === "CP-J", 15_000)
      ),
    );
    await new Promise((r) => setTimeout(r, 100));
    const created = await a.json("/api/v1/jobs", {
      method: "POST",
      as: "operator",
      body: { action: "Reset", payload: { type: "Soft" }, chargePointIds: ["CP-J"] },
    });
    assertEquals(created.status, 201, JSON.stringify(created.body));
    for (const events of await seen) {
      assert(
        events.some((e) => e.event === "job" && e.data.chargePointId === "CP-J"),
        JSON.stringify(events),
      );
    }
  } finally {
    await closeStation(station);
  }
});

clusterTest(
  "the frame log of a station connected nowhere is read from the node that held it",
  async (a, b) => {
    const station = await connectStation(a.wsUrl, "CP-F");
    await eventually(() => b.registry.isConnected("CP-F"), 3000, "node b sees CP-F");
    await closeStation(station);
    await eventually(
      () => !b.registry.isConnected("CP-F") && !a.registry.isConnected("CP-F"),
      3000,
      "CP-F gone",
    );
    const frames = await b.json("/api/v1/charge-points/CP-F/frames");
    assertEquals(frames.status, 200);
    assert(
      frames.body.items.some((f: { frame: string }) => f.frame.includes("BootNotification")),
      JSON.stringify(frames.body),
    );
  },
);

clusterTest(
  "a decommission through a node that has not yet heard of the station's connection still closes it",
  async (a, b, control) => {
    const registered = await a.json("/api/v1/charge-points/CP-LAG", {
      method: "PUT",
      body: { registrationStatus: "Accepted" },
    });
    assertEquals(registered.status, 201);
    const socket = await openRaw(`${a.wsUrl}/CP-LAG`);
    try {
      await eventually(() => b.registry.isConnected("CP-LAG"), 3000, "node b sees CP-LAG");
      // Node b forgets it, as if node a's presence had not reached it yet (for a lease, b trusts that).
      const connectedAt = a.registry.connection("CP-LAG")!.connectedAt;
      await control.broadcast("node-a", { kind: "batch", closed: [{ id: "CP-LAG", connectedAt }] });
      await eventually(() => !b.registry.isConnected("CP-LAG"), 3000, "node b forgot CP-LAG");
      const done = await b.json("/api/v1/charge-points/CP-LAG", { method: "DELETE" });
      assertEquals(done.status, 200, JSON.stringify(done.body));
      assertEquals((await within(socket.closed, 15_000, "CP-LAG closed on node a")).code, 4003);
    } finally {
      await socket.close();
    }
  },
);

const resetsLogged = async (server: ApiTestServer, id: string) =>
  ((await server.json(`/api/v1/charge-points/${id}/commands`)).body.items as {
    action: string;
    outcome: string;
  }[])
    .filter((e) => e.action === "Reset")
    .map((e) => e.outcome);

clusterTest3(
  "a command its station's dead node never took follows the station to the node it reconnected to",
  async (a, b, c, control) => {
    const old = await connectStation(b.wsUrl, "CP-M");
    let oldResets = 0;
    old.handle("Reset", () => {
      oldResets++;
      return { status: "Accepted" };
    });
    let moved: Station | null = null;
    try {
      await eventually(
        () => a.registry.connection("CP-M")?.nodeId === "node-b",
        3000,
        "node a sees CP-M on b",
      );
      await control.kill("node-b");
      const started = Date.now();
      const answer = a.json("/api/v1/charge-points/CP-M/Reset", { method: "POST", body: { type: "Soft" } });
      // The command waits in node b's inbox, which nobody reads; the station reconnects to node c.
      await new Promise((r) => setTimeout(r, 100));
      moved = await connectStation(c.wsUrl, "CP-M", { boot: false });
      moved.handle("Reset", () => ({ status: "Rejected" }));
      const res = await answer;

      assertEquals([res.status, res.body.status], [200, "Rejected"], JSON.stringify(res.body));
      // Node b's lease (3 s, renewed every second) still ran: the move was followed, not the lease's end.
      assert(Date.now() - started < 2000, `answered after ${Date.now() - started} ms`);
      assertEquals(oldResets, 0);
      await eventually(async () => (await resetsLogged(a, "CP-M")).length > 0, 3000, "the Reset logged");
      assertEquals(await resetsLogged(a, "CP-M"), ["accepted"]);
    } finally {
      if (moved) await closeStation(moved);
      await closeStation(old);
    }
  },
);

clusterTest(
  "a command its station's dead node never took is answered by the station reconnected to the sending node",
  async (a, b, control) => {
    const old = await connectStation(b.wsUrl, "CP-H");
    let moved: Station | null = null;
    try {
      await eventually(
        () => a.registry.connection("CP-H")?.nodeId === "node-b",
        3000,
        "node a sees CP-H on b",
      );
      await control.kill("node-b");
      const answer = a.json("/api/v1/charge-points/CP-H/Reset", { method: "POST", body: { type: "Soft" } });
      await new Promise((r) => setTimeout(r, 100));
      moved = await connectStation(a.wsUrl, "CP-H", { boot: false });
      moved.handle("Reset", () => ({ status: "Rejected" }));
      const res = await answer;

      assertEquals([res.status, res.body.status], [200, "Rejected"], JSON.stringify(res.body));
      assertEquals(await resetsLogged(a, "CP-H"), ["accepted"]);
    } finally {
      if (moved) await closeStation(moved);
      await closeStation(old);
    }
  },
);

clusterTest3(
  "a command the station's dead node took is not sent again where the station reconnected: 504 'may have acted'",
  async (a, b, c, control) => {
    const old = await connectStation(b.wsUrl, "CP-N");
    let received = false;
    old.handle("Reset", () => {
      received = true;
      return new Promise(() => {});
    });
    let moved: Station | null = null;
    let movedResets = 0;
    try {
      await eventually(
        () => a.registry.connection("CP-N")?.nodeId === "node-b",
        3000,
        "node a sees CP-N on b",
      );
      const answer = a.json("/api/v1/charge-points/CP-N/Reset", { method: "POST", body: { type: "Hard" } });
      await eventually(() => received, 3000, "the station got the Reset through node b");
      control.crash("node-b");
      moved = await connectStation(c.wsUrl, "CP-N", { boot: false });
      moved.handle("Reset", () => {
        movedResets++;
        return { status: "Accepted" };
      });
      await eventually(
        () => a.registry.connection("CP-N")?.nodeId === "node-c",
        3000,
        "node a sees CP-N on c",
      );
      const res = await answer;

      assertEquals([res.status, res.body.error], [504, "station_timeout"], JSON.stringify(res.body));
      assert(String(res.body.message).includes("may have acted"), res.body.message);
      assertEquals(movedResets, 0);
      // (Its log row is written by node a, and by node b's actor too, alive in this process: the e2e test with
      // a killed process checks it.)
    } finally {
      if (moved) await closeStation(moved);
      await closeStation(old);
    }
  },
);

clusterTest(
  "a firmware failure dismissed through another node is cleared by the actor holding the station",
  async (a, b) => {
    const station = await connectStation(a.wsUrl, "CP-FW");
    try {
      await station.call("FirmwareStatusNotification", { status: "InstallationFailed" });
      await eventually(() => b.registry.isConnected("CP-FW"), 3000, "node b sees CP-FW");
      const res = await b.json("/api/v1/charge-points/CP-FW/firmware-failure/dismiss", {
        method: "POST",
        body: { status: "InstallationFailed" },
        as: "operator",
      });
      assertEquals(res.status, 200, JSON.stringify(res.body));
      // The holder's memory, not only the store: its next writes keep it cleared.
      assertEquals((await a.json("/api/v1/charge-points/CP-FW")).body.firmwareStatus, null);
      await station.call("StatusNotification", {
        connectorId: 1,
        errorCode: "NoError",
        status: "Available",
        timestamp: new Date().toISOString(),
      });
      assertEquals((await b.json("/api/v1/charge-points/CP-FW")).body.firmwareStatus, null);
    } finally {
      await closeStation(station);
    }
  },
);
