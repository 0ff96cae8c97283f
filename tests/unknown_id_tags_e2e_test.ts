/**
 * Unknown id tags, the way stations and operators meet them: a 1.6 and a 2.0.1 station (strict ocpp-rpc)
 * present tags that are not stored, the operator API lists them (counted per tag, any case, newest first) on KV
 * and PostgreSQL until an admin adds one or dismisses it; the Id tags page in Chromium offers "Add…"; a station
 * flooding random tags leaves at most UNKNOWN_ID_TAGS_KEEP of them.
 */
import { assert, assertEquals } from "@std/assert";
import type { Browser } from "playwright-core";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";
import type { UnknownIdTag } from "../model/unknown_id_tag.ts";

/** What the API lists: the model's tally as JSON. */
type Listed = UnknownIdTag;

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: an id tag stations present in vain is listed for operators until one adds or dismisses it`, async () => {
    await withApiServer(kind, async (server) => {
      const cp16 = await connectStation(server.wsUrl, "CP-16");
      const cp201 = await connectStation201(server.wsUrl, "CP-201");
      try {
        assertEquals(
          (await server.json("/api/v1/id-tags", {
            method: "POST",
            body: { idTag: "STOLEN", status: "Blocked" },
          }))
            .status,
          201,
        );
        // Three presentations of one new card, in three spellings (tags match case-insensitively).
        assertEquals((await cp16.call("Authorize", { idTag: "new-card" })).idTagInfo.status, "Invalid");
        assertEquals((await cp16.call("Authorize", { idTag: "NEW-CARD" })).idTagInfo.status, "Invalid");
        const start = await cp16.call("StartTransaction", {
          connectorId: 1,
          idTag: "New-Card",
          meterStart: 0,
          timestamp: new Date().toISOString(),
        });
        assertEquals(start.idTagInfo.status, "Invalid");
        // A known tag, however refused, is not unknown.
        assertEquals((await cp16.call("Authorize", { idTag: "STOLEN" })).idTagInfo.status, "Blocked");
        await new Promise((r) => setTimeout(r, 5));
        const emaid = { idToken: "DEACC12E46L89", type: "eMAID" };
        assertEquals((await cp201.call("Authorize", { idToken: emaid })).idTokenInfo.status, "Invalid");

        const listed: Listed[] = await eventually<Listed[]>(
          async () => {
            const { body } = await server.json<{ items: Listed[] }>("/api/v1/unknown-id-tags", {
              as: "viewer",
            });
            if (body.items.length === 2 && body.items[1]!.count === 3) return body.items;
            throw new Error(JSON.stringify(body.items));
          },
          15_000,
          "both unknown tags listed",
        );
        assertEquals(listed.map((t) => [t.idTag, t.idTokenType, t.count, t.chargePointId]), [
          ["DEACC12E46L89", "eMAID", 1, "CP-201"],
          ["New-Card", null, 3, "CP-16"],
        ]);
        assert(listed[1]!.firstSeen < listed[1]!.lastSeen, JSON.stringify(listed[1]));

        // Only admins dismiss; a name too long for any idToken is a 400, one not listed a 404.
        assertEquals(
          (await server.api("/api/v1/unknown-id-tags/DEACC12E46L89", { method: "DELETE", as: "operator" }))
            .status,
          403,
        );
        const tooLong = await server.json(`/api/v1/unknown-id-tags/${"x".repeat(37)}`, { method: "DELETE" });
        assertEquals([tooLong.status, tooLong.body.error], [400, "invalid_request"]);
        assertEquals(
          (await server.api("/api/v1/unknown-id-tags/DEACC12E46L89", { method: "DELETE" })).status,
          204,
        );
        const again = await server.json("/api/v1/unknown-id-tags/deacc12e46l89", { method: "DELETE" });
        assertEquals([again.status, again.body.error], [404, "not_found"]);

        // Added by an admin: off the list, and the station's next Authorize is Accepted.
        assertEquals(
          (await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "NEW-CARD" } })).status,
          201,
        );
        assertEquals((await server.json<{ items: Listed[] }>("/api/v1/unknown-id-tags")).body.items, []);
        assertEquals((await cp16.call("Authorize", { idTag: "new-card" })).idTagInfo.status, "Accepted");

        // Added another way (the id tag import writes the store): left out of the list, and forgotten.
        assertEquals((await cp16.call("Authorize", { idTag: "IMPORTED" })).idTagInfo.status, "Invalid");
        await eventually(async () =>
          (await server.json<{ items: Listed[] }>("/api/v1/unknown-id-tags")).body.items.length === 1
        );
        await server.store.putIdTag({
          idTag: "imported",
          status: "Accepted",
          expiryDate: null,
          parentIdTag: null,
        });
        const stored = () => server.fleet.store.unknownIdTags.listUnknownIdTags(10);
        assertEquals(
          (await server.json<{ items: Listed[] }>("/api/v1/unknown-id-tags", { as: "viewer" })).body.items,
          [],
        );
        // A viewer's read writes nothing: the recorder forgets it, on its own round.
        assertEquals((await stored()).map((t) => t.idTag), ["IMPORTED"], "a viewer's read changed the store");
        await eventually(async () => (await stored()).length === 0, 15_000, "the known tag forgotten");
      } finally {
        await closeStation(cp16);
        await closeStation(cp201);
      }
    });
  });
}

Deno.test("a 2.0.1 station repeating an unknown idToken in every event of one transaction counts it once", async () => {
  await withApiServer("kv", async (server) => {
    const station = await connectStation201(server.wsUrl, "CP-REPEAT");
    try {
      const idToken = { idToken: "REPEATED-CARD", type: "ISO14443" };
      const event = (eventType: string, seqNo: number, transactionId: string) =>
        station.call("TransactionEvent", {
          eventType,
          seqNo,
          timestamp: new Date().toISOString(),
          triggerReason: eventType === "Started" ? "Authorized" : "MeterValuePeriodic",
          transactionInfo: { transactionId },
          evse: { id: 1, connectorId: 1 },
          idToken,
        });
      // One transaction: Started, two Updated and Ended, all carrying the same token (stations may).
      for (const [seqNo, eventType] of ["Started", "Updated", "Updated", "Ended"].entries()) {
        assertEquals((await event(eventType, seqNo, "TX-1")).idTokenInfo.status, "Invalid");
      }
      // A second transaction with the same card is a second presentation.
      assertEquals((await event("Started", 0, "TX-2")).idTokenInfo.status, "Invalid");
      const listed = await eventually(
        async () => {
          const { body } = await server.json<{ items: Listed[] }>("/api/v1/unknown-id-tags");
          return body.items.length === 1 ? body.items : undefined;
        },
        15_000,
        "the repeated token listed",
      );
      // Wait past a flush so that every event's sighting would have been written.
      await new Promise((r) => setTimeout(r, 2500));
      const { body } = await server.json<{ items: Listed[] }>("/api/v1/unknown-id-tags");
      assertEquals(listed!.map((t) => t.idTag), ["REPEATED-CARD"]);
      assertEquals(body.items.map((t) => [t.idTag, t.count]), [["REPEATED-CARD", 2]]);
    } finally {
      await closeStation(station);
    }
  });
});

Deno.test("stations presenting hundreds of random tags list 20 each, at most UNKNOWN_ID_TAGS_KEEP in all, and a real card still shows", async () => {
  await withApiServer("postgres", async (server) => {
    const flooders = await Promise.all([1, 2, 3].map((i) => connectStation(server.wsUrl, `CP-FLOOD-${i}`)));
    const real = await connectStation(server.wsUrl, "CP-REAL");
    const list = async () =>
      (await server.json<{ items: Listed[] }>("/api/v1/unknown-id-tags?limit=500")).body.items;
    try {
      const random = () => crypto.randomUUID().slice(0, 12);
      await Promise.all(
        flooders.map((station) =>
          Promise.all(
            Array.from({ length: 100 }, () => station.call("Authorize", { idTag: `R-${random()}` })),
          )
        ),
      );
      // 20 new tags per station at once (60), of which the store keeps 40.
      await eventually(async () => (await list()).length === 40, 15_000, "40 of the flood's tags listed");
      const perStation = Map.groupBy(await list(), (t) => t.chargePointId);
      assert([...perStation.values()].every((tags) => tags.length <= 20), JSON.stringify([...perStation]));
      // A card presented at another station afterwards is listed, first.
      assertEquals((await real.call("Authorize", { idTag: "REAL-CARD" })).idTagInfo.status, "Invalid");
      const listed = await eventually(
        async () => {
          const items = await list();
          return items[0]?.idTag === "REAL-CARD" ? items : undefined;
        },
        15_000,
        "the real card listed",
      );
      assertEquals(listed!.length, 40);
      for (const station of flooders) {
        assertEquals(typeof (await station.call("Heartbeat", {})).currentTime, "string");
      }
    } finally {
      for (const station of [...flooders, real]) await closeStation(station);
    }
  }, { UNKNOWN_ID_TAGS_KEEP: "40", STATION_MSG_RATE: "100000" });
});

Deno.test({
  name:
    `the Id tags page lists an unknown tag; "Add…" fills the form and adding it takes it off the list${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const station = await connectStation(server.wsUrl, "CP-PAGE");
    let browser: Browser | undefined;
    const errors: string[] = [];
    try {
      assertEquals((await station.call("Authorize", { idTag: "04A1B2C3D4" })).idTagInfo.status, "Invalid");
      await eventually(async () =>
        (await server.json<{ items: Listed[] }>("/api/v1/unknown-id-tags")).body.items.length === 1
      );
      browser = await launch();
      const page = await signedInPage(browser, server.url, ADMIN, errors, {
        viewport: { width: 1280, height: 900 },
      });
      await page.goto(`${server.url}/id-tags`);
      const row = page.locator('tr[data-unknown-id-tag="04A1B2C3D4"]');
      await row.waitFor();
      assertEquals(await row.locator('a[href="/stations/CP-PAGE"]').count(), 1);
      await row.getByRole("button", { name: "Add…" }).click();
      assertEquals(await page.getByLabel("Id tag", { exact: true }).inputValue(), "04A1B2C3D4");
      await page.getByRole("button", { name: "Add", exact: true }).click();
      await page.locator('tr[data-id-tag="04A1B2C3D4"]').waitFor();
      await row.waitFor({ state: "detached" });
      await page.getByText("No unknown id tag was presented recently").waitFor();
      assertEquals((await station.call("Authorize", { idTag: "04A1B2C3D4" })).idTagInfo.status, "Accepted");
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      await closeStation(station);
      await server.close();
    }
  },
});

