/**
 * An id tag that is Accepted lets whoever holds the card charge: a credential. An API token that expires could
 * create one that never expires (or expires after it), extend one, or unblock one, and the card kept working
 * after the token. Now each answers 403 with a JSON body and stores nothing; the token may still create or
 * extend a tag up to its own expiry (a guest card), create a blocked one, and block, shorten or re-parent any;
 * a token that never expires keeps every right.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";

Deno.test("an expiring admin token cannot create, extend or unblock an id tag past its own expiry", async () => {
  const server = await startApiServer();
  try {
    const hourEnds = new Date(Date.now() + 3_600_000);
    const made = await server.json("/api/v1/tokens", {
      method: "POST",
      body: { name: "hour", role: "admin", expiresAt: hourEnds.toISOString() },
    });
    assertEquals(made.status, 201, JSON.stringify(made.body));
    const hour = made.body.token as string;
    const asHour = async (method: string, path: string, body: unknown) => {
      const res = await fetch(`${server.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${hour}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
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
