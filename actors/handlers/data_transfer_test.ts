import { assertEquals } from "@std/assert";
import { dataTransfer } from "./data_transfer.ts";
import { context, station } from "./fakes.ts";

Deno.test("dataTransfer() answers UnknownVendorId for a vendor without a handler, and logs it", async () => {
  const result = await dataTransfer(station(), { vendorId: "toString" }, context());
  assertEquals(result.response, { status: "UnknownVendorId" });
  assertEquals(result.log?.[0]?.fields, { vendorId: "toString" });
  assertEquals(result.changes, undefined);
});

Deno.test("dataTransfer() hands a known vendor's message to its handler", async () => {
  const vendors = { Acme: (id: string) => ({ status: "Accepted" as const, data: `hello ${id}` }) };
  const result = await dataTransfer(station(), { vendorId: "Acme", messageId: "x" }, context({ vendors }));
  assertEquals(result.response, { status: "Accepted", data: "hello CP-1" });
});
