/**
 * The ADMIN_USER/ADMIN_PASSWORD bootstrap run at start-up.
 */
import type { Logger } from "../logger.ts";
import type { AuthStore } from "../store/auth.ts";
import { hashPassword } from "./passwords.ts";

/**
 * Creates the first admin from ADMIN_USER/ADMIN_PASSWORD when there are no users at all; does nothing
 * otherwise (the variables never reset an existing password). Returns whether a user was created.
 *
 * @example
 * ```ts ignore
 * await ensureFirstAdmin(auth, { username: "root", password: "s3cret-enough" }, logger, new Date());
 * ```
 */
export async function ensureFirstAdmin(
  auth: AuthStore,
  admin: { username: string | undefined; password: string | undefined },
  logger: Logger,
  at: Date,
): Promise<boolean> {
  if ((await auth.countUsers()) > 0) return false;
  // Without them the setup page makes the first admin (auth/first_run.ts says how).
  if (!admin.username || !admin.password) return false;
  const created = await auth.createUser({
    username: admin.username,
    role: "admin",
    passwordHash: await hashPassword(admin.password),
    disabled: false,
    createdAt: at.toISOString(),
    updatedAt: at.toISOString(),
  });
  if (created) logger.info("first admin created", { username: admin.username });
  return created;
}
