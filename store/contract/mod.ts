/**
 * The Store contract: one suite of behaviours, registered as `Deno.test` cases, that every Store implementation
 * must pass. It depends only on the `Store` interface, so the same cases run against Deno KV and PostgreSQL.
 * One file per concern; `harness.ts` runs each case on a fresh store.
 *
 * Each case opens a fresh, empty store through the factory, closes every Store it got (including reopened
 * ones) and then calls `cleanup()` to remove what backed it (a temp folder, a schema).
 *
 * @example
 * ```ts ignore
 * import { storeContract } from "./mod.ts";
 * import { openKvStore } from "../kv/mod.ts";
 *
 * storeContract("kv", async () => ({ store: await openKvStore(":memory:"), cleanup: async () => {} }));
 * ```
 */
import { chargePointCases } from "./charge_points.ts";
import { commandLogCases } from "./command_log.ts";
import { commitCases } from "./commit.ts";
import { fileStatusCases } from "./file_status.ts";
import { historyPageCases } from "./history_pages.ts";
import { statusTimeCases } from "./status_times.ts";
import { casesFor, type ContractHandle, type ContractOptions } from "./harness.ts";
import { idTagCases } from "./id_tags.ts";
import { meterValueCases } from "./meter_values.ts";
import { ocpp201Cases } from "./ocpp201.ts";
import { transactionCases } from "./transactions.ts";

export type { ContractHandle, ContractOptions } from "./harness.ts";

/** Registers every contract case for one Store implementation. `open` must give a fresh, empty store each time. */
export function storeContract(
  name: string,
  open: () => Promise<ContractHandle>,
  options: ContractOptions = {},
): void {
  const cases = casesFor(name, open, options);
  chargePointCases(cases);
  idTagCases(cases);
  transactionCases(cases);
  meterValueCases(cases);
  commandLogCases(cases);
  commitCases(cases);
  fileStatusCases(cases);
  historyPageCases(cases);
  statusTimeCases(cases);
  ocpp201Cases(cases);
}
