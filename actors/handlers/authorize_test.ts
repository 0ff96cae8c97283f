import { assertEquals } from "@std/assert";
import { authorize } from "./authorize.ts";
import { context, fakeLookups, SETTINGS, station, transaction } from "./fakes.ts";

const TAG = { idTag: "TAG-1", status: "Accepted" as const, expiryDate: null, parentIdTag: "FLEET" };

Deno.test("authorize() answers the stored idTag info and writes nothing", async () => {
  const result = await authorize(
    station(),
    { idTag: "TAG-1" },
    context({ lookups: fakeLookups({ idTags: [TAG] }) }),
  );
  assertEquals(result, { response: { idTagInfo: { status: "Accepted", parentIdTag: "FLEET" } }, events: [] });
});

Deno.test("authorize() answers Invalid for an unknown idTag, and tells it; Expired past its expiry", async () => {
  const expired = { ...TAG, idTag: "OLD", expiryDate: "2026-05-01T09:59:59.000Z" };
  const ctx = context({ lookups: fakeLookups({ idTags: [TAG, expired] }) });
  const unknown = await authorize(station(), { idTag: "NOPE" }, ctx);
  assertEquals(unknown.response.idTagInfo.status, "Invalid");
  assertEquals(unknown.events, [{
    type: "unknownIdTag",
    chargePointId: ctx.chargePointId,
    at: ctx.now.toISOString(),
    idTag: "NOPE",
    idTokenType: null,
  }]);
  const old = await authorize(station(), { idTag: "OLD" }, ctx);
  assertEquals(old.response.idTagInfo.status, "Expired");
  assertEquals(old.events, [], "a known tag, however refused, is not unknown");
});

Deno.test("authorize() with single-use tags answers ConcurrentTx for a tag charging at another station", async () => {
  const elsewhere = transaction({ chargePointId: "CP-9" });
  const ctx = context({
    settings: { ...SETTINGS, singleUseIdTags: true },
    lookups: fakeLookups({ idTags: [TAG], transactions: [elsewhere] }),
  });
  assertEquals(
    (await authorize(station(), { idTag: "TAG-1" }, ctx)).response.idTagInfo.status,
    "ConcurrentTx",
  );
  // Charging here is not concurrent.
  const here = context({ ...ctx, lookups: fakeLookups({ idTags: [TAG], transactions: [transaction()] }) });
  assertEquals((await authorize(station(), { idTag: "TAG-1" }, here)).response.idTagInfo.status, "Accepted");
});
