/** V8's inspector in this process (`node:inspector`), its callback API as promises: the profilers' channel. */
import { Session } from "node:inspector";

export class InspectorSession {
  readonly #session = new Session();

  constructor() {
    this.#session.connect();
  }

  post(method: string, params: object = {}): Promise<unknown> {
    return new Promise((resolve, reject) =>
      this.#session.post(
        method,
        params,
        (error: unknown, result: unknown) => error ? reject(error) : resolve(result),
      )
    );
  }

  disconnect(): void {
    this.#session.disconnect();
  }
}
