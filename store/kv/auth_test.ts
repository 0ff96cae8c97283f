import { authStoreContract } from "../contract/auth.ts";
import { openKvAuthStore } from "./auth.ts";

authStoreContract("kv", async () => ({ store: await openKvAuthStore(":memory:"), cleanup: async () => {} }));

authStoreContract("kv file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "auth_kv_test_" });
  return {
    store: await openKvAuthStore(`${dir}/nested/auth.kv`),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
});
