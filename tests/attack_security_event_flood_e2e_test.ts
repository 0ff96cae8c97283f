/**
 * A station flooding the security event log (SecurityEventNotification, OCPP 1.6 Security Whitepaper §5.15 and
 * OCPP 2.0.1 A04): past its quota (STATION_SECURITY_EVENT_MAX per STATION_SECURITY_EVENT_WINDOW_S) its events
 * are answered but no longer stored one by one, the log stays bounded, and `station_events_dropped` events say
 * how many were dropped, once per STATION_SECURITY_EVENT_REPORT_S. The quota holds across a reconnect, and on
 * PostgreSQL across a restart (another node reads it back from the shared log).
 */
import { assert, assertEquals } from "@std/assert";
import { parseConfig } from "../config.ts";
import { createMemoryLogger } from "../logger.ts";
import { openStores } from "../store/open.ts";
import { type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { connectSecurityStation } from "./helpers/security_station.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, openRaw } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

interface Item {
  kind: string;
  reason: string;
  chargePointId: string | null;
}

/** Every security event of the station, newest first, through the operator API's pages. */
async function stationEvents(server: ApiTestServer, id: string): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `chargePointId=${id}&limit=200${cursor ? `&before=${cursor}` : ""}`;
    const page = await server.json(`/api/v1/security-events?${query}`, { as: "operator" });
    assertEquals(page.status, 200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

const stored = (items: Item[]) =>
  items.filter((e) => e.kind.startsWith("station_event_") || e.kind === "station_event");
const reports = (items: Item[]) => items.filter((e) => e.kind === "station_events_dropped");
/** The drops the reports add up to: `[all, critical]`. */
function reportedDrops(items: Item[]): [number, number] {
  let all = 0;
  let critical = 0;
  for (const r of reports(items)) {
    all += Number(/: (\d+) dropped/.exec(r.reason)?.[1] ?? NaN);
    critical += Number(/dropped \((\d+) critical\)/.exec(r.reason)?.[1] ?? 0);
  }
  return [all, critical];
}

/** The station's events once its reports add up to `drops` (the timer reports the tail of a flood). */
async function whenReported(server: ApiTestServer, id: string, drops: number): Promise<Item[]> {
  const items = await eventually(
    async () => {
      const items = await stationEvents(server, id);
      return reportedDrops(items)[0] === drops ? items : null;
    },
    15_000,
    `${drops} drops of ${id} to be reported`,
  );
  return items!;
}

const QUOTA = {
  STATION_SECURITY_EVENT_MAX: "20",
  STATION_SECURITY_EVENT_WINDOW_S: "3600",
  STATION_SECURITY_EVENT_REPORT_S: "1",
  // The station flood is what is tested here, not the frame rate (a station waiting for its answers is only
  // slowed by that, and would pass anyway given time).
  STATION_MSG_RATE: "0",
  PING_INTERVAL_S: "0",
};

Deno.test("a station sending 2,000 SecurityEventNotifications at once: all answered, 20 (and 20 critical) stored, the drops reported once a second", async () => {
  const server = await startApiServer(QUOTA);
  const raw = await openRaw(`${server.wsUrl}/CP-EVFLOOD`);
  try {
    raw.send(
      JSON.stringify([2, "boot", "BootNotification", { chargePointVendor: "Acme", chargePointModel: "X" }]),
    );
    assertEquals((await raw.next() as unknown[])[0], 3);
    const total = 2000;
    const started = performance.now();
    for (let i = 0; i < total; i++) {
      const type = i % 50 === 49 ? "TamperDetectionActivated" : "InvalidMessages";
      raw.send(JSON.stringify([2, `e${i}`, "SecurityEventNotification", {
        type,
        timestamp: "2026-12-01T10:00:00Z",
        techInfo: `flood ${i}`,
      }]));
    }
    const answers = new Map<string, unknown[]>();
    while (answers.size < total) {
      const frame = await raw.next() as unknown[];
      answers.set(frame[1] as string, frame);
    }
    const floodMs = performance.now() - started;
    // Every one answered as OCPP asks (a CALLRESULT with the empty payload): nothing for the station to retry.
    assert([...answers.values()].every((f) => f[0] === 3 && JSON.stringify(f[2]) === "{}"));

    // The tail of the flood is reported by the timer once its second is up; every drop is counted once.
    const items = await whenReported(server, "CP-EVFLOOD", total - 40);
    assertEquals(stored(items).length, 40, "the log holds the quota, not the flood");
    // Critical events have a quota of their own: the first 20 tamper alarms are there, not buried.
    const critical = stored(items).filter((e) => e.kind === "station_event_critical");
    assertEquals(critical.length, 20);
    assert(critical.some((e) => e.reason.includes("flood 49 ")), JSON.stringify(critical.at(-1)));
    assertEquals(reportedDrops(items)[1], 20, "the other 20 are counted as critical drops");
    assert(
      reports(items).length <= Math.ceil(floodMs / 1000) + 2,
      `${reports(items).length} reports for a flood of ${Math.round(floodMs)} ms`,
    );
    assert(reports(items).every((r) => r.reason.includes("quota of 20 security events per 3600 s")));
    // The answers went out; the server is still serving it.
    raw.send(JSON.stringify([2, "hb", "Heartbeat", {}]));
    assertEquals((await raw.next() as unknown[])[0], 3);
    await raw.close();

    // Reconnecting does not reset the quota: answered, not stored, reported.
    const station = await connectSecurityStation(server.wsUrl, "CP-EVFLOOD");
    try {
      assertEquals(
        await station.call("SecurityEventNotification", {
          type: "TamperDetectionActivated",
          timestamp: "2026-12-01T10:01:00Z",
        }),
        {},
      );
      const after = await whenReported(server, "CP-EVFLOOD", total - 39);
      assertEquals(stored(after).length, 40);
    } finally {
      await closeStation(station);
    }
    // Other stations keep their own quota.
    const other = await connectSecurityStation(server.wsUrl, "CP-EVQUIET");
    try {
      await other.call("SecurityEventNotification", {
        type: "FirmwareUpdated",
        timestamp: "2026-12-01T10:02:00Z",
      });
      assertEquals(stored(await stationEvents(server, "CP-EVQUIET")).length, 1);
    } finally {
      await closeStation(other);
    }
  } finally {
    await raw.close();
    await server.close();
  }
});

Deno.test("an OCPP 2.0.1 station's SecurityEventNotifications have the same quota", async () => {
  const server = await startApiServer({ ...QUOTA, STATION_SECURITY_EVENT_MAX: "3" });
  const station = await connectStation201(server.wsUrl, "CP-EVFLOOD201");
  try {
    for (let i = 0; i < 10; i++) {
      assertEquals(
        await station.call("SecurityEventNotification", {
          type: "TamperDetectionActivated",
          timestamp: "2026-12-01T10:00:00Z",
          techInfo: `lid ${i}`,
        }),
        {},
      );
    }
    const items = await whenReported(server, "CP-EVFLOOD201", 7);
    assertEquals(stored(items).length, 3);
    assertEquals(reportedDrops(items)[1], 7, "all seven were critical");
    assert(
      reports(items).some((r) =>
        r.reason.endsWith("the last: TamperDetectionActivated: lid 9 (station time 2026-12-01T10:00:00.000Z)")
      ),
      JSON.stringify(reports(items)),
    );
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test({
  name:
    "on PostgreSQL the quota is read back from the shared log: another server on the database does not reset it",
  ignore: await ignoreWithoutPostgres("security event quota on PostgreSQL"),
  async fn() {
    const db = await migratedDatabase("csms_evquota");
    try {
      const stores = await openStores(parseConfig({ DATABASE_URL: db.url }), createMemoryLogger());
      try {
        const env = { ...QUOTA, STATION_SECURITY_EVENT_MAX: "5", STATION_SECURITY_EVENT_REPORT_S: "60" };
        const first = await startApiServer(env, stores);
        try {
          const station = await connectSecurityStation(first.wsUrl, "CP-EVPG");
          for (let i = 0; i < 8; i++) {
            await station.call("SecurityEventNotification", {
              type: "InvalidMessages",
              timestamp: "2026-12-01T10:00:00Z",
            });
          }
          await closeStation(station);
        } finally {
          // Its shutdown reports the drops its interval had not let through yet: nothing is lost.
          await first.close();
        }
        const second = await startApiServer(env, stores);
        try {
          let items = await stationEvents(second, "CP-EVPG");
          assertEquals(stored(items).length, 5);
          assertEquals(reportedDrops(items)[0], 3);
          assertEquals(reports(items).length, 2, "the first drop at once, the rest at shutdown");
          const station = await connectSecurityStation(second.wsUrl, "CP-EVPG");
          assertEquals(
            await station.call("SecurityEventNotification", {
              type: "InvalidMessages",
              timestamp: "2026-12-01T10:00:00Z",
            }),
            {},
          );
          await closeStation(station);
          items = await stationEvents(second, "CP-EVPG");
          assertEquals(stored(items).length, 5, "the other server knew the quota was used up");
          // Reported less than a minute ago (by the first server): this drop waits for its interval.
          assertEquals(reports(items).length, 2);
        } finally {
          await second.close();
        }
        // The second server's shutdown reported its drop, interval or not.
        const log = await stores.stationSecurity!.listSecurityEvents({
          chargePointId: "CP-EVPG",
          limit: 100,
        });
        assertEquals(reportedDrops(log)[0], 4);
      } finally {
        await stores.close();
      }
    } finally {
      await db.drop();
    }
  },
});
