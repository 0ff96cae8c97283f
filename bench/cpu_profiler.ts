/**
 * V8's sampling CPU profiler in this process, through `node:inspector` (the server probe's per-phase profiles,
 * `frame_cost.ts --profile`).
 */
import { InspectorSession } from "./inspector_session.ts";

export class CpuProfiler {
  readonly #session = new InspectorSession();

  private constructor() {}

  /** Connects and starts profiling, one sample every `intervalUs` microseconds. */
  static async start(intervalUs: number): Promise<CpuProfiler> {
    const profiler = new CpuProfiler();
    await profiler.#post("Profiler.enable");
    await profiler.#post("Profiler.setSamplingInterval", { interval: intervalUs });
    await profiler.resume();
    return profiler;
  }

  /** Stops profiling and gives the profile since the last start. */
  async stop(): Promise<unknown> {
    const { profile } = await this.#post("Profiler.stop") as { profile: unknown };
    return profile;
  }

  /** Starts a new profile after `stop()`. */
  resume(): Promise<unknown> {
    return this.#post("Profiler.start");
  }

  disconnect(): void {
    this.#session.disconnect();
  }

  #post(method: string, params: object = {}): Promise<unknown> {
    return this.#session.post(method, params);
  }
}
