/**
 * A 2.0.1 station flooding NotifyReport parts that each describe hundreds of variables never seen before
 * (a requestId nobody asked for, `tbc` true for ever) must not grow its stored device model without bound:
 * past MAX_DEVICE_MODEL_ENTRIES a part that would add entries is refused with OccurrenceConstraintViolation
 * and nothing of it is stored, while a part re-describing stored variables is still taken, the station's
 * other messages are answered and another station's report is stored. Raw WebSocket, both stores.
 */
import { assert, assertEquals } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import type { ApiTestServer } from "./helpers/api.ts";
import { openRaw, rawCall } from "./helpers/station.ts";
import { MAX_DEVICE_MODEL_ENTRIES } from "../actors/handlers/bounds.ts";

const PART = 300;

function part(prefix: string, partNo: number, value = "v") {
  return {
    requestId: 424242,
    generatedAt: new Date().toISOString(),
    seqNo: partNo,
    tbc: true,
    reportData: Array.from({ length: PART }, (_, i) => ({
      component: { name: `${prefix}${partNo}` },
      variable: { name: `Var${i}` },
      variableAttribute: [{ value }],
    })),
  };
}

async function storedEntries(server: ApiTestServer, id: string): Promise<{ name: string; value?: string }[]> {
  const out: { name: string; value?: string }[] = [];
  let after: string | null = null;
  do {
    const query: string = after === null ? "" : `&after=${encodeURIComponent(after)}`;
    const res = await server.json(`/api/v1/charge-points/${id}/device-model?limit=1000${query}`, {
      as: "viewer",
    });
    assertEquals(res.status, 200, JSON.stringify(res.body).slice(0, 300));
    for (const e of res.body.items) {
      out.push({ name: `${e.component.name}.${e.variable.name}`, value: e.attributes[0]?.value });
    }
    after = res.body.nextCursor;
  } while (after !== null);
  return out;
}

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: a NotifyReport flood stops at the device model's bound, the station and others go on`, async () => {
    await withApiServer(kind, async (server) => {
      const flooder = await openRaw(`${server.wsUrl}/CP-DMFLOOD`, ["ocpp2.0.1"]);
      const other = await openRaw(`${server.wsUrl}/CP-DMQUIET`, ["ocpp2.0.1"]);
      try {
        const boot = { reason: "PowerUp", chargingStation: { model: "M", vendorName: "V" } };
        assertEquals((await rawCall(flooder, "BootNotification", boot))[0], 3);
        assertEquals((await rawCall(other, "BootNotification", boot))[0], 3);
        const fit = Math.floor(MAX_DEVICE_MODEL_ENTRIES / PART);
        for (let n = 0; n < fit; n++) {
          const reply = await rawCall(flooder, "NotifyReport", part("Flood", n));
          assertEquals(reply[0], 3, `part ${n}: ${JSON.stringify(reply).slice(0, 200)}`);
        }
        // The part that would cross the bound, and any after it, is refused whole.
        for (let n = fit; n < fit + 3; n++) {
          const reply = await rawCall(flooder, "NotifyReport", part("Flood", n));
          assertEquals(reply[0], 4, `part ${n}: ${JSON.stringify(reply).slice(0, 200)}`);
          assertEquals(reply[2], "OccurrenceConstraintViolation");
        }
        // Re-describing stored variables is still taken: the model stays current.
        assertEquals((await rawCall(flooder, "NotifyReport", part("Flood", 0, "fresh")))[0], 3);
        assertEquals((await rawCall(flooder, "Heartbeat", {}))[0], 3);
        const stored = await storedEntries(server, "CP-DMFLOOD");
        assertEquals(stored.length, fit * PART);
        assert(stored.length <= MAX_DEVICE_MODEL_ENTRIES);
        assertEquals(stored.find((e) => e.name === "Flood0.Var7")?.value, "fresh");
        assert(!stored.some((e) => e.name.startsWith(`Flood${fit}.`)), "nothing of a refused part is kept");
        // Another station's report is stored as ever.
        assertEquals((await rawCall(other, "NotifyReport", part("Quiet", 0)))[0], 3);
        assertEquals((await storedEntries(server, "CP-DMQUIET")).length, PART);
        for (const path of ["/api/v1/charge-points/CP-DMFLOOD", "/api/v1/overview"]) {
          assertEquals((await server.api(path, { as: "viewer" })).status, 200, path);
        }
      } finally {
        await flooder.close();
        await other.close();
      }
    });
  });
}
