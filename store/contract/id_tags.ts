import { assertEquals, assertStrictEquals } from "@std/assert";
import type { IdTagRecord } from "../../model/id_tag.ts";
import { at, type Cases } from "./harness.ts";

/** Id tags. */
export function idTagCases({ stationTest }: Cases): void {
  stationTest("id tags can be put, read, replaced and deleted", async ({ store }) => {
    assertEquals(await store().getIdTag("TAG-1"), null);
    const tag: IdTagRecord = {
      idTag: "TAG-1",
      status: "Accepted",
      expiryDate: at(1000),
      parentIdTag: "GROUP",
    };
    await store().putIdTag(tag);
    assertEquals(await store().getIdTag("TAG-1"), tag);

    const blocked: IdTagRecord = { idTag: "TAG-1", status: "Blocked", expiryDate: null, parentIdTag: null };
    await store().putIdTag(blocked);
    assertEquals(await store().getIdTag("TAG-1"), blocked);

    assertStrictEquals(await store().deleteIdTag("TAG-1"), true);
    assertEquals(await store().getIdTag("TAG-1"), null);
    assertStrictEquals(await store().deleteIdTag("TAG-1"), false);
    assertStrictEquals(await store().deleteIdTag("never"), false);
  });

  stationTest("listIdTags() sorts by idTag and pages strictly after the cursor", async ({ store }) => {
    const tags = ["D4", "a1", "B2", "C3", "b2"];
    for (const idTag of tags) {
      await store().putIdTag({ idTag, status: "Accepted", expiryDate: null, parentIdTag: null });
    }
    const page1 = await store().listIdTags({ limit: 2 });
    assertEquals(page1.map((t) => t.idTag), ["B2", "C3"]);
    const page2 = await store().listIdTags({ limit: 2, after: "C3" });
    assertEquals(page2.map((t) => t.idTag), ["D4", "a1"]);
    const page3 = await store().listIdTags({ limit: 2, after: "a1" });
    assertEquals(page3.map((t) => t.idTag), ["b2"]);
    assertEquals(await store().listIdTags({ limit: 2, after: "b2" }), []);
    assertEquals(page1[0], { idTag: "B2", status: "Accepted", expiryDate: null, parentIdTag: null });
  });
}
