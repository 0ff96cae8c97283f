/**
 * Transactions: filtered list with cursor paging, the same filter as a streamed CSV export, one transaction
 * with its meter values, and the orphan stops (StopTransactions for transactions we do not know).
 */
import { z } from "zod";
import type { TransactionRecord } from "../../model/transaction.ts";
import type { Store, TransactionFilter } from "../../store/mod.ts";
import { ApiError, type ApiRouter } from "./http.ts";
import { MAX_METER_PAGE, MAX_METER_PAGE_BYTES, readingsSince } from "../../overview/session_readings.ts";
import {
  encodeListCursor,
  ForeignCursorError,
  isMeterValueCursorId,
  type ListCursor,
} from "../../model/list_cursor.ts";
import { sessionEnergyWh } from "../../overview/session_energy.ts";
import { runningImplausibleEnergy } from "../../model/energy_plausibility.ts";
import {
  ErrorSchema,
  isoDateTime,
  limit,
  listCursor,
  listOf,
  MeterValueSchema,
  OrphanStopSchema,
  pageOf,
  TransactionSchema,
  urlInt,
} from "./schemas.ts";

export interface TransactionRouteOptions {
  store: Store;
}

const FilterQuery = z.object({
  chargePointId: z.string().max(48).optional(),
  connectorId: urlInt(0, 2 ** 31 - 1).optional(),
  // 1.6 idTags have up to 20 characters, 2.0.1 idTokens up to 36.
  idTag: z.string().max(36).optional(),
  status: z.enum(["active", "superseded", "finished"]).optional(),
  from: isoDateTime.optional().describe("startTimestamp >= from (RFC 3339 with a time zone)"),
  to: isoDateTime.optional().describe("startTimestamp < to"),
});

const ListQuery = FilterQuery.extend({
  before: urlInt(1, 2 ** 31 - 1).optional().describe(
    "Cursor: the nextCursor of the previous page",
  ),
  limit: limit(100, 1000),
});

const TransactionIdParam = z.object({ transactionId: urlInt(1, 2 ** 31 - 1) });

const MeterValuesQuery = z.object({
  since: isoDateTime.optional().describe(
    "Only values received at or after this time, in the order they arrived: the cursor of the previous answer (live charts)",
  ),
  limit: limit(MAX_METER_PAGE, MAX_METER_PAGE),
  after: listCursor(isMeterValueCursorId).describe(
    "Cursor: the nextCursor of the previous page (with the same `since`, if any)",
  ),
});

const METER_PAGES =
  `Paged, at most ${MAX_METER_PAGE} values an answer: pass \`nextCursor\` back as \`after\` ` +
  "(with the same `since`) until it is null. A live chart then asks with the largest `cursor` it was given.";

const EnergyQuery = z.object({
  ids: z.string().max(1100).regex(/^\d{1,10}(,\d{1,10}){0,99}$/).transform((
    v,
  ) => [...new Set(v.split(",").map(Number))])
    .describe("Up to 100 transaction ids, comma-separated"),
});

const RunningEnergySchema = z.object({
  items: z.array(z.object({
    transactionId: z.number().int(),
    status: z.enum(["active", "superseded", "finished"]),
    energyWh: z.number().describe(
      "Running: delivered so far (newest register reading - meterStart); else the final; 0 when the " +
        "readings are implausible (energyImplausible)",
    ),
    energyImplausible: TransactionSchema.shape.energyImplausible.describe(
      "Why the readings cannot be a real meter's: a stopped one's as stored, a running one's so far (as if " +
        "it stopped at its newest reading); absent when they can be",
    ),
    transaction: TransactionSchema.optional().describe(
      "The whole transaction when it is no longer running: a caller that missed its stop shows it stopped",
    ),
  })),
});

const OrphanQuery = z.object({ chargePointId: z.string().max(48).optional(), limit: limit(100, 1000) });

const ERRORS = {
  400: { description: "Invalid request", schema: ErrorSchema },
  401: { description: "Not authenticated", schema: ErrorSchema },
  403: { description: "Role too low", schema: ErrorSchema },
};

/** Rows per store call while exporting. */
const EXPORT_PAGE = 500;

