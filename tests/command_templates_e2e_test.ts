/**
 * The examples the station page's command form (and the fleet's job form) prefills are what an operator sends
 * first: each must pass the server's own checks as it is. Driven as an operator would: the form in Chromium
 * against a strict ocpp-rpc station, and every example of both dialects over HTTP.
 */
import { assertEquals } from "@std/assert";
import { commandCatalog } from "../components/command_catalog.ts";
import { commandCatalog201 } from "../components/command_catalog_201.ts";
import { jobCommands } from "../components/job_catalog.ts";
import { startApiServer } from "./helpers/api.ts";
import { launch, logIn, openPage, shot, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { COMMAND_SAMPLES } from "./helpers/command_samples.ts";
import { COMMAND_SAMPLES_201 } from "./helpers/command_samples_201.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";
import { ADMIN } from "./helpers/api.ts";

/** Examples that are placeholders by design: certificates, hashes and firmware ids an operator pastes over. */
const PLACEHOLDERS = new Set([
  "InstallCertificate",
  "CertificateSigned",
  "DeleteCertificate",
  "SignedUpdateFirmware",
]);

Deno.test({
  name: "the station page's SetChargingProfile example, sent as it is, reaches the station and is accepted" +
    SKIP_REASON,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const station = await connectStation(server.wsUrl, "CP-TPL");
    const received: unknown[] = [];
    station.handle("SetChargingProfile", ({ params }) => (received.push(params), { status: "Accepted" }));
    await station.call("StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Available" });
    const browser = await launch();
    const errors: string[] = [];
    try {
      const context = await browser.newContext();
      const page = await openPage(context, errors);
      await logIn(page, server.url, ADMIN);
      await page.goto(`${server.url}/stations/CP-TPL`);
      await page.locator('section[aria-labelledby="commands-title"] select').first().selectOption({
        label: "Set charging profile",
      });
      await page.getByRole("button", { name: "Send: Set charging profile" }).click();
      await eventually(() => received.length === 1, 15_000, "the station to receive SetChargingProfile");
      await page.getByText("Accepted", { exact: true }).first().waitFor();
      await shot(page, "command-template-set-charging-profile");
      // Stored as a profile the station holds (the command's answer is followed like the API's).
      const stored = await eventually(async () => {
        const r = await server.json("/api/v1/charge-points/CP-TPL/charging-profiles", { as: "viewer" });
        return r.body.items.length === 1 ? r.body.items : null;
      });
      assertEquals(stored[0].state, "installed");
      assertEquals(errors.filter((e) => !e.includes("status of 4")), []);
      await context.close();
    } finally {
      await browser.close();
      await closeStation(station);
      await server.close();
    }
  },
});

Deno.test("every command example the forms prefill passes the API's checks as it is, in both dialects", async () => {
  const server = await startApiServer();
  await server.store.putIdTag({ idTag: "TAG-1", status: "Accepted", expiryDate: null, parentIdTag: null });
  const station16 = await connectStation(server.wsUrl, "CP-TPL16");
  const station201 = await connectStation201(server.wsUrl, "CP-TPL201");
  for (const [action, { answer }] of Object.entries(COMMAND_SAMPLES)) station16.handle(action, () => answer);
  for (const [action, { answer }] of Object.entries(COMMAND_SAMPLES_201)) {
    station201.handle(action, () => answer);
  }
  await station16.call("StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Available" });
  try {
    const cases = [
      ...commandCatalog().map((spec) => ({ spec, id: "CP-TPL16" })),
      ...commandCatalog201().map((spec) => ({ spec, id: "CP-TPL201" })),
    ].filter(({ spec }) => spec.template !== undefined && !PLACEHOLDERS.has(spec.action));
    const refused: string[] = [];
    for (const { spec, id } of cases) {
      const res = await server.json(`/api/v1/charge-points/${id}/${spec.action}`, {
        method: "POST",
        body: JSON.parse(spec.template!),
        as: "admin",
      });
      if (res.status === 400) refused.push(`${id} ${spec.action}: ${JSON.stringify(res.body.message)}`);
    }
    assertEquals(refused, []);
  } finally {
    await closeStation(station16);
    await closeStation(station201);
    await server.close();
  }
});

Deno.test("every job example the overview's job form prefills passes the job API's checks as it is", async () => {
  // A job's one payload goes to every station: no csms: location (made for one station at a time) is taken.
  const server = await startApiServer();
  try {
    const refused: string[] = [];
    for (const { action, example } of jobCommands()) {
      if (PLACEHOLDERS.has(action)) continue;
      const res = await server.json("/api/v1/jobs", {
        method: "POST",
        body: { action, payload: JSON.parse(example), chargePointIds: ["CP-NONE"] },
        as: "admin",
      });
      if (res.status === 400) refused.push(`${action}: ${JSON.stringify(res.body.message)}`);
    }
    assertEquals(refused, []);
  } finally {
    await server.close();
  }
});
