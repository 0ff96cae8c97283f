/**
 * A small `@std/assert`-compatible module on `node:assert`, because JSR (where `@std/assert` lives) is not
 * reachable from our machines. Only the functions our tests use are here; they keep the std signatures.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * assertEquals({ a: 1 }, { a: 1 });
 * ```
 */
import nodeAssert from "node:assert";

export class AssertionError extends Error {
  override name = "AssertionError";
}

function wrap(fn: () => void, msg?: string): void {
  try {
    fn();
  } catch (err) {
    if (err instanceof nodeAssert.AssertionError) {
      throw new AssertionError(msg ? `${msg}: ${err.message}` : err.message);
    }
    throw err;
  }
}

export function assert(expr: unknown, msg = "Expected expression to be truthy"): asserts expr {
  if (!expr) throw new AssertionError(msg);
}

export function assertFalse(expr: unknown, msg = "Expected expression to be falsy"): void {
  if (expr) throw new AssertionError(msg);
}

export function assertEquals<T>(actual: unknown, expected: T, msg?: string): asserts actual is T {
  wrap(() => nodeAssert.deepStrictEqual(actual, expected), msg);
}

export function assertNotEquals(actual: unknown, expected: unknown, msg?: string): void {
  wrap(() => nodeAssert.notDeepStrictEqual(actual, expected), msg);
}

export function assertStrictEquals<T>(actual: unknown, expected: T, msg?: string): asserts actual is T {
  wrap(() => nodeAssert.strictEqual(actual, expected), msg);
}

export function assertExists<T>(actual: T, msg?: string): asserts actual is NonNullable<T> {
  if (actual === null || actual === undefined) {
    throw new AssertionError(msg ?? `Expected actual: "${actual}" to not be null or undefined`);
  }
}

export function assertMatch(actual: string, expected: RegExp, msg?: string): void {
  wrap(() => nodeAssert.match(actual, expected), msg);
}

export function assertStringIncludes(actual: string, expected: string, msg?: string): void {
  if (!actual.includes(expected)) {
    throw new AssertionError(msg ?? `Expected actual: "${actual}" to contain: "${expected}"`);
  }
}

export function assertArrayIncludes<T>(actual: ArrayLike<T>, expected: ArrayLike<T>, msg?: string): void {
  const list = Array.from(actual);
  for (const item of Array.from(expected)) {
    if (!list.some((x) => isDeepEqual(x, item))) {
      throw new AssertionError(msg ?? `Expected array to include ${JSON.stringify(item)}`);
    }
  }
}

export function assertObjectMatch(
  actual: Record<PropertyKey, unknown>,
  expected: Record<PropertyKey, unknown>,
  msg?: string,
): void {
  const picked = pick(actual, expected);
  wrap(() => nodeAssert.deepStrictEqual(picked, expected), msg);
}

export function assertGreater<T>(actual: T, expected: T, msg?: string): void {
  if (!(actual > expected)) throw new AssertionError(msg ?? `Expect ${actual} > ${expected}`);
}

export function assertGreaterOrEqual<T>(actual: T, expected: T, msg?: string): void {
  if (!(actual >= expected)) throw new AssertionError(msg ?? `Expect ${actual} >= ${expected}`);
}

export function assertLess<T>(actual: T, expected: T, msg?: string): void {
  if (!(actual < expected)) throw new AssertionError(msg ?? `Expect ${actual} < ${expected}`);
}

export function assertLessOrEqual<T>(actual: T, expected: T, msg?: string): void {
  if (!(actual <= expected)) throw new AssertionError(msg ?? `Expect ${actual} <= ${expected}`);
}

export function assertAlmostEquals(actual: number, expected: number, tolerance = 1e-7, msg?: string): void {
  if (Math.abs(actual - expected) > tolerance) {
    throw new AssertionError(msg ?? `Expected actual: "${actual}" to be close to "${expected}"`);
  }
}

export function assertInstanceOf<T extends abstract new (...args: never[]) => unknown>(
  actual: unknown,
  expectedType: T,
  msg?: string,
): asserts actual is InstanceType<T> {
  if (!(actual instanceof expectedType)) {
    throw new AssertionError(msg ?? `Expected object to be an instance of "${expectedType.name}"`);
  }
}

export function assertThrows(
  fn: () => unknown,
  ErrorClass?: new (...args: never[]) => Error,
  msgIncludes?: string,
): Error {
  try {
    fn();
  } catch (err) {
    checkError(err, ErrorClass, msgIncludes);
    return err as Error;
  }
  throw new AssertionError("Expected function to throw.");
}

export async function assertRejects(
  fn: () => PromiseLike<unknown>,
  ErrorClass?: new (...args: never[]) => Error,
  msgIncludes?: string,
): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    checkError(err, ErrorClass, msgIncludes);
    return err as Error;
  }
  throw new AssertionError("Expected function to reject.");
}

export function fail(msg?: string): never {
  throw new AssertionError(`Failed assertion${msg ? `: ${msg}` : "."}`);
}

export function unreachable(msg?: string): never {
  throw new AssertionError(msg ?? "Unreachable");
}

function checkError(err: unknown, ErrorClass?: new (...args: never[]) => Error, msgIncludes?: string): void {
  if (ErrorClass && !(err instanceof ErrorClass)) {
    throw new AssertionError(
      `Expected error to be instance of "${ErrorClass.name}", but was "${String(err)}".`,
    );
  }
  if (msgIncludes !== undefined && !(err instanceof Error && err.message.includes(msgIncludes))) {
    throw new AssertionError(`Expected error message to include "${msgIncludes}", but got "${String(err)}".`);
  }
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    nodeAssert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

function pick(actual: unknown, expected: unknown): unknown {
  if (Array.isArray(expected) && Array.isArray(actual)) {
    return expected.map((e, i) => pick(actual[i], e));
  }
  if (expected && typeof expected === "object" && actual && typeof actual === "object") {
    const out: Record<PropertyKey, unknown> = {};
    for (const key of Reflect.ownKeys(expected)) {
      out[key] = pick(
        (actual as Record<PropertyKey, unknown>)[key],
        (expected as Record<PropertyKey, unknown>)[key],
      );
    }
    return out;
  }
  return actual;
}
