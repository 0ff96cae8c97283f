import { assertEquals, assertStringIncludes } from "@std/assert";
import { openKvStore } from "../store/kv/mod.ts";

const TASK = new URL("../tasks/idtags.ts", import.meta.url).pathname;

async function idtags(kvPath: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", TASK, ...args],
    env: { KV_PATH: kvPath },
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("deno task idtags adds, blocks, unblocks, lists and deletes tags in the server's store", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csms-idtags-" });
  const kv = `${dir}/csms.kv`;
  try {
    assertEquals(
      (await idtags(kv, "add", "CARD-1", "--expiry", "2030-01-01T00:00:00Z", "--parent", "FLEET")).code,
      0,
    );
    assertEquals((await idtags(kv, "add", "CARD-2")).code, 0);
    assertEquals((await idtags(kv, "block", "CARD-2")).code, 0);
    const listed = (await idtags(kv, "list")).stdout.trim().split("\n").map((l) => JSON.parse(l));
    assertEquals(listed, [
      { idTag: "CARD-1", status: "Accepted", expiryDate: "2030-01-01T00:00:00.000Z", parentIdTag: "FLEET" },
      { idTag: "CARD-2", status: "Blocked", expiryDate: null, parentIdTag: null },
    ]);
    assertEquals((await idtags(kv, "unblock", "CARD-2")).code, 0);
    assertEquals((await idtags(kv, "delete", "CARD-1")).code, 0);
    const bad = await idtags(kv, "add", "X".repeat(21));
    assertEquals(bad.code, 2);
    assertStringIncludes(bad.stderr, "1-20 characters");
    assertEquals((await idtags(kv, "block", "NOPE")).code, 2);
    for (const unreachable of [".", ".."]) assertEquals((await idtags(kv, "add", unreachable)).code, 2);
    // Added again in another case: the same tag, which keeps its spelling.
    assertEquals((await idtags(kv, "add", "card-2", "--status", "Blocked")).code, 0);
    const store = await openKvStore(kv);
    try {
      assertEquals(await store.getIdTag("CARD-1"), null);
      assertEquals(await store.getIdTag("card-2"), {
        idTag: "CARD-2",
        status: "Blocked",
        expiryDate: null,
        parentIdTag: null,
      });
      assertEquals((await store.listIdTags({ limit: 10 })).length, 1);
    } finally {
      await store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task idtags refuses ConcurrentTx as a stored status, as the id tag API does", async () => {
  // An answer of the moment (the tag charges elsewhere): stored, every station would answer it for ever.
  const dir = await Deno.makeTempDir({ prefix: "csms-idtags-" });
  const kv = `${dir}/csms.kv`;
  try {
    const refused = await idtags(kv, "add", "CARD-C", "--status", "ConcurrentTx");
    assertEquals(refused.code, 2, refused.stderr);
    assertStringIncludes(refused.stderr, "Accepted, Blocked, Expired, Invalid");
    const store = await openKvStore(kv);
    try {
      assertEquals(await store.getIdTag("CARD-C"), null);
    } finally {
      await store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
