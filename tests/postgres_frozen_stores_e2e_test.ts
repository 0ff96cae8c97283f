/**
 * Each PostgreSQL store family beside the Store (auth, energy, fleet, the Security extension) reaches its
 * database through a proxy that freezes (nothing passes, nothing is closed: a partition or a hung server). An
 * operator's request that needs it answers 503 with a JSON body within the call bound, never hangs, never 500.
 * The other stores are the in-memory ones, so the family under test is the only one frozen.
 */
import { assertEquals, assertLess } from "@std/assert";
import type { ServerOptions } from "../server.ts";
import { openPostgresAuthStore } from "../store/postgres/auth.ts";
import { openPostgresEnergyStore } from "../store/postgres/energy.ts";
import { openPostgresFleetStore } from "../store/postgres/fleet.ts";
import { openPostgresSecurityExtension } from "../store/postgres/security_extension.ts";
import { startApiServer } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { within } from "./helpers/server.ts";
import { tcpProxy } from "./helpers/tcp_proxy.ts";

const ignore = await ignoreWithoutPostgres("frozen PostgreSQL store tests");

/** The bound each store is opened with, and what an answer may take past it on a busy machine. */
const BOUND_MS = 800;
const MARGIN_MS = 2_500;

type Family = (url: string) => Promise<{ options: ServerOptions; close: () => Promise<void> }>;

const families: Record<string, { open: Family; route: string }> = {
  auth: {
    open: async (url) => {
      const auth = await openPostgresAuthStore(url, { callTimeoutMs: BOUND_MS });
      return { options: { auth }, close: () => auth.close() };
    },
    route: "/api/v1/users",
  },
  energy: {
    open: async (url) => {
      const energy = await openPostgresEnergyStore(url, { callTimeoutMs: BOUND_MS });
      return { options: { energy }, close: () => energy.close() };
    },
    route: "/api/v1/sites",
  },
  fleet: {
    open: async (url) => {
      const fleet = await openPostgresFleetStore(url, { callTimeoutMs: BOUND_MS });
      return { options: { fleet }, close: () => fleet.close() };
    },
    route: "/api/v1/jobs",
  },
  "security extension": {
    open: async (url) => {
      const securityExtension = await openPostgresSecurityExtension(url, { callTimeoutMs: BOUND_MS });
      return { options: { securityExtension }, close: () => securityExtension.close() };
    },
    route: "/api/v1/pki/certificates",
  },
};

for (const [family, { open, route }] of Object.entries(families)) {
  Deno.test({
    name:
      `a frozen connection of the ${family} store: GET ${route} answers 503 with a JSON body within its bound`,
    ignore,
    fn: async () => {
      const db = await migratedDatabase("pgdeadline_frozen");
      const proxy = tcpProxy(new URL(db.url));
      try {
        const stores = await open(proxy.url(db.url));
        try {
          const server = await startApiServer({}, stores.options);
          try {
            assertEquals((await server.json(route)).status, 200);
            proxy.freeze();
            const started = performance.now();
            // A hang fails the test (at the helper's least wait) instead of holding the suite.
            const frozen = await within(server.json(route), BOUND_MS + MARGIN_MS, `${route} to answer`);
            const took = performance.now() - started;
            assertEquals(frozen.status, 503, JSON.stringify(frozen.body));
            assertEquals(frozen.body.error, "store_unavailable");
            assertLess(took, BOUND_MS + MARGIN_MS, `answered after ${took} ms`);
            if (family === "security extension") {
              // A station's file transfer too (outside the API): its token is looked up in the store.
              const upload = await within(
                fetch(`${server.url}/files/upload/CP-1/${"a".repeat(43)}`, { method: "PUT", body: "log" }),
                BOUND_MS + MARGIN_MS,
                "the upload to be refused",
              );
              assertEquals([upload.status, (await upload.json()).error], [503, "store_unavailable"]);
            }
          } finally {
            await server.close();
          }
        } finally {
          await proxy.close();
          await stores.close();
        }
      } finally {
        await proxy.close();
        await db.drop();
      }
    },
  });
}
