/**
 * Manage operator accounts from the command line (the first admin, or when locked out):
 *
 *   deno task users add <name> --role admin|operator|viewer   # password from USER_PASSWORD, else stdin
 *   deno task users passwd <name>                              # same; logs the user out everywhere
 *   deno task users list
 *   deno task users remove <name>
 *
 * Uses the same store as the server (KV_PATH or DATABASE_URL).
 *
 * @example
 * ```sh
 * printf '%s\n' 'a long secret' | deno task users add alice --role admin
 * ```
 */
import { loadConfig } from "../config.ts";
import { createLogger } from "../logger.ts";
import { hashPassword, Password, RoleSchema, Username } from "../auth/mod.ts";
import { openStores } from "../store/open.ts";
import { fail, parseArgsOrExit, runTask } from "./cli.ts";

const USAGE =
  "Usage: deno task users <add <name> --role admin|operator|viewer | passwd <name> | list | remove <name>>";

async function readPassword(fromEnv: string | undefined): Promise<string> {
  let password = fromEnv;
  if (password === undefined) {
    if (Deno.stdin.isTerminal()) {
      console.error("Password (input is shown; prefer piping it or USER_PASSWORD):");
    }
    const chunks: Uint8Array[] = [];
    for await (const chunk of Deno.stdin.readable) chunks.push(chunk);
    const text = new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
    password = text.split(/\r?\n/)[0] ?? "";
  }
  const parsed = Password.safeParse(password);
  if (!parsed.success) fail(`The password must be 8 to 1024 characters long`);
  return parsed.data;
}

const { values, positionals } = parseArgsOrExit({
  allowPositionals: true,
  options: { role: { type: "string" } },
}, USAGE);
const [command, nameArg] = positionals;

function username(): string {
  const parsed = Username.safeParse(nameArg);
  if (!parsed.success) fail(`A username of 1-64 letters, digits or . _ @ - is required. ${USAGE}`);
  return parsed.data;
}

await runTask(async () => {
  const config = loadConfig();
  const stores = await openStores(config, createLogger({ level: "warn" }));
  const auth = stores.auth;
  try {
    const now = new Date().toISOString();
    switch (command) {
      case "add": {
        const name = username();
        const role = RoleSchema.safeParse(values.role);
        if (!role.success) fail(`--role must be admin, operator or viewer. ${USAGE}`);
        const created = await auth.createUser({
          username: name,
          role: role.data,
          passwordHash: await hashPassword(await readPassword(config.USER_PASSWORD)),
          disabled: false,
          createdAt: now,
          updatedAt: now,
        });
        if (!created) fail(`User "${name}" already exists (use passwd to change the password)`, 1);
        console.log(`User "${name}" created with role ${role.data}`);
        break;
      }
      case "passwd": {
        const name = username();
        const user = await auth.getUser(name);
        if (!user) fail(`No user "${name}"`, 1);
        const passwordHash = await hashPassword(await readPassword(config.USER_PASSWORD));
        await auth.updateUser({ ...user, passwordHash, disabled: false, updatedAt: now });
        await auth.deleteSessionsOf(name);
        console.log(`Password of "${name}" changed; their sessions are ended`);
        break;
      }
      case "list":
        for (const u of await auth.listUsers()) {
          console.log(
            JSON.stringify({
              username: u.username,
              role: u.role,
              disabled: u.disabled,
              createdAt: u.createdAt,
            }),
          );
        }
        break;
      case "remove": {
        const name = username();
        if (!(await auth.deleteUser(name))) fail(`No user "${name}"`, 1);
        console.log(`User "${name}" removed`);
        break;
      }
      default:
        fail(USAGE);
    }
  } finally {
    await stores.close();
  }
});
