/**
 * What every presence store promises about two connections of one station started in the same millisecond
 * on two nodes: the row names the node whose socket the registries keep (the greater node id, see
 * `model/newest_connection.ts`), whichever claim lands last, so the loser's release leaves it be.
 */
import { assertEquals } from "@std/assert";
import type { ClusterBackend } from "./mod.ts";

export async function checkPresenceTie(open: (nodeId: string) => Promise<ClusterBackend>): Promise<void> {
  const a = await open("a");
  const b = await open("b");
  try {
    await a.presence.renew(60_000);
    await b.presence.renew(60_000);
    const at = "2026-12-01T10:00:00.000Z";
    const entry = (nodeId: string) => ({
      chargePointId: "CP-1",
      nodeId,
      connectedAt: at,
      remoteAddress: "x",
    });
    // The registries keep b's socket and close a's; a's claim lands last.
    await b.presence.claim([entry("b")]);
    await a.presence.claim([entry("a")]);
    await a.presence.release([{ chargePointId: "CP-1", connectedAt: at }]);
    // Connected to b: not offline (commands answered 409 not_connected) until b's next full reload.
    assertEquals((await b.presence.stations()).map((s) => `${s.chargePointId}@${s.nodeId}`), ["CP-1@b"]);
  } finally {
    await a.bus.close();
    await b.bus.close();
  }
}
