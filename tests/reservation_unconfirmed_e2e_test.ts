/**
 * A ReserveNow not answered in time is held in the station's snapshot (the station may hold it), but the
 * station never confirmed it: the station's reservations (API and dashboard) listed it like an accepted one.
 * It is listed `unconfirmed` until the station answers Accepted (late, or to a ReserveNow of that id sent
 * again). A raw `ws` 1.6 station, a raw ReserveNow through the command API (not the ledger), on KV and
 * PostgreSQL; the station page in Chromium on KV.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import type { Browser } from "playwright-core";
import type { ApiTestServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { ADMIN } from "./helpers/api.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { bootedRawStation, type RawSocket } from "./helpers/station.ts";

const TIMEOUT_MS = 300;
const CP = "CP-UNCONFIRMED";

function reserveNow(server: ApiTestServer, reservationId: number, connectorId: number) {
  return server.json(`/api/v1/charge-points/${CP}/ReserveNow`, {
    method: "POST",
    as: "operator",
    body: {
      connectorId,
      expiryDate: new Date(Date.now() + 3_600_000).toISOString(),
      idTag: "OWNER",
      reservationId,
    },
  });
}

/** The station's reservations as the API lists them: [id, unconfirmed]. */
async function listed(server: ApiTestServer): Promise<unknown[][]> {
  const res = await server.json(`/api/v1/charge-points/${CP}`, { as: "viewer" });
  assertEquals(res.status, 200, JSON.stringify(res.body));
  return res.body.reservations.map((r: { reservationId: number; unconfirmed: boolean }) => [
    r.reservationId,
    r.unconfirmed,
  ]);
}

/** A raw ReserveNow of `reservationId` the station lets time out: the CALL's message id. */
async function timedOut(
  server: ApiTestServer,
  socket: RawSocket,
  reservationId: number,
  connectorId: number,
): Promise<string> {
  const asked = reserveNow(server, reservationId, connectorId);
  const call = await socket.next(5000) as unknown[];
  assertEquals(call[2], "ReserveNow");
  assertEquals((await asked).status, 504);
  return call[1] as string;
}

async function unconfirmedUntilAccepted(kind: StoreKind) {
  await withApiServer(
    kind,
    async (server) => {
      assertEquals(
        (await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "OWNER" } })).status,
        201,
      );
      const socket = await bootedRawStation(`${server.wsUrl}/${CP}`, [1, 2]);
      try {
        const messageId = await timedOut(server, socket, 700, 1);
        assertEquals(await listed(server), [[700, true]], "held, never confirmed");
        // Answered late: the station holds it.
        socket.send(JSON.stringify([3, messageId, { status: "Accepted" }]));
        let now: unknown[][] = [];
        for (let i = 0; i < 100; i++) {
          now = await listed(server);
          if (now[0]?.[1] === false) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        assertEquals(now, [[700, false]], "confirmed by its late Accepted");
        // Another one times out, then its ReserveNow sent again is answered Accepted in time.
        await timedOut(server, socket, 701, 2);
        assertEquals(await listed(server), [[700, false], [701, true]]);
        const again = reserveNow(server, 701, 2);
        const call = await socket.next(5000) as unknown[];
        socket.send(JSON.stringify([3, call[1], { status: "Accepted" }]));
        assertEquals((await again).status, 200);
        assertEquals(await listed(server), [[700, false], [701, false]]);
      } finally {
        await socket.close();
      }
    },
    { CALL_TIMEOUT_MS: String(TIMEOUT_MS) },
    {},
    `turn42_unconfirmed_${kind}`,
  );
}

Deno.test("a timed-out raw ReserveNow is listed unconfirmed until the station accepts it (KV)", () =>
  unconfirmedUntilAccepted("kv"));

Deno.test({
  name: "a timed-out raw ReserveNow is listed unconfirmed until the station accepts it (PostgreSQL)",
  ignore: await ignoreWithoutPostgres("unconfirmed reservation test"),
  fn: () => unconfirmedUntilAccepted("postgres"),
});

Deno.test({
  name: `dashboard: the station page shows a timed-out ReserveNow as unconfirmed${SKIP_REASON}`,
  ignore: skipBrowser,
  fn: () =>
    withApiServer("kv", async (server) => {
      assertEquals(
        (await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "OWNER" } })).status,
        201,
      );
      const socket = await bootedRawStation(`${server.wsUrl}/${CP}`, [1, 2]);
      let browser: Browser | undefined;
      const errors: string[] = [];
      try {
        await timedOut(server, socket, 800, 1);
        const accepted = reserveNow(server, 801, 2);
        const call = await socket.next(5000) as unknown[];
        socket.send(JSON.stringify([3, call[1], { status: "Accepted" }]));
        assertEquals((await accepted).status, 200);
        browser = await launch();
        const page = await signedInPage(browser, server.url, ADMIN, errors);
        await page.goto(`${server.url}/stations/${CP}`);
        const reservations = page.locator("dt", { hasText: "Reservations" }).locator(
          "xpath=following-sibling::dd",
        );
        await reservations.getByText("#801").waitFor();
        const text = await reservations.innerText();
        assertStringIncludes(text, "#800 connector 1 for OWNER");
        assertEquals(/#800[^;]*unconfirmed/.test(text), true, text);
        assertEquals(/#801[^;]*unconfirmed/.test(text), false, text);
        assertEquals(errors, []);
      } finally {
        await browser?.close();
        await socket.close();
      }
    }, { CALL_TIMEOUT_MS: String(TIMEOUT_MS) }),
});
