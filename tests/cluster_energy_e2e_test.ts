/**
 * Charging profiles and site load management in a cluster (two server processes on one PostgreSQL database):
 * an operator's profile sent through one node reaches a station held by the other, and a site whose stations
 * are held by different nodes is divided as one site (each session gets its share, the sum never above the
 * site's limit), not as two halves that each count the other's stations at their last limits.
 */
import { assert, assertEquals } from "@std/assert";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { freshDatabase, ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { type ServerProcess, spawnServer } from "./helpers/process.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

const ignore = await ignoreWithoutPostgres("charging profiles in a cluster");

// deno-lint-ignore no-explicit-any
type Json = any;

/** What a station enforces on connector 1, as it applies the profiles it receives. */
interface Applied {
  txLimit: number | null;
  defaultLimit: number | null;
  running: number | null;
}

const SITE_LIMIT_A = 32;

async function twoNodes(name: string, env: Record<string, string> = {}) {
  const db = await freshDatabase(name);
  const common = {
    DATABASE_URL: db.url,
    ADMIN_USER: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    PRESENCE_LEASE_S: "2",
    ...env,
  };
  const a = await spawnServer(common);
  const b = await spawnServer(common);
  await eventually(
    () => [a, b].every((s) => s.logs.some((l) => l.msg === "cluster node started")),
    30_000,
    "two cluster nodes",
  );
  const apis = new Map([[a, await adminApi(a.url)], [b, await adminApi(b.url)]]);
  const api = (server: ServerProcess, path: string, init?: { method?: string; body?: unknown }) =>
    apis.get(server)!(path, init);
  const close = async () => {
    await b.kill();
    await a.kill();
    await db.drop();
  };
  return { a, b, api, close };
}

Deno.test({
  name: "an operator's charging profile sent through one node reaches the station held by the other",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { a, b, api, close } = await twoNodes("csms_cluster_profiles");
    let station: Station | undefined;
    try {
      station = await connectStation(a.wsUrl, "CP-P");
      const received: unknown[] = [];
      station.handle("SetChargingProfile", ({ params }) => {
        received.push(params);
        return { status: "Accepted" };
      });
      await eventually(
        async () => (await api(b, "/charge-points/CP-P")).body?.online === true,
        10_000,
        "online",
      );
      const set = await api(b, "/charge-points/CP-P/charging-profiles", {
        method: "POST",
        body: {
          connectorId: 0,
          csChargingProfiles: {
            chargingProfileId: 7,
            stackLevel: 3,
            chargingProfilePurpose: "ChargePointMaxProfile",
            chargingProfileKind: "Relative",
            chargingSchedule: {
              chargingRateUnit: "A",
              chargingSchedulePeriod: [{ startPeriod: 0, limit: 20 }],
            },
          },
        },
      });
      assertEquals(set.body?.status, "Accepted", JSON.stringify(set));
      assertEquals(received.length, 1);
      const stored = await api(a, "/charge-points/CP-P/charging-profiles");
      assertEquals(stored.body.items.map((p: Json) => [p.chargingProfileId, p.state]), [[7, "installed"]]);
      // Logged once, by the profile service of the node that was asked (the holder sent it without a log).
      const log = await api(a, "/charge-points/CP-P/commands");
      assertEquals(
        log.body.items.filter((c: Json) => c.action === "SetChargingProfile").map((c: Json) =>
          c.response?.status
        ),
        ["Accepted"],
      );
    } finally {
      if (station) await closeStation(station);
      await close();
    }
  },
});

Deno.test({
  name: "a site whose stations are held by two nodes is divided as one site",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { a, b, api, close } = await twoNodes("csms_cluster_site", {
      ENERGY_REBALANCE_INTERVAL_S: "0.5",
    });
    const stations = new Map<string, Station>();
    const applied = new Map<string, Applied>();
    const violations: string[] = [];
    const mayDraw = () => {
      let sum = 0;
      for (const s of applied.values()) if (s.running !== null) sum += s.txLimit ?? s.defaultLimit ?? 32;
      return sum;
    };
    try {
      const put = await api(a, "/sites/depot", {
        method: "PUT",
        body: { name: "Depot", maxCurrentA: SITE_LIMIT_A, chargePointIds: ["CP-A", "CP-B"] },
      });
      assertEquals(put.status, 201, JSON.stringify(put.body));
      for (const [id, node] of [["CP-A", a], ["CP-B", b]] as const) {
        const station = await connectStation(node.wsUrl, id);
        const state: Applied = { txLimit: null, defaultLimit: null, running: null };
        applied.set(id, state);
        station.handle("SetChargingProfile", ({ params }) => {
          const profile = params.csChargingProfiles;
          const limit = profile.chargingSchedule.chargingSchedulePeriod[0].limit;
          const before = state.txLimit ?? state.defaultLimit ?? 32;
          if (profile.chargingProfilePurpose === "TxProfile") {
            if (profile.transactionId !== state.running) return { status: "Rejected" };
            state.txLimit = limit;
          } else if (profile.chargingProfilePurpose === "TxDefaultProfile") {
            state.defaultLimit = limit;
          }
          const after = state.txLimit ?? state.defaultLimit ?? 32;
          if (after > before && mayDraw() > SITE_LIMIT_A) violations.push(`${id} raised to ${after} A`);
          return { status: "Accepted" };
        });
        station.handle("ClearChargingProfile", () => ({ status: "Accepted" }));
        stations.set(id, station);
      }
      await eventually(
        () => [...applied.values()].every((s) => s.defaultLimit === 0),
        10_000,
        "TxDefaultProfiles on both stations",
      );
      const start = async (id: string) => {
        const state = applied.get(id)!;
        const res = await stations.get(id)!.call("StartTransaction", {
          connectorId: 1,
          idTag: "FLEET",
          meterStart: 0,
          timestamp: new Date().toISOString(),
        });
        state.running = res.transactionId;
      };
      const limits = (expected: Record<string, number>) =>
        eventually(
          () => Object.entries(expected).every(([id, limit]) => applied.get(id)!.txLimit === limit),
          10_000,
          JSON.stringify(expected),
        ).catch((error) => {
          const got = Object.fromEntries([...applied].map(([id, s]) => [id, s.txLimit]));
          throw new Error(`${error.message}; the stations enforce ${JSON.stringify(got)}`);
        });
      await start("CP-A");
      await limits({ "CP-A": 32 });
      // CP-B's start is heard by node b: CP-A, held by node a, must come down for CP-B to get its share.
      await start("CP-B");
      await limits({ "CP-A": 16, "CP-B": 16 });
      assert(mayDraw() <= SITE_LIMIT_A);
      assertEquals(violations, []);
    } finally {
      for (const station of stations.values()) await closeStation(station);
      await close();
    }
  },
});
