/**
 * Operators: passwords, users, login sessions, API tokens, the first admin and the login back-off. HTTP lives
 * in routes/api (auth.ts, authenticate.ts); this folder imports no Hono, no database, only store interfaces.
 */
export { ApiTokens, creatorLabel, issueApiToken, TOKEN_PREFIX } from "./api_tokens.ts";
export { CredentialRevocations } from "./revocations.ts";
export { ensureFirstAdmin } from "./first_admin.ts";
export { FirstRunSetup, type SetupResult } from "./first_run.ts";
export { LoginGuard } from "./login_guard.ts";
export { hashPassword, MAX_PASSWORD_LENGTH, verifyPassword } from "./passwords.ts";
export { hasRole, type Principal, principalLabel } from "./principal.ts";
export { checkCredentials, sessionPrincipal, startSession } from "./sessions.ts";
export { isActiveAdmin, Password, RoleSchema, Username } from "./users.ts";
