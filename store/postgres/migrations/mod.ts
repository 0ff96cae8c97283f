/**
 * The ordered list of schema migrations. Each is a TS module exporting its SQL text (not a `.sql` file), so
 * the list is statically imported and also works where there is no file system to read, such as Deno Deploy.
 * Forward-only: append the next number, never change what a shipped one makes or remove it. (020-022 were
 * `up` text in the transaction until they became `steps`: the same indexes, built without holding writes.)
 */
import { up as initial } from "./001_initial.ts";
import { up as scheduledAvailability } from "./002_scheduled_availability.ts";
import { up as auth } from "./003_auth.ts";
import { up as stationSecurity } from "./004_station_security.ts";
import { up as localListAndReservations } from "./005_local_list_and_reservations.ts";
import { up as commandLogRefused } from "./006_command_log_refused.ts";
import { up as securityEvents } from "./007_security_events.ts";
import { up as energy } from "./008_energy.ts";
import { up as securityExtension } from "./009_security_extension.ts";
import { up as fileStatusHistory } from "./010_file_status_history.ts";
import { up as fleet } from "./011_fleet.ts";
import { up as cluster } from "./012_cluster.ts";
import { up as ocpp201 } from "./013_ocpp201.ts";
import { up as ocpp201ChargingReports } from "./014_ocpp201_charging_reports.ts";
import { up as meterGroups } from "./015_meter_groups.ts";
import { up as openTransactions } from "./016_open_transactions.ts";
import { up as chargePointsFillfactor } from "./017_charge_points_fillfactor.ts";
import { up as idTagsCaseInsensitive } from "./018_id_tags_case_insensitive.ts";
import { up as localListMembersCaseInsensitive } from "./019_local_list_members_case_insensitive.ts";
import { steps as transactionsByLowerIdTag } from "./020_transactions_by_lower_id_tag.ts";
import { steps as webhookDeliveriesByCreated } from "./021_webhook_deliveries_by_created.ts";
import { steps as commandLogByRequested } from "./022_command_log_by_requested.ts";
import { up as chargePointsDecommissioned } from "./023_charge_points_decommissioned.ts";
import { up as transactionsMeterStartUnknown } from "./024_transactions_meter_start_unknown.ts";
import { steps as meterValuesKeyContext } from "./025_meter_values_key_context.ts";
import { up as chargePointsRegistrationHeld } from "./026_charge_points_registration_held.ts";
import { up as transactionsHighestReading } from "./027_transactions_highest_reading.ts";
import { up as stationSecurityPendingKey } from "./028_station_security_pending_key.ts";
import { up as uploadSlotClaimedAt } from "./029_upload_slot_claimed_at.ts";
import { up as issuedCertificateDelivery } from "./030_issued_certificate_delivery.ts";
import { steps as fileUrlExpiry } from "./031_file_url_expiry.ts";
import { up as issuedCertificatePending } from "./032_issued_certificate_pending.ts";
import { up as firmwareStaging } from "./033_firmware_staging.ts";
import { steps as replayKeyOf16Starts } from "./034_replay_key_of_16_starts.ts";
import { up as unknownIdTags } from "./035_unknown_id_tags.ts";
import { steps as ocpp201StatusHistoryAndReusedIds } from "./036_ocpp201_status_history_and_reused_ids.ts";
import { up as firmwareRetryAndUnknownTagCount } from "./037_firmware_retry_and_unknown_tag_count.ts";
import { steps as clusterMessageReceipt } from "./038_cluster_message_receipt.ts";
import { steps as sharedProfileSupport } from "./039_shared_profile_support.ts";
import { steps as commandLogWriteAhead } from "./040_command_log_write_ahead.ts";
import { steps as jobTaskSentAt } from "./041_job_task_sent_at.ts";
import { steps as stationSecurityPendingProfile } from "./042_station_security_pending_profile.ts";
import { steps as securityEventMessageId } from "./043_security_event_message_id.ts";
import { steps as commandLogLateAnswer } from "./044_command_log_late_answer.ts";
import { steps as issuedCertificateRenewalBackoff } from "./045_issued_certificate_renewal_backoff.ts";
import { steps as clusterLostNodes } from "./046_cluster_lost_nodes.ts";
import { steps as meterValuesByArrival } from "./047_meter_values_by_arrival.ts";
import { steps as chargePointsWrittenBy } from "./048_charge_points_written_by.ts";
import { steps as keyCheckBudgets } from "./049_key_check_budgets.ts";
import { steps as reservationUnconfirmed } from "./051_reservation_unconfirmed.ts";
import { steps as chargePointsProtocolErrors } from "./052_charge_points_protocol_errors.ts";
import { steps as chargePointsProtocolErrorsEpoch } from "./068_charge_points_protocol_errors_epoch.ts";
import { steps as reservationUnconfirmedIndex } from "./053_reservation_unconfirmed_index.ts";
import { steps as statusHistoryReportOnce } from "./054_status_history_report_once.ts";
import { steps as commandLogWrittenAt } from "./055_command_log_written_at.ts";
import { steps as meterGroupsWithoutStationKey } from "./057_meter_groups_without_station_key.ts";
import { steps as statusHistoryCallId } from "./059_status_history_call_id.ts";
import { steps as chargePointsStatusReceivedAt } from "./063_charge_points_status_received_at.ts";
import { steps as clusterNodeWarnings } from "./064_cluster_node_warnings.ts";
import { steps as dataTransferRuleVersion } from "./065_data_transfer_rule_version.ts";

