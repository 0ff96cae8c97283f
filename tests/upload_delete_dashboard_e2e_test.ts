/**
 * Deleting a station's uploaded file from the dashboard, in real Chromium: an admin clicks Delete on the
 * station page (after a confirmation), the row says Deleted, and after a reload the file is gone from the page
 * and the API; an operator's page has the download link but no Delete button.
 */
import { assert, assertEquals } from "@std/assert";
import type { Browser } from "playwright-core";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import {
  createUser,
  launch,
  logIn,
  openPage,
  signedInPage,
  SKIP_REASON,
  skipBrowser,
} from "./helpers/browser.ts";

const OPERATOR = { username: "olga", password: "operator-password-1" };

Deno.test({
  name:
    `an admin deletes a station's uploaded file on its page; operators have no Delete button${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    let browser: Browser | undefined;
    const errors: string[] = [];
    try {
      await createUser(server, OPERATOR, "operator");
      const put = await server.json("/api/v1/charge-points/CP-LOG", {
        method: "PUT",
        body: { registrationStatus: "Accepted" },
      });
      assertEquals(put.status, 201);
      const minted = await server.json("/api/v1/charge-points/CP-LOG/upload-urls", {
        method: "POST",
        as: "operator",
        body: { kind: "diagnostics" },
      });
      const uploaded = await fetch(`${minted.body.url}/diag-7.tar.gz`, { method: "PUT", body: "bytes" });
      assertEquals(uploaded.status, 201);
      await uploaded.body?.cancel();
      browser = await launch();

      const asOperator = await signedInPage(browser, server.url, OPERATOR, errors);
      await asOperator.goto(`${server.url}/stations/CP-LOG`);
      await asOperator.getByRole("link", { name: "diag-7.tar.gz" }).waitFor();
      assertEquals(await asOperator.getByRole("button", { name: "Delete diag-7.tar.gz" }).count(), 0);

      const page = await openPage(await browser.newContext(), errors);
      const dialogs: string[] = [];
      page.on("dialog", (d) => {
        dialogs.push(d.message());
        void d.accept();
      });
      await logIn(page, server.url, ADMIN);
      await page.goto(`${server.url}/stations/CP-LOG`);
      await page.getByRole("button", { name: "Delete diag-7.tar.gz" }).click();
      await page.locator(`[data-upload-deleted="${minted.body.uploadId}"]`).waitFor();
      assert(dialogs[0]?.startsWith("Delete diag-7.tar.gz?"), dialogs[0]);
      await page.reload();
      await page.getByRole("heading", { name: "Uploaded files" }).waitFor();
      assertEquals(await page.getByRole("link", { name: "diag-7.tar.gz" }).count(), 0);
      assertEquals((await server.json("/api/v1/uploads", { as: "viewer" })).body.items, []);
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      await server.close();
    }
  },
});
