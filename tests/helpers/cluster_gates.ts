/**
 * A cluster backend whose bus is slow on purpose: its withdrawals or its sends wait for the test's word. For
 * tests of what a node does while the bus has not answered yet (a request given up, a command following its
 * station).
 */
import type { Registry } from "../../actors/registry.ts";
import type { BusMessage, ClusterBackend } from "../../cluster/mod.ts";

/** What a node asks of the registry when no station is connected to it. */
export const EMPTY_REGISTRY = {
  attachCluster() {},
  list: () => [],
  connection: () => null,
  isConnectedHere: () => false,
  replacedElsewhere() {},
} as unknown as Registry;

/** `backend` with its withdrawals held until `release()`. */
export function slowWithdraw(backend: ClusterBackend) {
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const state = { withdrawals: 0, release };
  return {
    state,
    backend: withBus(backend, {
      withdraw: async (to, receipt) => {
        state.withdrawals++;
        await gate;
        return await backend.bus.withdraw(to, receipt);
      },
    }),
  };
}

/** `backend` with its sends held until `release(ok)`: then stored, or refused (nothing stored). */
export function slowSend(backend: ClusterBackend) {
  let release: (ok: boolean) => void = () => {};
  const gate = new Promise<boolean>((resolve) => (release = resolve));
  const state = { sends: 0, release };
  return {
    state,
    backend: withBus(backend, {
      send: async (to, message) => {
        state.sends++;
        if (!(await gate)) throw new Error("the database refused the INSERT");
        return await backend.bus.send(to, message);
      },
    }),
  };
}

function withBus(
  backend: ClusterBackend,
  replaced: Partial<Pick<ClusterBackend["bus"], "send" | "withdraw">>,
): ClusterBackend {
  const bus = backend.bus;
  return {
    ...backend,
    bus: {
      nodeId: bus.nodeId,
      send: replaced.send ?? ((to: string, message: BusMessage) => bus.send(to, message)),
      withdraw: replaced.withdraw ?? ((to: string, receipt: string) => bus.withdraw(to, receipt)),
      broadcast: (message) => bus.broadcast(message),
      onMessage: (handler) => bus.onMessage(handler),
      close: () => bus.close(),
    },
  };
}
