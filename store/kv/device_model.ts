/** OCPP 2.0.1 device models on Deno KV: `["dm", cpId, deviceModelKey]` -> DeviceModelEntry, sorted by key. */
import type { StationChanges } from "../../model/changes.ts";
import { type DeviceModelEntry, deviceModelKey } from "../../model/device_model.ts";
import type { PageRequest } from "../mod.ts";
import type { WriteSet } from "./write_set.ts";

export class KvDeviceModel {
  constructor(private readonly kv: Deno.Kv) {}

  async listDeviceModel(chargePointId: string, page: PageRequest): Promise<DeviceModelEntry[]> {
    const prefix: Deno.KvKey = ["dm", chargePointId];
    const selector: Deno.KvListSelector = page.after === undefined
      ? { prefix }
      : { prefix, start: [...prefix, page.after, ""] };
    const out: DeviceModelEntry[] = [];
    if (page.limit <= 0) return out;
    for await (const entry of this.kv.list<DeviceModelEntry>(selector, { limit: page.limit + 1 })) {
      if (entry.key[2] === page.after) continue;
      out.push(entry.value);
      if (out.length >= page.limit) break;
    }
    return out;
  }
}

/** Each entry replaces the stored one of its key (idempotent: a replayed report writes the same). */
export function planDeviceModel(changes: StationChanges, set: WriteSet): void {
  for (const entry of changes.deviceModel ?? []) {
    set.set(["dm", entry.chargePointId, deviceModelKey(entry)], entry, { idempotent: true });
  }
}
