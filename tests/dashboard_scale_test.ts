/**
 * The overview with 10,000 stations in the store: one page is rendered from one API page (never the whole
 * list), the cursor links walk on, and a search narrows it; each render stays well under a second.
 */
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
    const get = async (path: string) => {
      const started = performance.now();
      const res = await fetch(`${server.url}${path}`, { headers: { cookie } });
      const body = await res.text();
      return { status: res.status, body, ms: performance.now() - started };
    };

    const first = await get("/");
    assertEquals(first.status, 200);
    assertEquals(first.body.match(/<tr data-station=/g)?.length, 50);
    assertStringIncludes(first.body, 'data-station="CP-00000"');
    assertStringIncludes(first.body, 'data-station="CP-00049"');
    const next = /href="(\?after=[^"]+)" rel="next"/.exec(first.body)?.[1]?.replaceAll("&amp;", "&");
    assert(next, "a Next link");

    const second = await get(`/${next}`);
    assertEquals(second.body.match(/<tr data-station=/g)?.length, 50);
    assertStringIncludes(second.body, 'data-station="CP-00050"');
    assertStringIncludes(second.body, 'rel="prev"');

    const search = await get("/?search=cp-0999");
    assertEquals(search.body.match(/<tr data-station=/g)?.length, 10);
    assertStringIncludes(search.body, 'data-station="CP-09999"');

    for (const r of [first, second, search]) assert(r.ms < 1500, `a page took ${r.ms.toFixed(0)} ms`);
  } finally {
    await server.close();
  }
});
