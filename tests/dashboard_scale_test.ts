/**
 * The overview with 10,000 stations in the store: the KPIs and attention counts cover them all, one page of 50
 * rows is rendered, the page links walk on, a search narrows it and a sort orders all of them; each render
 * costs well under a second and a half of CPU.
 */
import process from "node:process";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import type { ChargePointRecord } from "../model/charge_point.ts";
import { ADMIN, startApiServer } from "./helpers/api.ts";

const STATIONS = 10_000;

Deno.test("the overview pages and searches 10,000 stations quickly, server-side", async () => {
  const server = await startApiServer();
  try {
    const at = new Date().toISOString();
    const writes: Promise<void>[] = [];
    for (let i = 0; i < STATIONS; i++) {
      const record: ChargePointRecord = {
        id: `CP-${String(i).padStart(5, "0")}`,
        registrationStatus: "Accepted",
        boot: { chargePointVendor: "Acme", chargePointModel: "Volt-1" },
        bootedAt: at,
        connectors: [{
          connectorId: 1,
          status: i % 7 === 0 ? "Faulted" : "Available",
          errorCode: "NoError",
          timestamp: at,
        }],
        lastSeen: at,
        firmwareStatus: null,
        diagnosticsStatus: null,
        configuration: null,
        createdAt: at,
        updatedAt: at,
      };
      writes.push(server.store.putChargePoint(record));
      if (writes.length >= 500) await Promise.all(writes.splice(0));
    }
    await Promise.all(writes);
    const cookie = await server.login(ADMIN.username, ADMIN.password);
    // The server runs in this process: the CPU it spends on a page is what a page costs, whatever else the
    // machine is doing (wall time is not: a busy machine made a page take 7 s).
    const get = async (path: string) => {
      const started = process.cpuUsage();
      const res = await fetch(`${server.url}${path}`, { headers: { cookie } });
      const body = await res.text();
      const used = process.cpuUsage(started);
      return { status: res.status, body, ms: (used.user + used.system) / 1000 };
    };

    const first = await get("/");
    assertEquals(first.status, 200);
    assertEquals(first.body.match(/<tr data-station=/g)?.length, 50);
    assertStringIncludes(first.body, 'data-station="CP-00000"');
    assertStringIncludes(first.body, 'data-station="CP-00049"');
    assertStringIncludes(first.body, "1–50 of 10000 stations");
    assertStringIncludes(
      first.body,
      '<span class="kpi-value">0</span><span class="kpi-label">online of 10000</span>',
    );
    const next = /href="(\/\?offset=50)" rel="next"/.exec(first.body)?.[1];
    assert(next, "a Next link");

    const second = await get(next);
    assertEquals(second.body.match(/<tr data-station=/g)?.length, 50);
    assertStringIncludes(second.body, 'data-station="CP-00050"');
    assertStringIncludes(second.body, 'rel="prev"');

    const search = await get("/?search=cp-0999");
    assertEquals(search.body.match(/<tr data-station=/g)?.length, 10);
    assertStringIncludes(search.body, 'data-station="CP-09999"');

    const sorted = await get("/?sort=id&order=desc");
    assertEquals(/<tr data-station="([^"]+)"/.exec(sorted.body)?.[1], "CP-09999");

    for (const r of [first, second, search, sorted]) {
      assert(r.ms < 1500, `a page took ${r.ms.toFixed(0)} ms of CPU`);
    }
  } finally {
    await server.close();
  }
});
