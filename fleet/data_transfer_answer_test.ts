import { assertEquals } from "@std/assert";
import type { DataTransferRule } from "../store/fleet.ts";
import { answerDataTransfer } from "./data_transfer_answer.ts";

const rule = (
  vendorId: string,
  messageId: string,
  status: DataTransferRule["status"],
  data: string | null = null,
) => ({
  vendorId,
  messageId,
  status,
  data,
  updatedBy: "user:root",
  updatedAt: "2026-01-01T00:00:00.000Z",
});

Deno.test("answerDataTransfer() prefers the exact message, then the vendor's catch-all, then Unknown*", () => {
  const rules = [
    rule("Acme", "Price", "Accepted", '{"price":0.3}'),
    rule("Acme", "", "Rejected"),
    rule("Volt", "Ping", "Accepted"),
  ];
  assertEquals(answerDataTransfer(rules, "Acme", "Price"), { status: "Accepted", data: '{"price":0.3}' });
  assertEquals(answerDataTransfer(rules, "Acme", "Other"), { status: "Rejected" });
  assertEquals(answerDataTransfer(rules, "Acme", undefined), { status: "Rejected" });
  assertEquals(answerDataTransfer(rules, "Volt", "Pong"), { status: "UnknownMessageId" });
  assertEquals(answerDataTransfer(rules, "Volt", undefined), { status: "UnknownMessageId" });
  assertEquals(answerDataTransfer(rules, "Nobody", "Ping"), { status: "UnknownVendorId" });
  assertEquals(answerDataTransfer([], "Acme", "Price"), { status: "UnknownVendorId" });
});
