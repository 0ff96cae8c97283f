import { assertEquals } from "@std/assert";
import { checkIdTag, type IdTagRecord } from "./id_tag.ts";

const TAGS: Record<string, IdTagRecord> = {
  TYPED: { idTag: "TYPED", status: "Accepted", expiryDate: null, parentIdTag: null, idTokenType: "ISO15693" },
  PLAIN: { idTag: "PLAIN", status: "Accepted", expiryDate: null, parentIdTag: null },
};
const lookups = {
  getIdTag: (idTag: string) => Promise.resolve(TAGS[idTag] ?? null),
  findActiveTransactionByIdTag: () => Promise.resolve(null),
};
const check = (idTag: string, idTokenType?: string) =>
  checkIdTag(lookups, idTag, {
    now: new Date("2026-12-01T00:00:00Z"),
    singleUse: false,
    ...(idTokenType !== undefined ? { idTokenType } : {}),
  });

Deno.test("checkIdTag() requires a typed tag's idTokenType, and ignores types when either side has none", async () => {
  assertEquals((await check("TYPED", "ISO15693")).status, "Accepted");
  assertEquals((await check("TYPED", "ISO14443")).status, "Invalid");
  assertEquals((await check("TYPED")).status, "Accepted");
  assertEquals((await check("PLAIN", "eMAID")).status, "Accepted");
});
