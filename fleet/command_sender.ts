/**
 * Sends one CS->CP command on behalf of the fleet (a job, the local list sync, a reservation) the way an
 * operator's command is sent: through the registry (which writes the command log, with who asked), or refused
 * here when the station may not be commanded (logged here: the registry never saw it).
 *
 * A station may be commanded only when it is known and registered Accepted: a socket that connected with an
 * id and never booted (possibly an impostor), or a Pending or Rejected station, gets nothing from a job.
 */
import type { Registry } from "../actors/registry.ts";
import type { Logger } from "../logger.ts";
import { redactSecrets } from "../protocol/ocppj/secret_values.ts";
import { type CsToCpAction as CsToCpAction201, OCPP201 } from "../protocol/ocpp201/mod.ts";
import { validateMessage } from "../protocol/ocppj/validate.ts";
import type { CommandLogEntry } from "../model/command_log.ts";
import type { Store } from "../store/mod.ts";
import { failedCommandOutcome } from "../actors/errors.ts";
import { dialectOf } from "../actors/dialects.ts";
import type { Energy } from "../energy/mod.ts";
import type { CsToCpAction } from "../protocol/ocpp16/mod.ts";
import type { TaskOutcome } from "../store/fleet.ts";
import type { CallOptions } from "../actors/charge_point.ts";
import type { SendMark } from "../actors/send_marks.ts";
import {
  configurationFrom,
  getVariablesFor,
  ID_TOKEN_TYPE,
  reserveNow201,
  sendLocalList201,
  updateFirmware201,
} from "./ocpp201_commands.ts";

export interface CommandRequest {
  chargePointId: string;
  action: string;
  payload: unknown;
  force?: boolean;
  /** Written to the command log: `job:<id> by user:alice`, `system:local-list`. */
  requestedBy: string;
  /**
   * The requestId an OCPP 2.0.1 UpdateFirmware carries (a campaign matches the station's status notifications
   * by it); a random one when absent.
   */
  requestId?: number;
  /**
   * A job's task: its CALL is marked sent by the node holding the station as it leaves the station's queue,
   * before it goes (`actors/send_marks.ts`); a mark refused or failed rejects with SendMarkError, never sent.
   */
  mark?: SendMark;
}

/** How one command ended, in the command log's words. */
export interface CommandResult {
  outcome: Exclude<TaskOutcome, "cancelled">;
  /** The answer (accepted), the CALLERROR (callerror), or `{ reason }` (refused, invalid). */
  response: unknown;
}

export type CommandSender = (request: CommandRequest) => Promise<CommandResult>;

export interface CommandSenderDeps {
  registry: Pick<Registry, "call" | "get" | "send">;
  store: Pick<Store, "getChargePoint" | "appendCommandLog" | "getIdTag">;
  logger: Logger;
  now: () => Date;
  newId?: () => string;
  /**
   * Load management's say on charging profile commands (energy/), as on an operator's through the API: one
   * that would fight it is refused. What an answer teaches (stored profiles, the managed local list) is told
   * by the node holding the station, timely or late (`answerEffects`, command_answers.ts).
   */
  profiles?: ProfileCommands;
}

/** What the fleet needs of energy management (energy/mod.ts). */
export type ProfileCommands = Pick<Energy, "commandClash">;

export function createCommandSender(deps: CommandSenderDeps): CommandSender {
  const newId = deps.newId ?? (() => crypto.randomUUID());
  return async function sendCommand(request) {
    const station = await commandable(deps, request.chargePointId);
    const refusal = "refusal" in station ? station.refusal : (await deps.profiles?.commandClash(
      request.chargePointId,
      request.action,
      request.payload,
      { force: request.force ?? false },
    ))?.message ?? null;
    if (refusal === null) {
      return await call(deps, request, "dialect" in station ? station.dialect : "ocpp1.6");
    }
    // Not sent: the registry never saw it, so the refusal is logged here, as the registry logs what it sends.
    const at = deps.now().toISOString();
    const entry: CommandLogEntry = {
      id: newId(),
      chargePointId: request.chargePointId,
      action: request.action,
      payload: redactSecrets(request.payload),
      requestedBy: request.requestedBy,
      requestedAt: at,
      outcome: "refused",
      response: { reason: refusal },
      finishedAt: at,
    };
    try {
      await deps.store.appendCommandLog(entry);
    } catch (error) {
      deps.logger.warn("cannot append command log", {
        chargePointId: request.chargePointId,
        action: request.action,
        error: String(error),
      });
    }
    return { outcome: "refused", response: { reason: refusal } };
  };
}

/** `dialect`: the station's subprotocol (commandable()), whichever node it is connected to. */
async function call(
  deps: CommandSenderDeps,
  request: CommandRequest,
  dialect: string,
): Promise<CommandResult> {
  let response: unknown;
  try {
    // The registry writes the command log for what it sends (and for a station not connected).
    response = dialect === "ocpp2.0.1" ? await call201(deps, request) : await deps.registry.call(
      request.chargePointId,
      request.action as CsToCpAction,
      request.payload as never,
      callOptions(request),
    );
  } catch (error) {
    const result = failedCommandOutcome(error);
    if (result === null) throw error;
    return result;
  }
  return { outcome: "accepted", response: redactSecrets(response) };
}

