import { assertEquals } from "@std/assert";
import { ACTIONS, CS_TO_CP_ACTIONS } from "../protocol/ocpp201/mod.ts";
import { commandCatalog201 } from "./command_catalog_201.ts";

Deno.test("commandCatalog201() offers every OCPP 2.0.1 command once, each example valid but placeholders", () => {
  const catalog = commandCatalog201();
  assertEquals(catalog.map((c) => c.action).sort(), [...CS_TO_CP_ACTIONS].sort());
  for (const spec of catalog) {
    const example = JSON.parse(spec.template!);
    // The API allocates remoteStartId when the operator gives none.
    if (spec.action === "RequestStartTransaction") example.remoteStartId = 1;
    const parsed = ACTIONS[spec.action as keyof typeof ACTIONS].request.safeParse(example);
    // Certificates are placeholders an operator pastes over; everything else is sendable as it is.
    if (!["InstallCertificate", "CertificateSigned"].includes(spec.action)) {
      assertEquals(parsed.success, true, `${spec.action}: ${JSON.stringify(parsed.error?.issues)}`);
    }
  }
});
