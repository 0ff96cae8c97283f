/**
 * A process that runs one PostgreSQL cluster node (its bus, presence and sweeps, every `pollMs`) until it is
 * killed: a test freezes it (SIGSTOP) where it likes, e.g. inside its sweep's transaction.
 *
 * ```sh
 * deno run -A tests/helpers/cluster_node_child.ts <database url> <node id> <pollMs>
 * ```
 */
import { createMemoryLogger } from "../../logger.ts";
import { openPostgresCluster } from "../../cluster/postgres.ts";

const [url, nodeId, pollMs] = [Deno.args[0]!, Deno.args[1]!, Number(Deno.args[2] ?? 10)];
await openPostgresCluster(url, { nodeId, logger: createMemoryLogger(), pollMs });
console.log("ready");