export type Migration =
  & {
    /** Strictly increasing, recorded in `schema_migrations.version`. */
    version: number;
    name: string;
  }
  & (
    /** SQL text; may hold several statements. Runs in a transaction with the migrations around it. */
    | { up: string }
    /**
     * Statements run one by one outside any transaction (`create index concurrently if not exists`, `drop
     * index concurrently if exists`): each must be safe to run again, as a step that failed is at the next run.
     * Any other statement (one that locks the table, `alter table`) runs in a transaction of its own, waiting
     * for its lock a short `lock_timeout` at a time, tried again a few times.
     */
    | { steps: readonly string[] }
  );

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "initial", up: initial },
  { version: 2, name: "scheduled_availability", up: scheduledAvailability },
  { version: 3, name: "auth", up: auth },
  { version: 4, name: "station_security", up: stationSecurity },
  { version: 5, name: "local_list_and_reservations", up: localListAndReservations },
  { version: 6, name: "command_log_refused", up: commandLogRefused },
  { version: 7, name: "security_events", up: securityEvents },
  { version: 8, name: "energy", up: energy },
  { version: 9, name: "security_extension", up: securityExtension },
  { version: 10, name: "file_status_history", up: fileStatusHistory },
  { version: 11, name: "fleet", up: fleet },
  { version: 12, name: "cluster", up: cluster },
  { version: 13, name: "ocpp201", up: ocpp201 },
  { version: 14, name: "ocpp201_charging_reports", up: ocpp201ChargingReports },
  { version: 15, name: "meter_groups", up: meterGroups },
  { version: 16, name: "open_transactions", up: openTransactions },
  { version: 17, name: "charge_points_fillfactor", up: chargePointsFillfactor },
  { version: 18, name: "id_tags_case_insensitive", up: idTagsCaseInsensitive },
  { version: 19, name: "local_list_members_case_insensitive", up: localListMembersCaseInsensitive },
  { version: 20, name: "transactions_by_lower_id_tag", steps: transactionsByLowerIdTag },
  { version: 21, name: "webhook_deliveries_by_created", steps: webhookDeliveriesByCreated },
  { version: 22, name: "command_log_by_requested", steps: commandLogByRequested },
  { version: 23, name: "charge_points_decommissioned", up: chargePointsDecommissioned },
  { version: 24, name: "transactions_meter_start_unknown", up: transactionsMeterStartUnknown },
  { version: 25, name: "meter_values_key_context", steps: meterValuesKeyContext },
  { version: 26, name: "charge_points_registration_held", up: chargePointsRegistrationHeld },
  { version: 27, name: "transactions_highest_reading", up: transactionsHighestReading },
  { version: 28, name: "station_security_pending_key", up: stationSecurityPendingKey },
  { version: 29, name: "upload_slot_claimed_at", up: uploadSlotClaimedAt },
  { version: 30, name: "issued_certificate_delivery", up: issuedCertificateDelivery },
  { version: 31, name: "file_url_expiry", steps: fileUrlExpiry },
  { version: 32, name: "issued_certificate_pending", up: issuedCertificatePending },
  { version: 33, name: "firmware_staging", up: firmwareStaging },
  { version: 34, name: "replay_key_of_16_starts", steps: replayKeyOf16Starts },
  { version: 35, name: "unknown_id_tags", up: unknownIdTags },
  { version: 36, name: "ocpp201_status_history_and_reused_ids", steps: ocpp201StatusHistoryAndReusedIds },
  { version: 37, name: "firmware_retry_and_unknown_tag_count", up: firmwareRetryAndUnknownTagCount },
  { version: 38, name: "cluster_message_receipt", steps: clusterMessageReceipt },
  { version: 39, name: "shared_profile_support", steps: sharedProfileSupport },
  { version: 40, name: "command_log_write_ahead", steps: commandLogWriteAhead },
  { version: 41, name: "job_task_sent_at", steps: jobTaskSentAt },
  { version: 42, name: "station_security_pending_profile", steps: stationSecurityPendingProfile },
  { version: 43, name: "security_event_message_id", steps: securityEventMessageId },
  { version: 44, name: "command_log_late_answer", steps: commandLogLateAnswer },
  { version: 45, name: "issued_certificate_renewal_backoff", steps: issuedCertificateRenewalBackoff },
  { version: 46, name: "cluster_lost_nodes", steps: clusterLostNodes },
  { version: 47, name: "meter_values_by_arrival", steps: meterValuesByArrival },
  { version: 48, name: "charge_points_written_by", steps: chargePointsWrittenBy },
  { version: 49, name: "key_check_budgets", steps: keyCheckBudgets },
  { version: 51, name: "reservation_unconfirmed", steps: reservationUnconfirmed },
  { version: 52, name: "charge_points_protocol_errors", steps: chargePointsProtocolErrors },
  { version: 53, name: "reservation_unconfirmed_index", steps: reservationUnconfirmedIndex },
  { version: 54, name: "status_history_report_once", steps: statusHistoryReportOnce },
  { version: 55, name: "command_log_written_at", steps: commandLogWrittenAt },
  { version: 57, name: "meter_groups_without_station_key", steps: meterGroupsWithoutStationKey },
  { version: 59, name: "status_history_call_id", steps: statusHistoryCallId },
  { version: 63, name: "charge_points_status_received_at", steps: chargePointsStatusReceivedAt },
  { version: 64, name: "cluster_node_warnings", steps: clusterNodeWarnings },
  { version: 65, name: "data_transfer_rule_version", steps: dataTransferRuleVersion },
  { version: 68, name: "charge_points_protocol_errors_epoch", steps: chargePointsProtocolErrorsEpoch },
];