const CSV_COLUMNS = [
  "transactionId",
  "chargePointId",
  "connectorId",
  "idTag",
  "startIdTagStatus",
  "status",
  "startTimestamp",
  "meterStart",
  "stopTimestamp",
  "meterStop",
  "energyWh",
  "stopReason",
  "stopIdTag",
  "reservationId",
  "supersededBy",
  "createdAt",
  "stoppedAt",
  // OCPP 2.0.1 transactions: the station's own id and the remote start that began it (empty for 1.6).
  "stationTransactionId",
  "remoteStartId",
  // OCPP 2.0.1: how many earlier transactions of the station had its id (empty: none).
  "stationIdReuse",
  // Why the readings are implausible (its energyImplausible reason; empty: they are plausible). Last, so
  // columns read by position before it stay where they were.
  "energyImplausible",
] as const satisfies readonly (keyof TransactionRecord)[];

/** Text cells a station or an operator chose: quoted, and defused against spreadsheet formula injection. */
const TEXT_COLUMNS = new Set<string>([
  "chargePointId",
  "idTag",
  "stopReason",
  "stopIdTag",
  "stationTransactionId",
]);

function csvCell(column: string, value: unknown): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (TEXT_COLUMNS.has(column) && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || TEXT_COLUMNS.has(column) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(tx: TransactionRecord): string {
  return CSV_COLUMNS.map((col) => csvCell(col, col === "energyImplausible" ? tx[col]?.reason : tx[col]))
    .join(",") + "\r\n";
}

function toFilter(q: z.output<typeof FilterQuery>, limit: number, before?: number): TransactionFilter {
  return {
    limit,
    ...(q.chargePointId !== undefined ? { chargePointId: q.chargePointId } : {}),
    ...(q.connectorId !== undefined ? { connectorId: q.connectorId } : {}),
    ...(q.idTag !== undefined ? { idTag: q.idTag } : {}),
    ...(q.status !== undefined ? { status: q.status } : {}),
    ...(q.from !== undefined ? { from: q.from } : {}),
    ...(q.to !== undefined ? { to: q.to } : {}),
    ...(before !== undefined ? { before } : {}),
  };
}

function nextCursorOf(next: ListCursor | null): string | null {
  return next === null ? null : encodeListCursor(next);
}

/** A cursor of the other store (its shape checked, its sequence not ours) is a 400, as a malformed one. */
async function meterPage<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (!(err instanceof ForeignCursorError)) throw err;
    throw new ApiError(400, "invalid_request", `Query parameter: ${err.message}`, {
      in: "query",
      field: "after",
      constraint: "not a nextCursor of this list",
    });
  }
}

