/**
 * What both peers answer (valid OCPP 1.6 `.conf` payloads, as the strict ocpp-rpc peer checks its own
 * answers): everything accepted, nothing stored. The actions are the ones the load generator sends.
 */
export const PEER_ACTIONS = [
  "BootNotification",
  "Heartbeat",
  "StatusNotification",
  "MeterValues",
  "Authorize",
  "StartTransaction",
  "StopTransaction",
  "DataTransfer",
  "DiagnosticsStatusNotification",
  "FirmwareStatusNotification",
] as const;

export type PeerAction = typeof PEER_ACTIONS[number];

const ACCEPTED = { idTagInfo: { status: "Accepted" } } as const;

/** The answer to `action`; `transactionId` is what a StartTransaction gets. */
export function peerAnswer(action: PeerAction, now: Date, transactionId: number): Record<string, unknown> {
  switch (action) {
    case "BootNotification":
      return { status: "Accepted", currentTime: now.toISOString(), interval: 300 };
    case "Heartbeat":
      return { currentTime: now.toISOString() };
    case "Authorize":
    case "StopTransaction":
      return ACCEPTED;
    case "StartTransaction":
      return { transactionId, ...ACCEPTED };
    case "DataTransfer":
      return { status: "Accepted" };
    default:
      return {};
  }
}

/** The line our server logs once it listens, which the benchmark waits for (`server_launch.ts`). */
export function listeningLine(port: number): string {
  return JSON.stringify({ level: "info", msg: "listening", url: `http://127.0.0.1:${port}` });
}
