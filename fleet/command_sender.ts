/**
 * Sends one CS->CP command on behalf of the fleet (a job, the local list sync, a reservation) the way an
 * operator's command is sent: through the registry, refused when the station may not be commanded, and
 * written to the command log with who asked.
 *
 * A station may be commanded only when it is known and registered Accepted: a socket that connected with an
 * id and never booted (possibly an impostor), or a Pending or Rejected station, gets nothing from a job.
 */
import type { Registry } from "../actors/registry.ts";
import type { Logger } from "../logger.ts";
import { redactSecrets } from "../protocol/ocppj/secret_values.ts";
import type { CommandLogEntry, Store } from "../store/store.ts";
import { failedCommandOutcome } from "../actors/errors.ts";
import type { TaskOutcome } from "../store/fleet.ts";

export interface CommandRequest {
  chargePointId: string;
  action: string;
  payload: unknown;
  force?: boolean;
  /** Written to the command log: `job:<id> by user:alice`, `system:local-list`. */
  requestedBy: string;
}

/** How one command ended, in the command log's words. */
export interface CommandResult {
  outcome: Exclude<TaskOutcome, "cancelled">;
  /** The answer (accepted), the CALLERROR (callerror), or `{ reason }` (refused, invalid). */
  response: unknown;
}

export type CommandSender = (request: CommandRequest) => Promise<CommandResult>;

export interface CommandSenderDeps {
  registry: Pick<Registry, "call" | "get">;
  store: Pick<Store, "getChargePoint" | "appendCommandLog">;
  logger: Logger;
  now: () => Date;
  newId?: () => string;
}

export function createCommandSender(deps: CommandSenderDeps): CommandSender {
  const newId = deps.newId ?? (() => crypto.randomUUID());
  return async function sendCommand(request) {
    const requestedAt = deps.now().toISOString();
    const refusal = await whyNotCommandable(deps, request.chargePointId);
    const result: CommandResult = refusal !== null
      ? { outcome: "refused", response: { reason: refusal } }
      : await call(deps, request);
    const entry: CommandLogEntry = {
      id: newId(),
      chargePointId: request.chargePointId,
      action: request.action,
      payload: redactSecrets(request.payload),
      requestedBy: request.requestedBy,
      requestedAt,
      outcome: result.outcome,
      response: redactSecrets(result.response),
      finishedAt: deps.now().toISOString(),
    };
    try {
      await deps.store.appendCommandLog(entry);
    } catch (error) {
      // The command is done; losing its log line must not change its outcome.
      deps.logger.warn("cannot append command log", {
        chargePointId: request.chargePointId,
        action: request.action,
        error: String(error),
      });
    }
    return { outcome: result.outcome, response: redactSecrets(result.response) };
  };
}

async function call(deps: CommandSenderDeps, request: CommandRequest): Promise<CommandResult> {
  try {
    const response = await deps.registry.call(request.chargePointId, request.action, request.payload, {
      force: request.force ?? false,
    });
    return { outcome: "accepted", response };
  } catch (error) {
    const result = failedCommandOutcome(error);
    if (result === null) throw error;
    return result;
  }
}

/** Why a station may not be commanded by the fleet, or null. */
async function whyNotCommandable(deps: CommandSenderDeps, chargePointId: string): Promise<string | null> {
  const live = deps.registry.get(chargePointId)?.snapshot;
  const status = live !== undefined && live !== null
    ? live.registrationStatus
    : (await deps.store.getChargePoint(chargePointId))?.registrationStatus;
  if (status === undefined) return `station "${chargePointId}" is unknown`;
  if (status !== "Accepted") {
    return `station "${chargePointId}" is ${status ?? "not registered"}, not Accepted`;
  }
  return null;
}
