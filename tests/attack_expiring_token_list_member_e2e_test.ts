/**
 * A tag on the managed local list is sent to every station (SendLocalList), which lets the card charge on it
 * offline and keeps the entry: the same credential a raw SendLocalList entry is. An expiring admin token, which
 * may not send such an entry itself, tries to have the server send it: it puts a card a lasting admin made (no
 * expiry) on the list, or makes a new one there. Each answers 403 naming the rule, the card stays off the list,
 * and the strict station is sent only the guest card that ends with the token.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { expiringToken } from "./helpers/expiring_token.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("an expiring admin token cannot put a card usable after it on the local list every station keeps", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "LISTED-1", { boot: false });
  const sent: string[] = [];
  let version = 0;
  station.handle("GetLocalListVersion", () => ({ listVersion: version }));
  station.handle("SendLocalList", ({ params }) => {
    version = params.listVersion;
    sent.push(...(params.localAuthorizationList ?? []).map((e: Json) => e.idTag));
    return { status: "Accepted" };
  });
  try {
    await station.call("BootNotification", { chargePointVendor: "Acme", chargePointModel: "Volt-1" });
    const made = await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "STAFF-1" } });
    assertEquals(made.status, 201);
    const hourEnds = new Date(Date.now() + 3_600_000);
    const hour = await expiringToken(server, "admin", hourEnds);
    const within = new Date(hourEnds.getTime() - 600_000).toISOString();

    const listed = await hour.call("PATCH", "/id-tags/STAFF-1", { localList: true });
    assertEquals(listed.status, 403, JSON.stringify(listed.body));
    assertEquals(listed.body.details.rule, "expiring_token_local_list_member");
    const created = await hour.call("POST", "/id-tags", { idTag: "NEW-1", localList: true });
    assertEquals(created.status, 403, JSON.stringify(created.body));
    assertEquals((await server.json("/api/v1/id-tags/STAFF-1")).body.localList, false);
    assertEquals((await server.json("/api/v1/local-list")).body.members, []);

    const guest = await hour.call("POST", "/id-tags", {
      idTag: "GUEST-1",
      expiryDate: within,
      localList: true,
    });
    assertEquals(guest.status, 201, JSON.stringify(guest.body));
    await eventually(() => sent.length > 0, 5000, "the list sent to the station");
    assertEquals(sent, ["GUEST-1"]);
    // Taking a card off goes; shortening one on the list is judged as a change of the tag.
    assertEquals((await hour.call("PATCH", "/id-tags/GUEST-1", { localList: false })).status, 200);
  } finally {
    await closeStation(station);
    await server.close();
  }
});
