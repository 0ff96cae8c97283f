/**
 * PostgresStationSecurityStore against the StationSecurityStore contract, each case on a fresh database,
 * dropped afterwards. With `CI=true` the tests always run; elsewhere they are ignored, with a one-line reason,
 * when no server answers.
 */
import { freshDatabase, ignoreWithoutPostgres } from "../../tests/helpers/postgres.ts";
import { stationSecurityContract } from "../contract/station_security.ts";
import { openPostgresStationSecurityStore } from "./station_security.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL station security store tests");

stationSecurityContract("postgres", async (retention) => {
  const db = await freshDatabase("csms_secu_test");
  try {
    return {
      store: await openPostgresStationSecurityStore(db.url, retention ? { retention } : {}),
      cleanup: db.drop,
    };
  } catch (err) {
    await db.drop();
    throw err;
  }
}, { ignore });
