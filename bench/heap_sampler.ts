/**
 * V8's sampling heap profiler in this process, through `node:inspector`: which allocation sites the memory
 * that outlives the young generation comes from. Minor-GC garbage is left out of each profile and major-GC
 * garbage kept in, so a profile weighs what was promoted to the old generation (and what is still alive):
 * what makes the scavenges long and the old generation grow.
 */
import { InspectorSession } from "./inspector_session.ts";

export class HeapSampler {
  readonly #session = new InspectorSession();

  private constructor() {}

  /** Connects and starts sampling, one sample per `intervalBytes` allocated on average. */
  static async start(intervalBytes: number): Promise<HeapSampler> {
    const sampler = new HeapSampler();
    await sampler.#post("HeapProfiler.enable");
    await sampler.#start(intervalBytes);
    return sampler;
  }

  /**
   * Stops sampling, gives the profile since the last start and starts a new one. A scavenge first (with
   * `--expose-gc`) drops the young generation's garbage, which would otherwise weigh as if it had survived.
   */
  async cut(intervalBytes: number): Promise<unknown> {
    const gc = (globalThis as { gc?: (options: object) => void }).gc;
    gc?.({ type: "minor", execution: "sync" });
    const { profile } = await this.#post("HeapProfiler.stopSampling") as { profile: unknown };
    await this.#start(intervalBytes);
    return profile;
  }

  #start(intervalBytes: number): Promise<unknown> {
    return this.#post("HeapProfiler.startSampling", {
      samplingInterval: intervalBytes,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: false,
    });
  }

  #post(method: string, params: object = {}): Promise<unknown> {
    return this.#session.post(method, params);
  }
}
