/**
 * PostgresEnergyStore against the EnergyStore contract, each case on a fresh database, dropped afterwards.
 * With `CI=true` the tests always run; elsewhere they are ignored, with a one-line reason, when no server
 * answers.
 */
import { ignoreWithoutPostgres, migratedDatabase } from "../../tests/helpers/postgres.ts";
import { energyContract } from "../contract/energy.ts";
import { openPostgresEnergyStore } from "./energy.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL energy store tests");

energyContract("postgres", async (options) => {
  const db = await migratedDatabase("csms_energy_test");
  try {
    return { store: await openPostgresEnergyStore(db.url, options), cleanup: db.drop };
  } catch (err) {
    await db.drop();
    throw err;
  }
}, { ignore });
