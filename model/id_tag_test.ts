import { assertEquals } from "@std/assert";
import fc from "fast-check";
import { checkIdTag, idTagKey, type IdTagRecord } from "./id_tag.ts";

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

Deno.test("idTagKey() folds A-Z and only A-Z, whatever else the tag holds", () => {
  assertEquals(idTagKey("04A2B3C4D5E6F7"), "04a2b3c4d5e6f7");
  assertEquals(idTagKey("ÉTÉ-Tag"), "ÉtÉ-tag"); // not É: PostgreSQL's lower() under "C" leaves it
  assertEquals(idTagKey("İSTANBUL"), "İstanbul");
  const reference = (tag: string) => tag.replace(/[A-Z]+/g, (run) => run.toLowerCase());
  const char = fc.oneof(
    fc.constantFrom("A", "Z", "a", "0", "-", "É", "İ", "\u212A", "ß", "\uD800"),
    fc.string(),
  );
  fc.assert(
    fc.property(fc.array(char, { maxLength: 8 }).map((cs) => cs.join("")), (tag) => {
      assertEquals(idTagKey(tag), reference(tag));
    }),
    { numRuns: 2000 },
  );
});
