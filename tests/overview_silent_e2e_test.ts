/**
 * The overview's "connected, not reporting" (silent) count and row mark of a station that booted and sends no
 * status, in a real browser, with nothing else happening (no event to make the page read again): they turn
 * once, together, when the grace ends, not at the page's next ten-second refresh, and stay.
 */
import { assert, assertEquals } from "@std/assert";
import type { Browser } from "playwright-core";
import { startApiServer } from "./helpers/api.ts";
import { createUser, launch, shot, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

const GRACE_MS = 4000;
/** The page reads the overview again within this after the grace ended (a read's time on a busy machine). */
const LATE_MS = 2000;

interface Watched {
  seen: { state: string; at: number }[];
}

Deno.test({
  name:
    `browser: the overview marks a silent station once, when its grace ends, and keeps the mark${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer({ STATUS_GRACE_S: String(GRACE_MS / 1000) });
    const errors: string[] = [];
    let browser: Browser | undefined;
    let cp: Station | undefined;
    try {
      const viewer = { username: "vick", password: "viewer-password-1" };
      await createUser(server, viewer, "viewer");
      browser = await launch();
      const page = await signedInPage(browser, server.url, viewer, errors);
      await page.locator('[data-live="true"]').first().waitFor();
      // Every change of the strip's count, the row's note and the row's marks, with the time it was seen.
      await page.evaluate(() => {
        const watched = { seen: [] as { state: string; at: number }[] };
        Object.assign(globalThis, { watched });
        const note = () => {
          const count = document.querySelector('[data-attention="silent"]')?.getAttribute("data-count");
          const row = document.querySelector('tr[data-station="CP-QUIET"]');
          if (!row) return;
          const awaiting = row.querySelector("[data-awaiting-status]")?.getAttribute("data-awaiting-status");
          const marked = (row.getAttribute("data-needs") ?? "").split(" ").includes("silent");
          const state = `count ${count}, ${awaiting ?? "none"}, ${marked ? "marked" : "unmarked"}`;
          if (watched.seen.at(-1)?.state !== state) watched.seen.push({ state, at: Date.now() });
        };
        new MutationObserver(note).observe(document.body, {
          subtree: true,
          childList: true,
          attributes: true,
        });
      });
      // Just after the page's first periodic read (ten seconds after it hydrated; the read when its stream
      // opened comes before): the next comes ten seconds later, well past the grace.
      const hydrated = Date.now();
      do await page.waitForRequest((r) => r.url().includes("/api/v1/overview"), { timeout: 15_000 }); while (
        Date.now() - hydrated < 8000
      );
      const before = Date.now();
      cp = await connectStation(server.wsUrl, "CP-QUIET");
      // The grace, and the periodic read after it.
      await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 10_000));
      const { seen } = await page.evaluate(() => (globalThis as unknown as { watched: Watched }).watched);
      const timeline = seen.map((s) => `${s.state} at +${s.at - before} ms`).join("; ");
      // Listed before its boot was (a read after its connection): nothing is waited for yet.
      const booted = seen.findIndex((s) => s.state !== "count 0, none, unmarked");
      assertEquals(seen.slice(booted).map((s) => s.state), [
        "count 0, starting, unmarked",
        "count 1, overdue, marked",
      ], timeline);
      const turned = seen.at(-1)!.at - before;
      assert(
        turned >= GRACE_MS && turned <= GRACE_MS + LATE_MS,
        `turned silent when the grace ended: ${timeline}`,
      );
      await shot(page, "overview-silent-at-grace-end");
      assertEquals(errors, []);
    } finally {
      if (cp) await closeStation(cp).catch(() => {});
      await browser?.close();
      await server.close();
    }
  },
});
