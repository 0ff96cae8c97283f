import { assertEquals } from "@std/assert";
import { describeNodes, LOST_NODE_KEPT_MS, type LostNodeRecord } from "./nodes.ts";

const NOW = new Date("2026-12-06T12:00:00.000Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

const lost = (over: Partial<LostNodeRecord> = {}): LostNodeRecord => ({
  nodeId: "b",
  startedAt: ago(3600_000),
  lastRenewedAt: ago(60_000),
  lostAt: ago(55_000),
  stationsAtRenewal: 5,
  leftBehind: 3,
  leftBehindBack: 1,
  ...over,
});

Deno.test("describeNodes() lists this node first, then the others by id, then the lost, newest loss first", () => {
  const nodes = describeNodes({
    selfId: "m",
    now: NOW,
    live: [
      { nodeId: "z", startedAt: null, renewedAt: null, stations: 1 },
      { nodeId: "m", startedAt: null, renewedAt: null, stations: 2 },
      { nodeId: "a", startedAt: null, renewedAt: null, stations: 0 },
    ],
    lost: [lost({ nodeId: "old", lostAt: ago(7200_000) }), lost({ nodeId: "new" })],
  });
  assertEquals(nodes.map((n) => [n.nodeId, n.state, n.self]), [
    ["m", "alive", true],
    ["a", "alive", false],
    ["z", "alive", false],
    ["new", "lost", false],
    ["old", "lost", false],
  ]);
});

Deno.test("describeNodes() counts a lost node's stations at its last renewal and those back on another node", () => {
  // 5 held; 2 had moved before its lease ran out, 1 of the 3 left behind came back since.
  const [node] = describeNodes({ selfId: "a", now: NOW, live: [], lost: [lost()] });
  assertEquals([node!.stations, node!.reconnected, node!.lostAt], [5, 3, ago(55_000)]);
});

Deno.test("describeNodes() takes the stations left behind when the renewal's count is unknown or lower", () => {
  const [unknown] = describeNodes({
    selfId: "a",
    now: NOW,
    live: [],
    lost: [lost({ stationsAtRenewal: null, leftBehind: 4, leftBehindBack: 0 })],
  });
  assertEquals([unknown!.stations, unknown!.reconnected], [4, 0]);
  const [lower] = describeNodes({
    selfId: "a",
    now: NOW,
    live: [],
    lost: [lost({ stationsAtRenewal: 2, leftBehind: 4, leftBehindBack: 9 })],
  });
  assertEquals([lower!.stations, lower!.reconnected], [4, 4]);
});

Deno.test("describeNodes() forgets a node lost more than a day ago, and lists one alive again as alive only", () => {
  const nodes = describeNodes({
    selfId: "a",
    now: NOW,
    live: [{ nodeId: "back", startedAt: null, renewedAt: null, stations: 3 }],
    lost: [
      lost({ nodeId: "back" }),
      lost({ nodeId: "stale", lostAt: ago(LOST_NODE_KEPT_MS + 1) }),
      lost({ nodeId: "fresh", lostAt: ago(LOST_NODE_KEPT_MS - 1000) }),
    ],
  });
  assertEquals(nodes.map((n) => [n.nodeId, n.state]), [["back", "alive"], ["fresh", "lost"]]);
});
