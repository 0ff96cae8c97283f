/**
 * The PostgreSQL FleetStore against the FleetStore contract, each case on a fresh database (dropped
 * afterwards). With `CI=true` the tests always run; elsewhere they are ignored, with a reason, without a server.
 */
import { freshDatabase, ignoreWithoutPostgres } from "../../tests/helpers/postgres.ts";
import { fleetContract } from "../contract/fleet.ts";
import { openPostgresStore } from "./mod.ts";
import { openPostgresFleetStore } from "./fleet.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL fleet store tests");

fleetContract("postgres", async () => {
  const db = await freshDatabase("csms_fleet_test");
  try {
    const store = await openPostgresStore(db.url);
    return { store, fleet: await openPostgresFleetStore(db.url, { migrate: false }), cleanup: db.drop };
  } catch (err) {
    await db.drop();
    throw err;
  }
}, { ignore });
