/** Energy so far of running transactions for the pages that list them (the transactions list, a station). */
import type { Transaction } from "../../components/types.ts";
import type { PageApi } from "./http.ts";

type Implausible = NonNullable<Transaction["energyImplausible"]>;

/** What the API says of running transactions: energy so far (Wh) and, for readings no meter makes, why. */
export interface RunningEnergy {
  energy: Record<string, number>;
  implausible: Record<string, Implausible>;
}

/** Energy so far of running transactions, by id, from the API (100 ids per call, a bounded number). */
export async function runningEnergy(api: PageApi, ids: number[], max = 500): Promise<Record<string, number>> {
  return (await runningEnergyReport(api, ids, max)).energy;
}

/** `runningEnergy` and why the readings of those it counts 0 are implausible, by id. */
export async function runningEnergyReport(api: PageApi, ids: number[], max = 500): Promise<RunningEnergy> {
  const out: RunningEnergy = { energy: {}, implausible: {} };
  for (let i = 0; i < Math.min(ids.length, max); i += 100) {
    const { items } = await api.get<
      { items: { transactionId: number; energyWh: number; energyImplausible?: Implausible }[] }
    >(
      `/api/v1/transactions/energy?ids=${ids.slice(i, i + 100).join(",")}`,
    );
    for (const item of items) {
      out.energy[item.transactionId] = item.energyWh;
      if (item.energyImplausible) out.implausible[item.transactionId] = item.energyImplausible;
    }
  }
  return out;
}
