/**
 * A strict ocpp-rpc station that holds its answers to the operator's profile and list commands until a test
 * gives them (after CALL_TIMEOUT_MS: late answers), and answers the managed local list's sync at once.
 */
import { assertEquals } from "@std/assert";
import { eventually } from "./server.ts";
import { connectStation, type Station } from "./station.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** A caller of `/api/v1{path}` (JSON in, JSON out). */
export type Api = (
  path: string,
  init?: { method?: string; body?: unknown },
) => Promise<{ status: number; body: Json }>;

/** The list version of the operator's own SendLocalList (the managed list's sync answers at once). */
export const FOREIGN_LIST = 50;

/** Answers the station holds back until the test gives them, one per command. */
export class HeldAnswers {
  #waiting: ((status: string) => void)[] = [];
  #asked: (() => void)[] = [];
  #atOnce: string | null = null;
  /** Answers `status` at once from now on (null: holds again). */
  answerAtOnce(status: string | null): void {
    this.#atOnce = status;
  }
  hold(): Promise<string> {
    if (this.#atOnce !== null) return Promise.resolve(this.#atOnce);
    this.#asked.shift()?.();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
  /** Resolves once the station holds an answer. */
  async asked(): Promise<void> {
    if (this.#waiting.length > 0) return;
    await new Promise<void>((resolve) => this.#asked.push(resolve));
  }
  give(status: string): void {
    const next = this.#waiting.shift();
    if (!next) throw new Error("no answer held");
    next(status);
  }
}

export async function lateStation(wsUrl: string, id: string, held: HeldAnswers): Promise<Station> {
  const station = await connectStation(wsUrl, id);
  let version = 0;
  station.handle("GetLocalListVersion", () => ({ listVersion: version }));
  station.handle("GetConfiguration", () => ({ configurationKey: [], unknownKey: [] }));
  station.handle("SendLocalList", async ({ params }) => {
    if (params.listVersion !== FOREIGN_LIST) {
      version = params.listVersion;
      return { status: "Accepted" };
    }
    return { status: await held.hold() };
  });
  station.handle("SetChargingProfile", async () => ({ status: await held.hold() }));
  station.handle("ClearChargingProfile", async () => ({ status: await held.hold() }));
  return station;
}

/** Sends a command the station answers late: the operator gets 504; then the station answers `status`. */
export async function answeredLate(
  api: Api,
  held: HeldAnswers,
  id: string,
  action: string,
  body: unknown,
  status: string,
): Promise<void> {
  const asked = api(`/charge-points/${id}/${action}`, { method: "POST", body });
  await held.asked();
  const answer = await asked;
  assertEquals([answer.status, answer.body.error], [504, "station_timeout"], JSON.stringify(answer.body));
  held.give(status);
  // The late answer is on the command's row (written in the same turn the effects start from).
  await eventually(
    async () => {
      const rows = (await api(`/charge-points/${id}/commands`)).body.items;
      return rows.find((r: Json) => r.action === action && r.lateAnswer?.response?.status === status) ?? null;
    },
    10_000,
    `the late ${status} ${action} on its row`,
  );
}

/** A TxDefaultProfile of its own stack level (one of the same purpose and level would replace another). */
export function profile(chargingProfileId: number) {
  return {
    connectorId: 0,
    csChargingProfiles: {
      chargingProfileId,
      stackLevel: chargingProfileId,
      chargingProfilePurpose: "TxDefaultProfile",
      chargingProfileKind: "Relative",
      chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
    },
  };
}
