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

  stationTest(
    "changeIdTag() writes change(stored) atomically: one of two creations at once wins",
    async ({ store }) => {
      const tag = (status: IdTagRecord["status"]): IdTagRecord => ({
        idTag: "Race-1",
        status,
        expiryDate: null,
        parentIdTag: null,
      });
      const results = await Promise.all(
        (["Accepted", "Blocked"] as const).map((status) =>
          store().changeIdTag("race-1", (stored) => stored ? undefined : tag(status))
        ),
      );
      assertEquals(results.filter((r) => r.before === null).length, 1, JSON.stringify(results));
      const winner = results.find((r) => r.before === null)!.after;
      assertEquals(await store().getIdTag("RACE-1"), winner);
      // A change and a deletion at once: the change never brings the tag back.
      const [changed, deleted] = await Promise.all([
        store().changeIdTag("RACE-1", (stored) => stored ? { ...stored, status: "Expired" } : undefined),
        store().changeIdTag("race-1", (stored) => stored ? null : undefined),
      ]);
      assertEquals(deleted.after, null);
      assertEquals(await store().getIdTag("Race-1"), null, JSON.stringify(changed));
      // Nothing to change: nothing written, the stored record given back.
      assertEquals(await store().changeIdTag("Race-1", () => undefined), { before: null, after: null });
    },
  );

  stationTest(
    "id tags are one per spelling in any case: read, replaced and deleted in another case",
    async ({ store }) => {
      const tag: IdTagRecord = { idTag: "Good-1", status: "Accepted", expiryDate: null, parentIdTag: null };
      await store().putIdTag(tag);
      assertEquals(await store().getIdTag("GOOD-1"), tag);
      assertEquals(await store().getIdTag("good-1"), tag);
      // Written again in another case: the same tag, with the spelling written last.
      const blocked: IdTagRecord = {
        idTag: "GOOD-1",
        status: "Blocked",
        expiryDate: null,
        parentIdTag: null,
      };
      await store().putIdTag(blocked);
      assertEquals(await store().getIdTag("good-1"), blocked);
      assertEquals(await store().listIdTags({ limit: 10 }), [blocked]);
      assertStrictEquals(await store().deleteIdTag("gOOd-1"), true);
      assertEquals(await store().getIdTag("GOOD-1"), null);
      // A-Z are folded, other letters kept as they are, alike on every store.
      const accented: IdTagRecord = { idTag: "ÄBC", status: "Accepted", expiryDate: null, parentIdTag: null };
      await store().putIdTag(accented);
      assertEquals([await store().getIdTag("ÄBC"), await store().getIdTag("Äbc")], [accented, accented]);
      assertEquals(await store().getIdTag("äbc"), null);
      assertStrictEquals(await store().deleteIdTag("Äbc"), true);
    },
  );

  stationTest(
    "listIdTags() sorts by idTag in any case and pages strictly after the cursor",
    async ({ store }) => {
      const tags = ["D4", "a1", "B2", "c3", "e5"];
      for (const idTag of tags) {
        await store().putIdTag({ idTag, status: "Accepted", expiryDate: null, parentIdTag: null });
      }
      const page1 = await store().listIdTags({ limit: 2 });
      assertEquals(page1.map((t) => t.idTag), ["a1", "B2"]);
      const page2 = await store().listIdTags({ limit: 2, after: "B2" });
      assertEquals(page2.map((t) => t.idTag), ["c3", "D4"]);
      const page3 = await store().listIdTags({ limit: 2, after: "d4" });
      assertEquals(page3.map((t) => t.idTag), ["e5"]);
      assertEquals(await store().listIdTags({ limit: 2, after: "E5" }), []);
      assertEquals(page1[1], { idTag: "B2", status: "Accepted", expiryDate: null, parentIdTag: null });
    },
  );
}
