/**
 * Durable marks of "this CALL may have left", for commands whose sender must know, should it die, whether the
 * station may have acted: a job's task (fleet/job_runner.ts). The node holding the station writes the mark as
 * the CALL leaves its queue, before the frame goes out (`actors/outgoing_calls.ts`): a CALL whose mark was
 * refused or failed never goes. So a task never marked surely never reached its station, and a job runner that
 * died with it claimed leaves it to be sent by another; a marked one ends `timeout` (retry is the operator's
 * decision). Only commands that ask for a mark pay for the write; the station's own messages never do.
 */

/** What to mark: the job's task of this station, claimed by `holder` (it travels with a cluster request). */
export interface SendMark {
  jobId: string;
  holder: string;
}

/** Where marks are written (the fleet's JobStore.markTaskSent, wired in server.ts). */
export interface SendMarks {
  /** Writes the mark; false when `mark.holder` no longer holds the task (the CALL must not go). */
  mark(chargePointId: string, mark: SendMark): Promise<boolean>;
}
