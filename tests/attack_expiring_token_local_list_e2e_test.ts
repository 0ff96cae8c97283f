/**
 * A station keeps the local authorization list it is sent and lets its cards charge (offline too): an Accepted
 * entry is a credential at the station. An API token that expires, refused an id tag usable after it, could
 * still send SendLocalList (or a job of it) with an entry that never expires. Now that answers 403 with a JSON
 * body and nothing is sent; entries that expire no later than the token, or that block a card, still go.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { bootedRawStation } from "./helpers/station.ts";
import { expiringToken } from "./helpers/expiring_token.ts";

Deno.test("an expiring operator token cannot send a local list entry usable after it; one that ends with it goes", async () => {
  const server = await startApiServer();
  const station = await bootedRawStation(`${server.wsUrl}/LIST-1`);
  try {
    const hourEnds = new Date(Date.now() + 3_600_000);
    const { call: callAsHour } = await expiringToken(server, "operator", hourEnds);
    const asHour = (path: string, body: unknown) => callAsHour("POST", path, body);
    const later = new Date(hourEnds.getTime() + 600_000).toISOString();
    for (
      const idTagInfo of [
        { status: "Accepted" },
        { status: "Accepted", expiryDate: later },
        { status: "ConcurrentTx" },
      ]
    ) {
      const list = {
        listVersion: 7,
        updateType: "Differential",
        localAuthorizationList: [{ idTag: "BLOCK-ME", idTagInfo: { status: "Blocked" } }, {
          idTag: "FOREVER-1",
          idTagInfo,
        }],
      };
      const sent = await asHour("/charge-points/LIST-1/SendLocalList", list);
      assertEquals(sent.status, 403, `${JSON.stringify(idTagInfo)}: ${JSON.stringify(sent.body)}`);
      assertEquals(sent.body.error, "forbidden");
      const job = await asHour("/jobs", {
        action: "SendLocalList",
        payload: list,
        chargePointIds: ["LIST-1"],
      });
      assertEquals(job.status, 403, `${JSON.stringify(idTagInfo)}: ${JSON.stringify(job.body)}`);
    }
    assertEquals((await server.json("/api/v1/jobs")).body.items, []);

    // An entry that ends with the token, and one that blocks a card: sent, and the station's answer comes back.
    const list = {
      listVersion: 8,
      updateType: "Differential",
      localAuthorizationList: [
        { idTag: "GUEST-1", idTagInfo: { status: "Accepted", expiryDate: hourEnds.toISOString() } },
        { idTag: "BLOCK-ME", idTagInfo: { status: "Blocked" } },
      ],
    };
    const answered = asHour("/charge-points/LIST-1/SendLocalList", list);
    const call = await station.next() as unknown[];
    assertEquals([call[0], call[2], call[3]], [2, "SendLocalList", list]);
    station.send(JSON.stringify([3, call[1], { status: "Accepted" }]));
    const result = await answered;
    assertEquals([result.status, result.body], [200, { status: "Accepted" }]);
  } finally {
    await station.close();
    await server.close();
  }
});
