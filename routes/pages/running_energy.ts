/** Energy so far of running transactions for the pages that list them (the transactions list, a station). */
import type { PageApi } from "./http.ts";

/** Energy so far of running transactions, by id, from the API (100 ids per call, a bounded number). */
export async function runningEnergy(api: PageApi, ids: number[], max = 500): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (let i = 0; i < Math.min(ids.length, max); i += 100) {
    const { items } = await api.get<{ items: { transactionId: number; energyWh: number }[] }>(
      `/api/v1/transactions/energy?ids=${ids.slice(i, i + 100).join(",")}`,
    );
    for (const item of items) out[item.transactionId] = item.energyWh;
  }
  return out;
}
