/**
 * PostgresAuthStore against the AuthStore contract, each case on a FRESH database (`csms_auth_test_<random>`),
 * dropped afterwards. Same rules as postgres_test.ts: with `CI=true` the tests always run; elsewhere they are
 * registered as ignored, with a one-line reason, when no server answers.
 */
import { ignoreWithoutPostgres, migratedDatabase } from "../../tests/helpers/postgres.ts";
import { authStoreContract } from "../contract/auth.ts";
import { openPostgresAuthStore } from "./auth.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL auth store tests");

authStoreContract("postgres", async () => {
  const db = await migratedDatabase("csms_auth_test");
  try {
    return { store: await openPostgresAuthStore(db.url), cleanup: db.drop };
  } catch (err) {
    await db.drop();
    throw err;
  }
}, { ignore });
