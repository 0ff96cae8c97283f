/**
 * A node frozen (SIGSTOP, a paused VM) inside a transaction of the PostgreSQL cluster (its sweep of a dead node's
 * stations) keeps its session open: the kernel still answers for the socket, and PostgreSQL sees a session idle
 * in transaction, holding the rows it deleted. The station of the dead node, reconnected to another node, then
 * cannot be claimed (its presence upsert waits on that row) for as long as the node is frozen, unless the
 * transaction has the stores' idle bound (`postgres_transaction_bounds.ts`).
 */
import { assertEquals } from "@std/assert";
import { openPostgresPool } from "../postgres_pool.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "../tests/helpers/postgres.ts";
import { eventually } from "../tests/helpers/server.ts";

const ignore = await ignoreWithoutPostgres("cluster PostgreSQL idle bound test");

const CHILD = new URL("../tests/helpers/cluster_node_child.ts", import.meta.url).pathname;

Deno.test({
  name: "a node frozen in its sweep of a dead node's stations holds their rows only for the idle bound",
  ignore,
  fn: async () => {
    const db = await migratedDatabase("giveup_cluster_idle");
    const observer = openPostgresPool(db.url, { max: 3, onnotice: () => {} });
    let node: Deno.ChildProcess | undefined;
    try {
      await observer`insert into cluster_nodes (node_id, expires_at) values ('dead', now() - interval '1 minute')`;
      await observer`
        insert into cluster_presence (charge_point_id, node_id, connected_at, remote_address)
        values ('CP-1', 'dead', '2026-12-07T08:00:00.000Z', '10.0.0.1')`;
      // The sweep's delete waits for this lock; once it waits, its node is frozen, then the lock goes.
      const locker = await observer.reserve();
      await locker`begin`;
      await locker`select 1 from cluster_presence where charge_point_id = 'CP-1' for update`;
      node = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", CHILD, db.url, "sweeper", "10"],
        stdout: "null",
        stderr: "null",
      }).spawn();
      await eventually(
        async () =>
          (await observer`
            select 1 from pg_stat_activity
            where datname = current_database() and application_name = 'csms-cluster sweeper'
              and wait_event_type = 'Lock' and query like '%delete from cluster_presence p%'
          `).length > 0,
        15_000,
        "the sweep waiting for the locked row",
      );
      node.kill("SIGSTOP");
      await locker`commit`;
      locker.release();
      // The station reconnected to node "b": its claim waits for the frozen sweep's row lock.
      const claimed = await observer.begin(async (tx) => {
        await tx`set local lock_timeout = '9s'`;
        await tx`
          insert into cluster_presence (charge_point_id, node_id, connected_at, remote_address)
          values ('CP-1', 'b', '2026-12-07T09:00:00.000Z', '10.0.0.2')
          on conflict (charge_point_id) do update set node_id = excluded.node_id`;
      }).then(() => null, (e: { code?: string }) => e.code ?? String(e));
      assertEquals(claimed, null, "the claim was not held past the idle bound");
      assertEquals([...await observer`select node_id from cluster_presence`], [{ node_id: "b" }]);
    } finally {
      node?.kill("SIGKILL");
      await node?.status;
      await observer.end();
      await db.drop();
    }
  },
});
