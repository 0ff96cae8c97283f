import { assertEquals } from "@std/assert";
import { station } from "../handlers/fakes.ts";
import { sendLocalList } from "./send_local_list.ts";

const AT = "2026-05-01T10:00:00.000Z";

Deno.test("SendLocalList accepted records the version sent; any other answer teaches nothing", () => {
  const list = { listVersion: 5, updateType: "Full" as const };
  assertEquals(sendLocalList.effect!(station(), list, { status: "Accepted" }, AT), { localListVersion: 5 });
  assertEquals(sendLocalList.effect!(station(), list, { status: "VersionMismatch" }, AT), null);
});
