/**
 * A tag's parentIdTag is its group (OCPP 1.6 §5.13, 2.0.1 groupIdToken): the members stop each other's sessions
 * and use the group's reservations, and a 2.0.1 station's MasterPassGroupId group stops any session. An
 * expiring admin token moves a card that lasts under a group that lasts (an Accepted tag with no expiry, or a
 * group id that is no tag here, such as a master pass group): the card would keep the group's powers after the
 * token. Each answers 403 naming the rule, the card keeps its parent, and the station's Authorize answer names
 * the old one. A group that ends with the token, a blocked one, taking the parent off, and any group for a card
 * that ends with the token, still go.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { expiringToken } from "./helpers/expiring_token.ts";

Deno.test("an expiring admin token cannot put a lasting card in a group that outlives it", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "GROUP-1");
  try {
    const hourEnds = new Date(Date.now() + 3_600_000);
    const within = new Date(hourEnds.getTime() - 600_000).toISOString();
    const past = new Date(hourEnds.getTime() + 600_000).toISOString();
    const asAdmin = (body: unknown) => server.json("/api/v1/id-tags", { method: "POST", body });
    for (
      const tag of [
        { idTag: "CARD-1", parentIdTag: "TEAM-OLD" },
        { idTag: "TEAM-OLD" },
        { idTag: "TEAM-FOREVER" },
        { idTag: "TEAM-LATER", expiryDate: past },
        { idTag: "TEAM-HOUR", expiryDate: within },
        { idTag: "TEAM-BLOCKED", status: "Blocked" },
        { idTag: "GUEST-1", expiryDate: within },
      ]
    ) assertEquals((await asAdmin(tag)).status, 201);
    const hour = await expiringToken(server, "admin", hourEnds);
    const move = (idTag: string, body: Record<string, unknown>) =>
      hour.call("PATCH", `/id-tags/${idTag}`, body);

    for (const parentIdTag of ["TEAM-FOREVER", "TEAM-LATER", "MASTER-PASS"]) {
      const res = await move("CARD-1", { parentIdTag });
      assertEquals(res.status, 403, `${parentIdTag}: ${JSON.stringify(res.body)}`);
      assertEquals(res.body.error, "forbidden");
      assertEquals(res.body.details.rule, "expiring_token_parent_id_tag");
      assertEquals(res.body.details.parentIdTag, parentIdTag);
    }
    // Nor by creating a card in such a group (refused already: the card itself would outlive the token).
    const created = await hour.call("POST", "/id-tags", { idTag: "CARD-2", parentIdTag: "MASTER-PASS" });
    assertEquals(created.status, 403, JSON.stringify(created.body));
    assertEquals((await server.json("/api/v1/id-tags/CARD-1")).body.parentIdTag, "TEAM-OLD");
    const authorized = await station.call("Authorize", { idTag: "CARD-1" });
    assertEquals(authorized.idTagInfo, { status: "Accepted", parentIdTag: "TEAM-OLD" });

    assertEquals((await move("CARD-1", { parentIdTag: "team-old" })).status, 200, "the same group");
    assertEquals(
      (await move("CARD-1", { parentIdTag: "TEAM-HOUR" })).status,
      200,
      "a group that ends with it",
    );
    assertEquals((await move("CARD-1", { parentIdTag: "TEAM-BLOCKED" })).status, 200, "a blocked group");
    assertEquals((await move("CARD-1", { parentIdTag: null })).status, 200, "no group");
    assertEquals(
      (await move("GUEST-1", { parentIdTag: "MASTER-PASS" })).status,
      200,
      "a card that ends with it",
    );
    const both = await move("CARD-1", { parentIdTag: "TEAM-FOREVER", expiryDate: within });
    assertEquals(both.status, 200, "a card cut to the token's expiry in the same change");

    const bySession = await server.json("/api/v1/id-tags/GUEST-1", {
      method: "PATCH",
      body: { expiryDate: null, parentIdTag: "TEAM-FOREVER" },
    });
    assertEquals(bySession.status, 200, "a token that does not expire may");
  } finally {
    await closeStation(station);
    await server.close();
  }
});
