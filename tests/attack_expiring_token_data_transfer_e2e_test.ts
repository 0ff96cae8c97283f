/**
 * A DataTransfer rule answers a vendor's messages for every station until someone changes it, and an Accepted
 * answer may say who may charge: over OCPP 1.6, ISO 15118 Plug & Charge asks the server with DataTransfer
 * (vendorId "org.openchargealliance.iso15118pnc", messageId "Authorize") and takes
 * `{"idTokenInfo":{"status":"Accepted"}}` as a yes for the car. An expiring admin token tries to leave such a
 * yes behind: a rule for the message, a catch-all for the vendor, a changed yes, or deleting the Rejected rule
 * that shadows an Accepted catch-all. Each answers 403 naming the rule, and the strict station's next
 * DataTransfer gets the answer it got before. Refusing rules, deleting a catch-all and setting a rule to the
 * answer it has still go; a token that does not expire keeps every right.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { expiringToken } from "./helpers/expiring_token.ts";

const PNC = "org.openchargealliance.iso15118pnc";
const YES = '{"idTokenInfo":{"status":"Accepted"}}';

Deno.test("an expiring admin token cannot leave a DataTransfer rule that answers Plug & Charge Accepted", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "PNC-1");
  try {
    const authorize = () =>
      station.call("DataTransfer", {
        vendorId: PNC,
        messageId: "Authorize",
        data: '{"idToken":{"idToken":"X"}}',
      });
    const hour = await expiringToken(server, "admin");
    const put = (body: unknown) => hour.call("PUT", "/data-transfer-rules", body);
    const refused = (res: { status: number; body: { details?: { rule?: string } } }, what: string) => {
      assertEquals(res.status, 403, `${what}: ${JSON.stringify(res.body)}`);
      assertEquals(res.body.details?.rule, "expiring_token_data_transfer_accept", what);
    };

    refused(await put({ vendorId: PNC, messageId: "Authorize", status: "Accepted", data: YES }), "a yes");
    refused(await put({ vendorId: PNC, status: "Accepted", data: YES }), "a catch-all yes");
    assertEquals(await authorize(), { status: "UnknownVendorId" });
    assertEquals((await server.json("/api/v1/data-transfer-rules")).body.items, []);

    // A lasting admin answers every other message of the vendor Accepted, and Authorize Rejected.
    const asAdmin = (body: unknown) => server.json("/api/v1/data-transfer-rules", { method: "PUT", body });
    assertEquals((await asAdmin({ vendorId: PNC, status: "Accepted", data: YES })).status, 200);
    assertEquals((await asAdmin({ vendorId: PNC, messageId: "Authorize", status: "Rejected" })).status, 200);
    assertEquals(await authorize(), { status: "Rejected" });
    const unshadow = await hour.call("DELETE", `/data-transfer-rules?vendorId=${PNC}&messageId=Authorize`);
    refused(unshadow, "deleting the Rejected rule");
    refused(await put({ vendorId: PNC, messageId: "Authorize", status: "Accepted", data: YES }), "yes again");
    refused(await put({ vendorId: PNC, status: "Accepted", data: '{"other":1}' }), "another yes");
    assertEquals(await authorize(), { status: "Rejected" });

    assertEquals((await put({ vendorId: PNC, status: "Accepted", data: YES })).status, 200, "the same yes");
    assertEquals(
      (await put({ vendorId: PNC, messageId: "Authorize", status: "UnknownMessageId" })).status,
      200,
    );
    const noCatchAll = await hour.call("DELETE", `/data-transfer-rules?vendorId=${PNC}&messageId=`);
    assertEquals(noCatchAll.status, 204, "no Accepted answer left in its place");
    const unknown = await hour.call("DELETE", `/data-transfer-rules?vendorId=${PNC}&messageId=Authorize`);
    assertEquals(unknown.status, 204);
    assertEquals(await authorize(), { status: "UnknownVendorId" });

    assertEquals(
      (await asAdmin({ vendorId: PNC, messageId: "Authorize", status: "Accepted", data: YES })).status,
      200,
    );
    assertEquals(await authorize(), { status: "Accepted", data: YES }, "a lasting admin may");
  } finally {
    await closeStation(station);
    await server.close();
  }
});
