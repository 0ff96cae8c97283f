/**
 * A simulated OCPP 2.0.1 Charging Station: npm `ocpp-rpc` in strict mode speaking `ocpp2.0.1`, so every frame
 * both ways is checked against the official OCPP 2.0.1 JSON schemas.
 */
import { RPCClient } from "ocpp-rpc";
import type { Station } from "./station.ts";

export const BOOT_201 = {
  reason: "PowerUp",
  chargingStation: {
    vendorName: "Acme",
    model: "Volt-2",
    serialNumber: "SN-201",
    firmwareVersion: "2.0.1-a",
  },
};

export async function connectStation201(
  wsUrl: string,
  identity: string,
  options: { boot?: boolean; protocols?: string[]; password?: string; headers?: Record<string, string> } = {},
): Promise<Station & { protocol: string }> {
  const client = new RPCClient(
    {
      endpoint: wsUrl,
      identity,
      protocols: options.protocols ?? ["ocpp2.0.1"],
      strictMode: true,
      reconnect: false,
      pingIntervalMs: 0,
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
    } as ConstructorParameters<typeof RPCClient>[0],
  );
  await client.connect();
  const station = client as unknown as Station & { protocol: string };
  if (options.boot ?? true) {
    const res = await station.call("BootNotification", BOOT_201);
    if (res.status !== "Accepted") throw new Error(`Boot of ${identity} answered ${res.status}`);
  }
  return station;
}
