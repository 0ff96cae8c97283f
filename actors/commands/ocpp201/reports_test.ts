import { assertEquals } from "@std/assert";
import { getBaseReport, getReport } from "./reports.ts";

Deno.test("an accepted GetBaseReport or GetReport asks for NotifyReport; any other answer asks for nothing", () => {
  const base = { requestId: 1, reportBase: "FullInventory" as const };
  assertEquals(getBaseReport.triggers?.(base, { status: "Accepted" }), ["NotifyReport"]);
  assertEquals(getBaseReport.triggers?.(base, { status: "NotSupported" }), []);
  assertEquals(getReport.triggers?.({ requestId: 2 }, { status: "Accepted" }), ["NotifyReport"]);
  assertEquals(getReport.triggers?.({ requestId: 2 }, { status: "EmptyResultSet" }), []);
});
