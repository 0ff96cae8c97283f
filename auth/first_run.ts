/**
 * The first run: while no operator user exists, the first admin is created on the setup page, with a one-time
 * setup token that the server prints in its log at start-up. Whoever reaches a fresh public server first
 * cannot take it over: the token is only in the log of the machine it runs on. The token works once, and only
 * while there is no user at all; it is kept in this process's memory only (each process of a cluster prints
 * its own).
 *
 * @example
 * ```ts ignore
 * const setup = await FirstRunSetup.prepare(auth, logger);
 * const result = await setup.complete(auth, { setupToken, username: "admin", password: "a long secret" }, now);
 * ```
 */
import type { Logger } from "../logger.ts";
import type { AuthStore, UserRecord } from "../store/auth.ts";
import { hashPassword } from "./passwords.ts";
import { newSecret, timingSafeEqual } from "./secrets.ts";

export type SetupResult =
  | { ok: true; user: UserRecord }
  /** done: a user exists already; no_token: this process printed none (it started with users); bad_token. */
  | { ok: false; reason: "done" | "no_token" | "bad_token" };

const encoder = new TextEncoder();

export class FirstRunSetup {
  #token: string | null;
  /** Setups in turn: two right answers at once must not make two admins. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(token: string | null) {
    this.#token = token;
  }

  /** A setup without a token (tests, or a store that already has users). */
  static none(): FirstRunSetup {
    return new FirstRunSetup(null);
  }

  /** Makes and logs a setup token when the store has no user yet. */
  static async prepare(auth: AuthStore, logger: Logger): Promise<FirstRunSetup> {
    if ((await auth.countUsers()) > 0) return FirstRunSetup.none();
    const token = newSecret("setup_");
    logger.warn(
      "no operator users yet: open /setup in a browser and enter this one-time setup token to create the first " +
        "admin (or run `deno task users add <name> --role admin`, or set ADMIN_USER and ADMIN_PASSWORD)",
      { setupToken: token, setupPath: "/setup" },
    );
    return new FirstRunSetup(token);
  }

  /** Whether the setup page is still the way in (no user exists). */
  async needed(auth: AuthStore): Promise<boolean> {
    return (await auth.countUsers()) === 0;
  }

  /** Creates the first admin when `setupToken` is this process's token and still no user exists. */
  complete(
    auth: AuthStore,
    input: { setupToken: string; username: string; password: string },
    at: Date,
  ): Promise<SetupResult> {
    const run = this.#queue.then(() => this.#complete(auth, input, at));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #complete(
    auth: AuthStore,
    input: { setupToken: string; username: string; password: string },
    at: Date,
  ): Promise<SetupResult> {
    if ((await auth.countUsers()) > 0) {
      this.#token = null;
      return { ok: false, reason: "done" };
    }
    if (this.#token === null) return { ok: false, reason: "no_token" };
    if (!timingSafeEqual(encoder.encode(input.setupToken), encoder.encode(this.#token))) {
      return { ok: false, reason: "bad_token" };
    }
    const user: UserRecord = {
      username: input.username,
      role: "admin",
      passwordHash: await hashPassword(input.password),
      disabled: false,
      createdAt: at.toISOString(),
      updatedAt: at.toISOString(),
    };
    if (!(await auth.createUser(user))) return { ok: false, reason: "done" };
    this.#token = null;
    return { ok: true, user };
  }
}
