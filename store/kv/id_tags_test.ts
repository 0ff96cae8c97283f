import { assertEquals } from "@std/assert";
import { withGetMany } from "../../tests/helpers/kv.ts";
import { idTagKey, type IdTagRecord } from "../../model/id_tag.ts";
import { ID_TAG_GENERATION, KvIdTags, MEMORY_MAX_AGE_MS } from "./id_tags.ts";
import { openKvHandle, openKvStore } from "./mod.ts";
import { KvReads } from "./reads.ts";

function tag(idTag: string, status: IdTagRecord["status"]): IdTagRecord {
  return { idTag, status, expiryDate: null, parentIdTag: null };
}

Deno.test("getIdTag() sees at once what another process wrote to a tag it has read (put, change, delete)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kv-idtags-" });
  // Two stores on one file, as the server and `deno task idtags` are.
  const server = await openKvStore(`${dir}/csms.kv`);
  const tool = await openKvStore(`${dir}/csms.kv`);
  try {
    await tool.putIdTag(tag("TAG-1", "Accepted"));
    assertEquals((await server.getIdTag("TAG-1"))?.status, "Accepted");
    assertEquals((await server.getIdTag("tag-1"))?.status, "Accepted");
    await tool.changeIdTag("TAG-1", (t) => t && { ...t, status: "Blocked" });
    assertEquals((await server.getIdTag("TAG-1"))?.status, "Blocked");
    await tool.putIdTag(tag("TAG-1", "Expired"));
    assertEquals((await server.getIdTag("TAG-1"))?.status, "Expired");
    await tool.deleteIdTag("TAG-1");
    assertEquals(await server.getIdTag("TAG-1"), null);
    // An unknown tag read, then added by the other process.
    assertEquals(await server.getIdTag("TAG-2"), null);
    await tool.putIdTag(tag("TAG-2", "Accepted"));
    assertEquals((await server.getIdTag("TAG-2"))?.status, "Accepted");
  } finally {
    await tool.close();
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("getIdTag() of tags read before reads only the id tags' generation, once for the lookups of a tick", async () => {
  const kv = await openKvHandle(":memory:");
  try {
    const writer = new KvIdTags(kv, new KvReads(kv));
    await writer.putIdTag(tag("TAG-1", "Accepted"));
    await writer.putIdTag(tag("TAG-2", "Blocked"));
    const read: Deno.KvKey[][] = [];
    const counting = withGetMany(kv, (keys, getMany) => {
      read.push(keys);
      return getMany();
    });
    const tags = new KvIdTags(counting, new KvReads(counting));
    // First reads: each tag with the generation, in one snapshot.
    const first = await Promise.all([tags.getIdTag("TAG-1"), tags.getIdTag("TAG-2"), tags.getIdTag("TAG-3")]);
    assertEquals(first.map((t) => t?.status ?? null), ["Accepted", "Blocked", null]);
    assertEquals(read.flat().length, 6);
    read.length = 0;
    const again = await Promise.all(
      ["TAG-1", "tag-1", "TAG-2", "TAG-3", "TAG-1"].map((t) => tags.getIdTag(t)),
    );
    assertEquals(again.map((t) => t?.status ?? null), ["Accepted", "Accepted", "Blocked", null, "Accepted"]);
    assertEquals(read, [[["meta", "idtag_gen"]]]);
    // A write moves the generation: the next lookups read their tags again.
    read.length = 0;
    await writer.changeIdTag("TAG-2", (t) => t && { ...t, status: "Accepted" });
    assertEquals((await tags.getIdTag("TAG-2"))?.status, "Accepted");
    assertEquals(read.flat().length, 3);
  } finally {
    kv.close();
  }
});

Deno.test("getIdTag() sees within its memory's age a tag that a process of the version before wrote without the counter", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kv-idtags-old-writer-" });
  // The server of this version and a process of the one before it (a rolling deploy) on one file.
  const kv = await openKvHandle(`${dir}/csms.kv`);
  const old = await openKvHandle(`${dir}/csms.kv`);
  let clock = 0;
  try {
    const tags = new KvIdTags(kv, new KvReads(kv), () => clock);
    await tags.putIdTag(tag("TAG-1", "Accepted"));
    assertEquals((await tags.getIdTag("TAG-1"))?.status, "Accepted");
    // The version before's putIdTag and changeIdTag: the tag alone, the counter not moved.
    await old.set(["idtag", idTagKey("TAG-1")], tag("TAG-1", "Blocked"));
    assertEquals(
      (await old.get(ID_TAG_GENERATION)).versionstamp !== null,
      true,
      "this version wrote a counter",
    );
    // Within the age the memory answers (the staleness such a writer can cause); past it the tag is read again.
    clock += MEMORY_MAX_AGE_MS - 1;
    assertEquals((await tags.getIdTag("TAG-1"))?.status, "Accepted");
    clock += 1;
    assertEquals((await tags.getIdTag("TAG-1"))?.status, "Blocked");
    // An unknown tag the old version adds later is seen too.
    assertEquals(await tags.getIdTag("TAG-2"), null);
    await old.set(["idtag", idTagKey("TAG-2")], tag("TAG-2", "Accepted"));
    clock += MEMORY_MAX_AGE_MS;
    assertEquals((await tags.getIdTag("TAG-2"))?.status, "Accepted");
  } finally {
    old.close();
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});
