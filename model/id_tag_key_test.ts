import { assertEquals } from "@std/assert";
import { idTagKey, sameIdTag } from "./id_tag_key.ts";

Deno.test("idTagKey() folds A-Z only, as PostgreSQL's lower() under the C collation", () => {
  assertEquals(idTagKey("Card-ÉÇ1"), "card-ÉÇ1");
  assertEquals([sameIdTag("CARD", "card"), sameIdTag("É", "é"), sameIdTag("İ", "i̇")], [true, false, false]);
});

Deno.test("the id tag key module imports nothing, so the dashboard's islands bundle it alone", async () => {
  const source = await Deno.readTextFile(new URL("./id_tag_key.ts", import.meta.url));
  assertEquals(source.match(/^\s*(import|export .* from)\b.*$/gm), null);
});
