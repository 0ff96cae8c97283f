/**
 * The OCPP 2.0.1 actions (Part 2, the messages of its JSON schemas) that are not in our table: display
 * messages, customer information, monitoring, ISO 15118 certificates and charging needs, tariffs/cost, local
 * controller firmware publishing. They are 2.0.1 by name, so a CALL of one is answered
 * NotSupported ("recognized but not supported", OCPP-J 2.0.1 §4.3), not NotImplemented ("not known").
 * `schemas_test.ts` checks that this list and the table together are every official action.
 */
export const OUT_OF_SCOPE_ACTIONS: readonly string[] = [
  "ClearDisplayMessage",
  "ClearVariableMonitoring",
  "CostUpdated",
  "CustomerInformation",
  "Get15118EVCertificate",
  "GetCertificateStatus",
  "GetDisplayMessages",
  "GetMonitoringReport",
  "NotifyCustomerInformation",
  "NotifyDisplayMessages",
  "NotifyEVChargingNeeds",
  "NotifyEVChargingSchedule",
  "NotifyMonitoringReport",
  "PublishFirmware",
  "PublishFirmwareStatusNotification",
  "SetDisplayMessage",
  "SetMonitoringBase",
  "SetMonitoringLevel",
  "SetVariableMonitoring",
  "UnpublishFirmware",
];
