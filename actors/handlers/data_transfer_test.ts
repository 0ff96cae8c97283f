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

Deno.test("dataTransfer() answers by the desk's rules where no vendor handler does, and has every message kept first", async () => {
  const kept: unknown[][] = [];
  const dataTransfers = {
    answer: () => Promise.resolve({ status: "Rejected" as const }),
    record: (...args: unknown[]) => (kept.push(args), Promise.resolve()),
  };
  const vendors = { Acme: () => ({ status: "Accepted" as const }) };
  const byRule = await dataTransfer(
    station(),
    { vendorId: "Other", data: "x" },
    context({ dataTransfers, vendors }),
  );
  assertEquals(byRule.response, { status: "Rejected" });
  const byCode = await dataTransfer(station(), { vendorId: "Acme" }, context({ dataTransfers, vendors }));
  assertEquals(byCode.response, { status: "Accepted" });
  assertEquals(kept.map(([cp, request, response]) => [cp, request, response]), [
    ["CP-1", { vendorId: "Other", data: "x" }, { status: "Rejected" }],
    ["CP-1", { vendorId: "Acme" }, { status: "Accepted" }],
  ]);
});

Deno.test("dataTransfer() fails (InternalError to the station) when the message cannot be kept", async () => {
  const dataTransfers = {
    answer: () => Promise.resolve({ status: "Accepted" as const }),
    record: () => Promise.reject(new Error("store down")),
  };
  let failed = false;
  try {
    await dataTransfer(station(), { vendorId: "Acme" }, context({ dataTransfers }));
  } catch {
    failed = true;
  }
  assertEquals(failed, true);
});