Deno.test({
  name:
    `the Id tags page matches tags as the server does (A-Z folded only): adding "é-card" leaves "É-CARD" unknown${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const station = await connectStation(server.wsUrl, "CP-ACCENT");
    let browser: Browser | undefined;
    const errors: string[] = [];
    try {
      for (const idTag of ["É-CARD", "PLAIN-CARD"]) {
        assertEquals((await station.call("Authorize", { idTag })).idTagInfo.status, "Invalid");
      }
      await eventually(async () =>
        (await server.json<{ items: Listed[] }>("/api/v1/unknown-id-tags")).body.items.length === 2
      );
      browser = await launch();
      const page = await signedInPage(browser, server.url, ADMIN, errors, {
        viewport: { width: 1280, height: 900 },
      });
      await page.goto(`${server.url}/id-tags`);
      const accented = page.locator('tr[data-unknown-id-tag="É-CARD"]');
      const plain = page.locator('tr[data-unknown-id-tag="PLAIN-CARD"]');
      await accented.waitFor();
      const add = async (idTag: string) => {
        await page.getByLabel("Id tag", { exact: true }).fill(idTag);
        await page.getByRole("button", { name: "Add", exact: true }).click();
        await page.locator(`tr[data-id-tag="${idTag}"]`).waitFor();
      };
      // "é" is not "É" to the server: another tag, and the card presented stays unknown.
      await add("é-card");
      assertEquals((await station.call("Authorize", { idTag: "É-CARD" })).idTagInfo.status, "Invalid");
      assertEquals(await accented.count(), 1, "the island took É-CARD off the list");
      // A-Z is folded by both: "plain-card" is PLAIN-CARD.
      await add("plain-card");
      await plain.waitFor({ state: "detached" });
      assertEquals((await station.call("Authorize", { idTag: "PLAIN-CARD" })).idTagInfo.status, "Accepted");
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      await closeStation(station);
      await server.close();
    }
  },
});
