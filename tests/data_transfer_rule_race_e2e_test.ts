/**
 * Two admins change one data-transfer rule at once through a real server, each naming the version they saw:
 * one change is written and the other is told 409 `rule_changed` in JSON, never both written (a lost write)
 * nor a 500. On Deno KV and on PostgreSQL.
 */
import { assertEquals } from "@std/assert";
import { type ApiTestServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";

const ROUNDS = 10;
const PATH = "/api/v1/data-transfer-rules";

/** Sets the rule of vendor `round` afresh; its version. */
async function freshRule(server: ApiTestServer, vendorId: string): Promise<number> {
  const set = await server.json(PATH, { method: "PUT", body: { vendorId, status: "Rejected" } });
  assertEquals(set.status, 200);
  return set.body.version;
}

/** Both answers' statuses, sorted, and the loser's body. */
async function atOnce(
  server: ApiTestServer,
  requests: { method: string; path: string; body?: unknown }[],
) {
  const answers = await Promise.all(
    requests.map((r) => server.json(r.path, { method: r.method, body: r.body })),
  );
  const lost = answers.find((a) => a.status === 409);
  return { statuses: answers.map((a) => a.status).sort(), lost: lost?.body };
}

async function raceOn(kind: StoreKind): Promise<void> {
  await withApiServer(kind, async (server) => {
    for (let round = 0; round < ROUNDS; round++) {
      const vendorId = `com.race${round}`;
      const version = await freshRule(server, vendorId);
      const put = (data: string) => ({
        method: "PUT",
        path: PATH,
        body: { vendorId, status: "Accepted", data, expectedVersion: version },
      });
      const twoPuts = await atOnce(server, [put("first"), put("second")]);
      assertEquals(twoPuts.statuses, [200, 409], `round ${round}: two PUTs`);
      assertEquals(twoPuts.lost?.error, "conflict");
      assertEquals(twoPuts.lost?.details?.reason, "rule_changed");
      assertEquals(twoPuts.lost?.details?.version, version + 1);
      const kept = (await server.json(PATH)).body.items.find((r: { vendorId: string }) =>
        r.vendorId === vendorId
      );
      assertEquals(kept?.version, version + 1, "one write, not two");

      const now = version + 1;
      const remove = { method: "DELETE", path: `${PATH}?vendorId=${vendorId}&messageId=&version=${now}` };
      const putAgain = { ...put("third"), body: { ...put("third").body, expectedVersion: now } };
      const putOrDelete = await atOnce(server, [putAgain, remove]);
      const [first] = putOrDelete.statuses;
      assertEquals(putOrDelete.statuses, [first === 200 ? 200 : 204, 409], `round ${round}: PUT and DELETE`);
      assertEquals(putOrDelete.lost?.details?.reason, "rule_changed");
      const after = (await server.json(PATH)).body.items.filter((r: { vendorId: string }) =>
        r.vendorId === vendorId
      );
      // The PUT won: the rule is its own; the DELETE won: there is none.
      assertEquals(
        after.map((r: { data: string; version: number }) => [r.data, r.version]),
        first === 200 ? [["third", now + 1]] : [],
      );
    }
  });
}

Deno.test("two admins changing a data-transfer rule at once: one wins, the other gets 409 (KV)", () =>
  raceOn("kv"));

Deno.test({
  name: "two admins changing a data-transfer rule at once: one wins, the other gets 409 (PostgreSQL)",
  ignore: await ignoreWithoutPostgres("data-transfer rule race tests"),
  fn: () => raceOn("postgres"),
});
