/**
 * What a simulated station sends and answers: valid OCPP 1.6 payloads (the strict ocpp-rpc peer checks each
 * against the official JSON schemas; `frames_test.ts` does the same). MeterValues carry what a real AC
 * charger reports every sample: the energy register, power, and current and voltage of one phase.
 */
export type StationAction =
  | "BootNotification"
  | "StatusNotification"
  | "Heartbeat"
  | "MeterValues"
  | "Authorize"
  | "StartTransaction"
  | "StopTransaction";

export type ConnectorStatus = "Available" | "Preparing" | "Charging" | "SuspendedEV" | "Finishing";

export function bootNotification(stationId: string) {
  return {
    chargePointVendor: "BenchCo",
    chargePointModel: "Load-1",
    chargePointSerialNumber: stationId.slice(-25),
    firmwareVersion: "1.0.0",
  };
}

export function statusNotification(status: ConnectorStatus, now = new Date()) {
  return { connectorId: 1, errorCode: "NoError", status, timestamp: now.toISOString() };
}

/** One sample of connector 1; within a transaction when `transactionId` is a number (OCPP 1.6 §4.7). */
export function meterValues(energyWh: number, transactionId: number | null, now = new Date()) {
  const context = transactionId === null ? "Sample.Clock" : "Sample.Periodic";
  const sample = (measurand: string, value: string, unit: string, phase?: string) => ({
    value,
    context,
    measurand,
    ...(phase ? { phase } : {}),
    location: "Outlet",
    unit,
  });
  return {
    connectorId: 1,
    ...(transactionId === null ? {} : { transactionId }),
    meterValue: [{
      timestamp: now.toISOString(),
      sampledValue: [
        sample("Energy.Active.Import.Register", String(energyWh), "Wh"),
        sample("Power.Active.Import", "7360", "W"),
        sample("Current.Import", "32.0", "A", "L1"),
        sample("Voltage", "230.0", "V", "L1-N"),
      ],
    }],
  };
}

export function heartbeat() {
  return {};
}

export function authorize(idTag: string) {
  return { idTag };
}

export function startTransaction(idTag: string, meterStartWh: number, now = new Date()) {
  return { connectorId: 1, idTag, meterStart: meterStartWh, timestamp: now.toISOString() };
}

export function stopTransaction(transactionId: number, idTag: string, meterStopWh: number, now = new Date()) {
  return {
    transactionId,
    idTag,
    meterStop: meterStopWh,
    timestamp: now.toISOString(),
    reason: "Local",
    transactionData: [{
      timestamp: now.toISOString(),
      sampledValue: [{
        value: String(meterStopWh),
        context: "Transaction.End",
        measurand: "Energy.Active.Import.Register",
        unit: "Wh",
      }],
    }],
  };
}

/** What a simulated station answers the server's CALLs with (valid `.conf` payloads); others get `Accepted`. */
export const STATION_ANSWERS: Readonly<Record<string, unknown>> = {
  GetConfiguration: {
    configurationKey: [
      { key: "HeartbeatInterval", readonly: false, value: "300" },
      { key: "MeterValueSampleInterval", readonly: false, value: "60" },
    ],
    unknownKey: [],
  },
  GetLocalListVersion: { listVersion: 1 },
  GetDiagnostics: {},
  UpdateFirmware: {},
  GetCompositeSchedule: { status: "Rejected" },
  DataTransfer: { status: "UnknownVendorId" },
  UnlockConnector: { status: "Unlocked" },
  ClearChargingProfile: { status: "Accepted" },
};

export function stationAnswer(action: string): unknown {
  return STATION_ANSWERS[action] ?? { status: "Accepted" };
}
