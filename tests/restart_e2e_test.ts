import { assertEquals } from "@std/assert";
import { openKvStore } from "../store/kv/mod.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { startTestServer } from "./helpers/server.ts";

Deno.test("a restart on the same KV file keeps station snapshots; an accepted station need not boot again", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csms-restart-" });
  const path = `${dir}/csms.kv`;
  try {
    {
      const store = await openKvStore(path);
      const server = await startTestServer({}, { store });
      const station = await connectStation(server.wsUrl, "CP-RESTART");
      await station.call("StatusNotification", { connectorId: 1, status: "Charging", errorCode: "NoError" });
      await station.call("StatusNotification", { connectorId: 2, status: "Available", errorCode: "NoError" });
      await closeStation(station);
      await server.close();
      await store.close();
    }
    const store = await openKvStore(path);
    const server = await startTestServer({ REGISTRATION_POLICY: "Rejected" }, { store });
    try {
      const record = await store.getChargePoint("CP-RESTART");
      assertEquals(record?.registrationStatus, "Accepted");
      assertEquals(record?.boot?.chargePointVendor, "Acme");
      assertEquals(record?.connectors.map((c) => c.status), ["Charging", "Available"]);
      const station = await connectStation(server.wsUrl, "CP-RESTART", { boot: false });
      assertEquals(typeof (await station.call("Heartbeat", {})).currentTime, "string");
      // Known stations stay Accepted whatever the policy for unknown ones.
      assertEquals(
        (await station.call("BootNotification", { chargePointVendor: "Acme", chargePointModel: "X" })).status,
        "Accepted",
      );
      await closeStation(station);
    } finally {
      await server.close();
      await store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