export function addTransactionRoutes(router: ApiRouter, options: TransactionRouteOptions): void {
  const { store } = options;

  router.add({
    method: "get",
    path: "/v1/transactions",
    operationId: "listTransactions",
    summary: "Transactions, newest first, filtered",
    tag: "Transactions",
    access: "viewer",
    query: ListQuery,
    responses: {
      200: { description: "A page of transactions", schema: pageOf(TransactionSchema) },
      ...ERRORS,
    },
  }, async (c, { query }) => {
    const items = await store.listTransactions(toFilter(query, query.limit, query.before));
    const last = items.at(-1);
    return c.json({
      items,
      nextCursor: items.length >= query.limit && last ? String(last.transactionId) : null,
    });
  });

  router.add({
    method: "get",
    path: "/v1/transactions/export.csv",
    operationId: "exportTransactions",
    summary: "The same filter as the list, every match, as CSV (streamed)",
    tag: "Transactions",
    access: "viewer",
    query: FilterQuery,
    responses: { 200: { description: "CSV with a header row", contentType: "text/csv" }, ...ERRORS },
  }, (_c, { query }) => {
    const encoder = new TextEncoder();
    let before: number | undefined;
    let done = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(CSV_COLUMNS.join(",") + "\r\n"));
      },
      // One store page per pull: the client's pace sets ours, nothing piles up in memory.
      async pull(controller) {
        if (done) return;
        const rows = await store.listTransactions(toFilter(query, EXPORT_PAGE, before));
        if (rows.length > 0) controller.enqueue(encoder.encode(rows.map(csvRow).join("")));
        before = rows.at(-1)?.transactionId;
        if (rows.length < EXPORT_PAGE || before === undefined) {
          done = true;
          controller.close();
        }
      },
    }, { highWaterMark: 1 });
    return new Response(body, {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": 'attachment; filename="transactions.csv"',
        "cache-control": "no-store",
      },
    });
  });

  router.add({
    method: "get",
    path: "/v1/transactions/energy",
    operationId: "transactionEnergy",
    summary:
      "Energy of transactions, running ones so far (live kWh for the dashboard); unknown ids are left out",
    tag: "Transactions",
    access: "viewer",
    query: EnergyQuery,
    responses: {
      200: { description: "Each known transaction's energy", schema: RunningEnergySchema },
      ...ERRORS,
    },
  }, async (c, { query }) => {
    const items = [];
    for (const id of query.ids) {
      const tx = await store.getTransaction(id);
      if (!tx) continue;
      if (tx.status !== "active") {
        items.push({
          transactionId: tx.transactionId,
          status: tx.status,
          energyWh: tx.energyWh ?? 0,
          ...(tx.energyImplausible ? { energyImplausible: tx.energyImplausible } : {}),
          transaction: tx,
        });
        continue;
      }
      // Implausible readings count 0, as in every total, and say why.
      const deliveredWh = await sessionEnergyWh(store, tx);
      const implausible = runningImplausibleEnergy(tx, deliveredWh, Date.now());
      items.push({
        transactionId: tx.transactionId,
        status: tx.status,
        energyWh: implausible ? 0 : deliveredWh,
        ...(implausible ? { energyImplausible: implausible } : {}),
      });
    }
    return c.json({ items });
  });

  router.add({
    method: "get",
    path: "/v1/transactions/{transactionId}/meter-values",
    operationId: "transactionMeterValues",
    summary:
      "A transaction's meter values, oldest first, by pages; with `since`, only those received since (live charts)",
    description: METER_PAGES,
    tag: "Transactions",
    access: "viewer",
    params: TransactionIdParam,
    query: MeterValuesQuery,
    responses: {
      200: {
        description: "A page of meter values, the cursor for the next live call and the next page's",
        schema: z.object({
          items: z.array(MeterValueSchema),
          cursor: z.string().nullable().describe("The newest receivedAt so far: the next call's `since`"),
          nextCursor: z.string().nullable().describe(
            "Pass it as `after` for the next page; null on the last",
          ),
        }),
      },
      ...ERRORS,
      404: { description: "Unknown transaction", schema: ErrorSchema },
    },
  }, async (c, { params, query }) => {
    const tx = await store.getTransaction(params.transactionId);
    if (!tx) throw new ApiError(404, "not_found", `Transaction ${params.transactionId} is unknown`);
    const page = await meterPage(() =>
      readingsSince(store, tx.transactionId, query.since ?? null, {
        limit: query.limit,
        ...(query.after !== undefined ? { after: query.after } : {}),
      })
    );
    return c.json({ items: page.items, cursor: page.cursor, nextCursor: nextCursorOf(page.next) });
  });

  router.add({
    method: "get",
    path: "/v1/transactions/{transactionId}",
    operationId: "getTransaction",
    summary:
      `One transaction with its first meter values, oldest first (as the meter values endpoint's first page)`,
    description: "A longer session has `meterValuesTruncated: true`: read the rest from " +
      "`/v1/transactions/{transactionId}/meter-values?after=<meterValuesNextCursor>`.",
    tag: "Transactions",
    access: "viewer",
    params: TransactionIdParam,
    responses: {
      200: {
        description: "The transaction",
        schema: TransactionSchema.extend({
          meterValues: z.array(MeterValueSchema).describe(
            `The first ${MAX_METER_PAGE} (fewer when they pass ${
              MAX_METER_PAGE_BYTES / 1024 / 1024
            } MiB), oldest first`,
          ),
          meterValuesTruncated: z.boolean().describe("Whether the session has more meter values than these"),
          meterValuesNextCursor: z.string().nullable().describe(
            "Where the rest start: `after` of the meter values endpoint (null when none are left out)",
          ),
        }),
      },
      ...ERRORS,
      404: { description: "Unknown transaction", schema: ErrorSchema },
    },
  }, async (c, { params }) => {
    const tx = await store.getTransaction(params.transactionId);
    if (!tx) throw new ApiError(404, "not_found", `Transaction ${params.transactionId} is unknown`);
    const page = await readingsSince(store, tx.transactionId, null, { limit: MAX_METER_PAGE });
    return c.json({
      ...tx,
      meterValues: page.items,
      meterValuesTruncated: page.next !== null,
      meterValuesNextCursor: nextCursorOf(page.next),
    });
  });

  router.add({
    method: "get",
    path: "/v1/orphan-stops",
    operationId: "listOrphanStops",
    summary: "StopTransactions for unknown transactions, kept for review; newest first",
    tag: "Transactions",
    access: "viewer",
    query: OrphanQuery,
    responses: { 200: { description: "Orphan stops", schema: listOf(OrphanStopSchema) }, ...ERRORS },
  }, async (c, { query }) => {
    return c.json({
      items: await store.listOrphanStops({
        limit: query.limit,
        ...(query.chargePointId !== undefined ? { chargePointId: query.chargePointId } : {}),
      }),
    });
  });
}
