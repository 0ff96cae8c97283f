/**
 * The base a station's actor counts its protocol errors from, so a clear an operator was told succeeded is
 * never undone. The record keeps a clear epoch (`protocolErrorsEpoch`, 0 until the first clear), moved by
 * every clear. The actor's write of protocol errors names the epoch it loaded (or last wrote) and how many of
 * its count the record held then; when a clear moved the epoch since (another node's offline clear, before
 * it saw this connection), the store keeps only the errors counted after that base. Pure.
 *
 * @example
 * ```ts
 * const written = { count: 5, lastAt: "2026-01-01T00:00:00.000Z", lastProblem: "x" };
 * protocolErrorsOnWrite(written, { epoch: 0, count: 3 }, 1); // { count: 2, ... }: 3 were cleared meanwhile
 * protocolErrorsOnWrite(written, { epoch: 1, count: 3 }, 1); // written: nothing cleared since its base
 * ```
 */
import type { ProtocolErrors } from "./protocol_errors.ts";

/** The record's clear epoch an actor counted from, and how many errors the record held at it. */
export interface ProtocolErrorsBase {
  epoch: number;
  count: number;
}

/**
 * What the store writes for an actor's `written` protocol errors (null: the actor's clear) counted from
 * `base`, the record's epoch being `storedEpoch`: `written` when no clear came since its base, else the errors
 * counted after the base (the base's were cleared; none left: null). A clear clears either way.
 */
export function protocolErrorsOnWrite(
  written: ProtocolErrors | null,
  base: ProtocolErrorsBase,
  storedEpoch: number,
): ProtocolErrors | null {
  if (written === null || base.epoch === storedEpoch) return written;
  return withoutFirst(written, base.count);
}

/** The record's epoch after a write of `written` (a clear moves it). */
export function epochAfterWrite(written: ProtocolErrors | null | undefined, storedEpoch: number): number {
  return written === null ? storedEpoch + 1 : storedEpoch;
}

/** `errors` without the first `cleared` of them (null when none is left): the count is all that knows them. */
export function withoutFirst(errors: ProtocolErrors | null, cleared: number): ProtocolErrors | null {
  if (errors === null || cleared <= 0) return errors;
  return errors.count > cleared ? { ...errors, count: errors.count - cleared } : null;
}

/** Where a store puts, on a record it read, the record's clear epoch (not enumerable: never listed or sent). */
const STORED_EPOCH = Symbol("protocolErrorsEpoch");

/** `record` with its stored clear epoch, as the stores read it: a property no spread, JSON or comparison sees. */
export function withProtocolErrorsEpoch<T extends object>(record: T, epoch: number): T {
  if (epoch !== 0) Object.defineProperty(record, STORED_EPOCH, { value: epoch, enumerable: false });
  return record;
}

/** The clear epoch of `record` when a store read it (`withProtocolErrorsEpoch`), else 0. */
export function protocolErrorsEpochOf(record: object | null): number {
  return (record as { [STORED_EPOCH]?: number } | null)?.[STORED_EPOCH] ?? 0;
}
