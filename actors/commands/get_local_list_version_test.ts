import { assertEquals } from "@std/assert";
import { station } from "../handlers/fakes.ts";
import { getLocalListVersion } from "./get_local_list_version.ts";

const AT = "2026-05-01T10:00:00.000Z";

Deno.test("GetLocalListVersion records the version the station reports", () => {
  assertEquals(getLocalListVersion.effect!(station(), {}, { listVersion: 12 }, AT), { localListVersion: 12 });
});
