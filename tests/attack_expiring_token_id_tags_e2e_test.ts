/**
 * An id tag that is Accepted lets whoever holds the card charge: a credential. An API token that expires could
 * create one that never expires (or expires after it), extend one, or unblock one, and the card kept working
 * after the token. Now each answers 403 with a JSON body and stores nothing; the token may still create or
 * extend a tag up to its own expiry (a guest card), create a blocked one, block or shorten any, and re-parent any
 * under a group that ends with it (`attack_expiring_token_parent_id_tag_e2e_test.ts`);
 * a token that never expires keeps every right.
 * A tag with an OCPP 2.0.1 idToken type is accepted only when presented as that type: taking the type off (any
 * type then) or changing it lets the card's number be presented in a way it could not be (an RFID UID typed in
 * as a KeyCode): a wider credential, refused too while the tag is usable after the token.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { connectStation201 } from "./helpers/station201.ts";
import { expiringToken } from "./helpers/expiring_token.ts";

Deno.test("an expiring admin token cannot create, extend or unblock an id tag past its own expiry", async () => {
  const server = await startApiServer();
  try {
    const hourEnds = new Date(Date.now() + 3_600_000);
    const { call: asHour } = await expiringToken(server, "admin", hourEnds);
    const before = new Date(hourEnds.getTime() - 600_000).toISOString();
    const after = new Date(hourEnds.getTime() + 600_000).toISOString();

    for (
      const tag of [
        { idTag: "FOREVER-1" },
        { idTag: "FOREVER-2", expiryDate: null },
        { idTag: "LATER-1", expiryDate: after },
      ]
    ) {
      const res = await asHour("POST", "/id-tags", tag);
      assertEquals(res.status, 403, `${JSON.stringify(tag)}: ${JSON.stringify(res.body)}`);
      assertEquals(res.body.error, "forbidden");
      assertEquals((await server.json(`/api/v1/id-tags/${tag.idTag}`)).status, 404);
    }
    // A guest card that stops with the token, and a blocked card, let no one charge after it.
    const guest = await asHour("POST", "/id-tags", { idTag: "GUEST-1", expiryDate: before });
    assertEquals(guest.status, 201, JSON.stringify(guest.body));
    const blocked = await asHour("POST", "/id-tags", { idTag: "BLOCKED-1", status: "Blocked" });
    assertEquals(blocked.status, 201, JSON.stringify(blocked.body));

    for (
      const [idTag, change] of [
        ["GUEST-1", { expiryDate: null }],
        ["GUEST-1", { expiryDate: after }],
        ["BLOCKED-1", { status: "Accepted" }],
      ] as const
    ) {
      const res = await asHour("PATCH", `/id-tags/${idTag}`, change);
      assertEquals(res.status, 403, `${idTag} ${JSON.stringify(change)}: ${JSON.stringify(res.body)}`);
    }
    const shortened = await asHour("PATCH", "/id-tags/GUEST-1", {
      expiryDate: new Date(hourEnds.getTime() - 1_200_000).toISOString(),
    });
    assertEquals(shortened.status, 200, JSON.stringify(shortened.body));

    // A card a lasting credential made: the token may block it or re-parent it, not unblock it.
    const lasting = await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "STAFF-1" } });
    assertEquals(lasting.status, 201, JSON.stringify(lasting.body));
    const parented = await asHour("PATCH", "/id-tags/STAFF-1", { parentIdTag: "GUEST-1" });
    assertEquals(parented.status, 200, JSON.stringify(parented.body));
    const block = await asHour("PATCH", "/id-tags/STAFF-1", { status: "Blocked" });
    assertEquals(block.status, 200, JSON.stringify(block.body));
    const unblock = await asHour("PATCH", "/id-tags/STAFF-1", { status: "Accepted" });
    assertEquals(unblock.status, 403, JSON.stringify(unblock.body));

    const stored = async (idTag: string) => {
      const res = await server.json(`/api/v1/id-tags/${idTag}`);
      return [res.body.status, res.body.expiryDate];
    };
    assertEquals(await stored("STAFF-1"), ["Blocked", null]);
    assertEquals(await stored("BLOCKED-1"), ["Blocked", null]);
    assertEquals((await stored("GUEST-1"))[1], shortened.body.expiryDate);

    // A token that never expires keeps the right.
    const unblocked = await server.json("/api/v1/id-tags/STAFF-1", {
      method: "PATCH",
      body: { status: "Accepted" },
    });
    assertEquals(unblocked.status, 200, JSON.stringify(unblocked.body));
  } finally {
    await server.close();
  }
});

Deno.test("an expiring admin token cannot take off or change the idToken type of a tag usable after it", async () => {
  const server = await startApiServer();
  const station = await connectStation201(server.wsUrl, "TYPE-201");
  try {
    const hourEnds = new Date(Date.now() + 3_600_000);
    const { call: asHour } = await expiringToken(server, "admin", hourEnds);
    const presented = async (idToken: string, type: string) =>
      ((await station.call("Authorize", { idToken: { idToken, type } })) as {
        idTokenInfo: { status: string };
      })
        .idTokenInfo.status;
    const card = await server.json("/api/v1/id-tags", {
      method: "POST",
      body: { idTag: "RFID-7", idTokenType: "ISO14443" },
    });
    assertEquals(card.status, 201, JSON.stringify(card.body));
    assertEquals(await presented("RFID-7", "ISO14443"), "Accepted");
    assertEquals(await presented("RFID-7", "KeyCode"), "Invalid");

    for (const idTokenType of [null, "KeyCode"]) {
      const res = await asHour("PATCH", "/id-tags/RFID-7", { idTokenType });
      assertEquals(res.status, 403, `${idTokenType}: ${JSON.stringify(res.body)}`);
      assertEquals(res.body.error, "forbidden");
    }
    assertEquals((await server.json("/api/v1/id-tags/RFID-7")).body.idTokenType, "ISO14443");
    assertEquals(await presented("RFID-7", "KeyCode"), "Invalid");

    // Setting the type it has, or giving one to a tag of any type, lets it be presented in no new way; nor
    // does any type on a tag that stops with the token, or a blocked one.
    const same = await asHour("PATCH", "/id-tags/RFID-7", { idTokenType: "ISO14443" });
    assertEquals(same.status, 200, JSON.stringify(same.body));
    const anyType = await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "ANY-7" } });
    assertEquals(anyType.status, 201, JSON.stringify(anyType.body));
    const typed = await asHour("PATCH", "/id-tags/ANY-7", { idTokenType: "eMAID" });
    assertEquals(typed.status, 200, JSON.stringify(typed.body));
    const guest = await asHour("POST", "/id-tags", {
      idTag: "GUEST-7",
      idTokenType: "ISO14443",
      expiryDate: new Date(hourEnds.getTime() - 600_000).toISOString(),
    });
    assertEquals(guest.status, 201, JSON.stringify(guest.body));
    const guestAny = await asHour("PATCH", "/id-tags/GUEST-7", { idTokenType: null });
    assertEquals(guestAny.status, 200, JSON.stringify(guestAny.body));
    const blocked = await asHour("POST", "/id-tags", {
      idTag: "BLOCKED-7",
      status: "Blocked",
      idTokenType: "KeyCode",
    });
    assertEquals(blocked.status, 201, JSON.stringify(blocked.body));
    const blockedAny = await asHour("PATCH", "/id-tags/BLOCKED-7", { idTokenType: null });
    assertEquals(blockedAny.status, 200, JSON.stringify(blockedAny.body));

    // A token that never expires keeps the right.
    const lasting = await server.json("/api/v1/id-tags/RFID-7", {
      method: "PATCH",
      body: { idTokenType: null },
    });
    assertEquals(lasting.status, 200, JSON.stringify(lasting.body));
    assertEquals(await presented("RFID-7", "KeyCode"), "Accepted");
  } finally {
    await station.close({ code: 1000, force: true, awaitPending: false });
    await server.close();
  }
});
