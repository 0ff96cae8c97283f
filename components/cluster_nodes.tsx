/**
 * The cluster on the overview (GET /api/v1/cluster/nodes): a notice above it for each node lost within the
 * last day (its stations went offline with it, the operator may never have looked at a log), and a small
 * listing of the nodes below the stations when there is more than one process to list.
 */
import { Time, TzLabel } from "./time.tsx";
import type { ClusterNode } from "./types.ts";

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What the notice says of a lost node after when it stopped: what the data supports, no more. */
export function lostNodeOutcome(node: ClusterNode): string {
  if (node.stations === 0) return "it held no stations.";
  const held = `${plural(node.stations, "station was", "stations were")} disconnected`;
  return `${held}; ${node.reconnected ?? 0} reconnected to other nodes.`;
}

export function LostNodeNotices(props: { nodes: readonly ClusterNode[] }) {
  const lost = props.nodes.filter((n) => n.state === "lost");
  if (lost.length === 0) return null;
  return (
    <div class="error-box" role="alert" aria-label="Cluster nodes lost" data-lost-nodes>
      {lost.map((n) => (
        // Its lease ran out at `lostAt`: it stopped before that, after its last renewal.
        <p key={n.nodeId} data-lost-node={n.nodeId}>
          Node {n.nodeId} stopped answering by <Time iso={n.lostAt} /> <TzLabel />: {lostNodeOutcome(n)}
        </p>
      ))}
      <p class="muted small">Listed for 24 hours after the node stopped.</p>
    </div>
  );
}

/** The nodes, when there is more than this process to show (a single process needs no listing). */
export function ClusterNodes(props: { nodes: readonly ClusterNode[] }) {
  if (props.nodes.length < 2) return null;
  return (
    <section class="card" aria-labelledby="cluster-title" data-cluster-nodes>
      <h2 id="cluster-title">Cluster</h2>
      <table class="table" aria-label="Cluster nodes">
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">State</th>
            <th scope="col">Stations</th>
            <th scope="col">
              Started (<TzLabel />)
            </th>
            <th scope="col">
              Last renewal (<TzLabel />)
            </th>
          </tr>
        </thead>
        <tbody>
          {props.nodes.map((n) => (
            <tr key={n.nodeId} data-node={n.nodeId} data-state={n.state}>
              <td>
                <code>{n.nodeId}</code>
                {n.self && <span class="muted small aside">(this one)</span>}
              </td>
              <td>
                {n.state === "alive" ? "alive" : (
                  <>
                    lost at <Time iso={n.lostAt} />
                  </>
                )}
              </td>
              <td>
                {n.stations}
                {n.state === "lost" && (
                  <span class="muted small aside">({n.reconnected ?? 0} reconnected)</span>
                )}
              </td>
              <td>
                <Time iso={n.startedAt} />
              </td>
              <td>
                <Time iso={n.lastRenewedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
