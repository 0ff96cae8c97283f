/**
 * A background loop: runs `tick` every `intervalMs` (and soon after `poke()`), never two ticks at once, and
 * stops cleanly (`stop()` waits for the running tick). A failing tick is logged and the loop goes on; ticks
 * that keep failing (a full disk) are one warning when the first fails and one line, with their count, when
 * a tick works again: not a line per round.
 *
 * @example
 * ```ts ignore
 * const loop = new WorkerLoop("jobs", 500, () => runner.tick(), logger);
 * loop.start();
 * loop.poke(); // a job was created: do not wait for the next interval
 * await loop.stop();
 * ```
 */
import type { Logger } from "../logger.ts";
import { FailureStreak } from "./failure_streak.ts";
import type { LoopFailures } from "./loop_failures.ts";

const LOOP_LINES = {
  failed: "background work failed",
  again: "background work failed again",
  recovered: "background work recovered",
  count: "failedRounds",
};

export class WorkerLoop {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = true;
  /** Ticks failed in a row since the last one that worked (made at the first failure). */
  #streak: FailureStreak | null = null;

  constructor(
    readonly name: string,
    private readonly intervalMs: number,
    private readonly tick: () => Promise<void>,
    private readonly logger: Logger,
    /** Where the admins' server warnings read which loops keep failing. */
    private readonly failures?: LoopFailures,
  ) {}

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(this.intervalMs);
  }

  /** Runs a tick soon (after the running one, if any). */
  poke(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#schedule(0);
  }

  /** Resolves when the tick running now (if any) has ended. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.idle();
  }

  #schedule(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#run(), ms);
  }

  #run(): void {
    if (this.#stopped || this.#running) return;
    this.#running = (async () => {
      try {
        await this.tick();
        this.#streak?.worked({ worker: this.name });
        this.failures?.worked(this.name);
      } catch (error) {
        this.#streak ??= new FailureStreak(this.logger, LOOP_LINES);
        this.#streak.failed({ worker: this.name, error: String(error) });
        this.failures?.failed(this.name, error);
      }
    })().finally(() => {
      this.#running = null;
      if (this.#stopped) return;
      const again = this.#again;
      this.#again = false;
      this.#schedule(again ? 0 : this.intervalMs);
    });
  }
}