function callOptions(request: CommandRequest): CallOptions {
  return {
    force: request.force ?? false,
    requestedBy: request.requestedBy,
    answerEffects: true,
    ...(request.mark ? { sendMark: request.mark } : {}),
  };
}

/**
 * A 1.6 command for an OCPP 2.0.1 station, sent in 2.0.1's shape and answered in 1.6's (see
 * `ocpp201_commands.ts`); any other command goes as it is, and the station's actor refuses what is not
 * 2.0.1.
 */
async function call201(deps: CommandSenderDeps, request: CommandRequest): Promise<unknown> {
  const options = callOptions(request);
  const id = request.chargePointId;
  // A job may carry one of these in 2.0.1's own shape (job_service.ts takes either dialect's): it goes as it
  // is, only 1.6's is converted. A campaign's UpdateFirmware keeps the requestId its statuses are matched by.
  if (
    CONVERTED_201.has(request.action) &&
    validateMessage(OCPP201, "request", request.action as CsToCpAction201, request.payload).ok
  ) {
    const payload = request.action === "UpdateFirmware" && request.requestId !== undefined
      ? { ...(request.payload as Record<string, unknown>), requestId: request.requestId }
      : request.payload;
    return await deps.registry.send(id, request.action, payload, options);
  }
  switch (request.action) {
    case "SendLocalList": {
      const payload = request.payload as Parameters<typeof sendLocalList201>[0];
      const types = await idTokenTypes(deps, (payload.localAuthorizationList ?? []).map((e) => e.idTag));
      return await deps.registry.send(
        id,
        "SendLocalList",
        sendLocalList201(payload, (idTag) => types.get(idTag) ?? ID_TOKEN_TYPE),
        options,
      );
    }
    case "ReserveNow": {
      const payload = request.payload as Parameters<typeof reserveNow201>[0];
      const type = (await idTokenTypes(deps, [payload.idTag])).get(payload.idTag) ?? ID_TOKEN_TYPE;
      return await deps.registry.send(id, "ReserveNow", reserveNow201(payload, type), options);
    }
    case "UpdateFirmware":
      return await deps.registry.send(
        id,
        "UpdateFirmware",
        updateFirmware201(request.payload as never, request.requestId ?? newRequestId()),
        options,
      );
    case "GetLocalListVersion": {
      const answer = await deps.registry.send(id, "GetLocalListVersion", {}, options) as {
        versionNumber: number;
      };
      return { listVersion: answer.versionNumber };
    }
    case "GetConfiguration": {
      const keys = (request.payload as { key?: string[] }).key ?? [];
      const ask = getVariablesFor(keys);
      if (ask === null) return { configurationKey: [], unknownKey: keys };
      const answer = await deps.registry.send(id, "GetVariables", ask, options);
      return configurationFrom(keys, answer as Parameters<typeof configurationFrom>[1]);
    }
    default:
      return await deps.registry.send(id, request.action, request.payload, options);
  }
}

/** The commands whose 1.6 payload `call201` converts to 2.0.1's. */
const CONVERTED_201: ReadonlySet<string> = new Set(["SendLocalList", "ReserveNow", "UpdateFirmware"]);

/**
 * The OCPP 2.0.1 idToken types of the id tags that have one. A tag deleted since (a list removal) has none
 * left: it goes as ISO14443.
 */
async function idTokenTypes(
  deps: CommandSenderDeps,
  idTags: readonly string[],
): Promise<Map<string, string>> {
  const types = new Map<string, string>();
  for (const idTag of new Set(idTags)) {
    const type = (await deps.store.getIdTag(idTag))?.idTokenType;
    if (type !== undefined) types.set(idTag, type);
  }
  return types;
}

/** A 2.0.1 requestId for a command the fleet starts: random, so processes need not share a counter. */
function newRequestId(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]! >>> 1;
}

/**
 * Why a station may not be commanded by the fleet, or the dialect it speaks: its live actor's here, else the
 * one it last connected with (in a cluster it is likely connected to another node, and a 1.6 reading of a
 * 2.0.1 command would be wrong: a 2.0.1 ClearChargingProfile by id read as 1.6's "clear all").
 */
async function commandable(
  deps: CommandSenderDeps,
  chargePointId: string,
): Promise<{ refusal: string } | { dialect: string }> {
  const live = deps.registry.get(chargePointId);
  const record = live?.snapshot ?? await deps.store.getChargePoint(chargePointId);
  if (!record) return { refusal: `station "${chargePointId}" is unknown` };
  // Named explicitly (by id or as a site's member): refused at once rather than waited for.
  if (record.decommissionedAt) return { refusal: `station "${chargePointId}" is decommissioned` };
  const status = record.registrationStatus;
  if (status !== "Accepted") {
    return { refusal: `station "${chargePointId}" is ${status ?? "not registered"}, not Accepted` };
  }
  const dialect = live && !live.isStopping ? live.dialect : dialectOf(record.ocppVersion);
  return { dialect: dialect?.protocol.subprotocol ?? "ocpp1.6" };
}
