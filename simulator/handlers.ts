/**
 * How a virtual station answers each of the 19 Central System commands (OCPP 1.6 §5): the answer comes from
 * the station's state through the pure modules, and whatever the command sets in motion (StatusNotifications,
 * a transaction, a reboot, a triggered message) runs after the answer is on the wire.
 */
import { applySendLocalList, localListVersion } from "./authorization.ts";
import {
  checkChargingProfile,
  clearChargingProfiles,
  installChargingProfile,
  type ProfileLimits,
} from "./charging_profiles.ts";
import { changeConfiguration, configBool, configInt, getConfiguration } from "./configuration.ts";
import type { Connection, Reply } from "./connection.ts";
import {
  changeAvailability,
  clearReservation,
  type Connector,
  refuseStart,
  reserve,
  reserveAnswer,
  unplug,
} from "./connector.ts";
import {
  downloadFirmware,
  firmwareVersionOf,
  type TransferDeps,
  uploadDiagnostics,
} from "./file_transfer.ts";
import {
  type ChargingRateUnit,
  type CsToCpAction,
  type IdTagInfo,
  parseOcppTime,
  type RequestOf,
} from "./ocpp.ts";
import type { VirtualStation } from "./station.ts";

type Handler<A extends CsToCpAction> = (station: VirtualStation, request: RequestOf<A>) => Reply;

const answer = (result: Record<string, unknown>, after?: () => void): Reply =>
  after ? { result, after } : { result };

/** Connectors a RemoteStartTransaction without connectorId may use: one with a car waiting first. */
function pickConnector(station: VirtualStation, idTag: string): Connector | undefined {
  const free = station.connectors.filter((c) =>
    !station.starting.has(c.connectorId) && refuseStart(c, idTag) === null
  );
  return free.find((c) => c.plugged) ?? free.find((c) => !c.reservation) ?? free[0];
}

export function profileLimits(station: VirtualStation): ProfileLimits {
  const units = (station.config.get("ChargingScheduleAllowedChargingRateUnit") ?? "").split(",");
  const allowedUnits: ChargingRateUnit[] = [];
  if (units.includes("Current")) allowedUnits.push("A");
  if (units.includes("Power")) allowedUnits.push("W");
  return {
    connectorCount: station.connectors.length,
    maxStackLevel: configInt(station.config, "ChargeProfileMaxStackLevel"),
    maxPeriods: configInt(station.config, "ChargingScheduleMaxPeriods"),
    maxInstalled: configInt(station.config, "MaxChargingProfilesInstalled"),
    allowedUnits,
  };
}

/** Which transaction runs on a connector, as SetChargingProfile's TxProfile rule needs to know. */
function transactionOn(station: VirtualStation) {
  return (connectorId: number) => {
    const tx = station.connector(connectorId)?.transaction;
    if (!tx) return undefined;
    const transactionId = station.transactions.idOf(tx);
    return transactionId === undefined ? {} : { transactionId };
  };
}

const remoteStartTransaction: Handler<"RemoteStartTransaction"> = (station, request) => {
  const { idTag, chargingProfile } = request;
  const rejected = (reason: string) => {
    station.log.info("remote start rejected", { idTag, connectorId: request.connectorId ?? null, reason });
    return answer({ status: "Rejected" });
  };
  let connector: Connector | undefined;
  if (request.connectorId !== undefined) {
    connector = station.connector(request.connectorId);
    if (!connector) return rejected(`connector ${request.connectorId} does not exist`);
    const why = refuseStart(connector, idTag) ??
      (station.starting.has(connector.connectorId) ? "a start is under way" : null);
    if (why) return rejected(why);
  } else {
    connector = pickConnector(station, idTag);
    if (!connector) return rejected("no connector is free");
  }
  const connectorId = connector.connectorId;
  if (chargingProfile) {
    // OCPP 1.6 §5.11: only a TxProfile may come with a remote start.
    if (chargingProfile.chargingProfilePurpose !== "TxProfile") {
      return rejected("the profile is not a TxProfile");
    }
    const check = checkChargingProfile(
      station.profiles,
      { connectorId, csChargingProfiles: chargingProfile },
      profileLimits(station),
      () => ({}),
    );
    if (check.status !== "Accepted") return rejected(check.reason);
  }
  station.starting.add(connectorId);
  return answer({ status: "Accepted" }, () => {
    // The driver is at the connector and plugs in.
    station.plugIn(connectorId);
    const proceed = (info: IdTagInfo | null) => {
      if (!station.starting.has(connectorId)) return;
      const c = station.connector(connectorId) as Connector;
      const why = refuseStart(c, idTag, info?.parentIdTag);
      if (why) {
        station.starting.delete(connectorId);
        station.log.info("remote start abandoned", { connectorId, reason: why });
        station.scheduleUnplug(connectorId);
        return;
      }
      station.transactions.start(connectorId, idTag, info, chargingProfile);
    };
    if (!configBool(station.config, "AuthorizeRemoteTxRequests")) return proceed(null);
    void station.transactions.authorize(idTag).then((info) => {
      if (station.transactions.isAccepted(info)) return proceed(info);
      station.starting.delete(connectorId);
      station.log.info("remote start not authorized", { connectorId, idTag, status: info?.status ?? null });
      station.scheduleUnplug(connectorId);
    });
  });
};

const remoteStopTransaction: Handler<"RemoteStopTransaction"> = (station, request) => {
  const connector = station.transactions.connectorOf(request.transactionId);
  if (!connector) return answer({ status: "Rejected" });
  return answer({ status: "Accepted" }, () => station.transactions.stop(connector.connectorId, "Remote"));
};

const reset: Handler<"Reset"> = (station, request) =>
  answer({ status: "Accepted" }, () => void station.reboot(request.type));

const unlockConnector: Handler<"UnlockConnector"> = (station, request) => {
  const connector = station.connector(request.connectorId);
  if (!connector) return answer({ status: "NotSupported" });
  if (connector.fault?.errorCode === "ConnectorLockFailure") return answer({ status: "UnlockFailed" });
  return answer({ status: "Unlocked" }, () => {
    // OCPP 1.6 §5.18: a transaction on the connector stops first.
    station.transactions.stop(request.connectorId, "UnlockCommand");
    station.cancel(`unplug:${request.connectorId}`);
    station.update(request.connectorId, unplug);
    station.syncStatuses();
  });
};

const changeAvailabilityHandler: Handler<"ChangeAvailability"> = (station, request) => {
  const { connectorId, type } = request;
  if (connectorId !== 0 && !station.connector(connectorId)) return answer({ status: "Rejected" });
  const ids = connectorId === 0 ? station.connectors.map((c) => c.connectorId) : [connectorId];
  let scheduled = false;
  for (const id of ids) {
    const result = changeAvailability(station.connector(id) as Connector, type);
    station.update(id, () => result.connector);
    if (result.status === "Scheduled") scheduled = true;
  }
  if (connectorId === 0) station.station = { ...station.station, operative: type === "Operative" };
  station.log.info("availability", { connectorId, type, scheduled });
  return answer({ status: scheduled ? "Scheduled" : "Accepted" }, () => {
    station.meters.refresh();
    station.syncStatuses();
  });
};

const changeConfigurationHandler: Handler<"ChangeConfiguration"> = (station, request) => {
  const result = changeConfiguration(station.config, request.key, request.value);
  if (result.status !== "Accepted") {
    station.log.info("configuration change refused", {
      key: request.key,
      status: result.status,
      reason: result.reason,
    });
    return answer({ status: result.status });
  }
  station.config = result.config;
  station.log.info("configuration changed", {
    key: result.key,
    value: result.key === "AuthorizationKey" ? "(secret)" : request.value,
  });
  return answer({ status: "Accepted" }, () => {
    switch (result.key) {
      case "HeartbeatInterval":
        return station.scheduleHeartbeat();
      case "MeterValueSampleInterval":
        return station.meters.resample();
      case "ClockAlignedDataInterval":
        return station.meters.align();
      case "WebSocketPingInterval":
        return station.setPingInterval(configInt(station.config, "WebSocketPingInterval"));
    }
  });
};

const getConfigurationHandler: Handler<"GetConfiguration"> = (station, request) =>
  answer(getConfiguration(station.config, request.key) as Record<string, unknown>);

const clearCache: Handler<"ClearCache"> = (station) => {
  station.cache = new Map();
  return answer({ status: "Accepted" });
};

/** Our vendor answers DataTransfer messageId "Echo" (or none) with the data it got. */
const dataTransfer: Handler<"DataTransfer"> = (station, request) => {
  if (request.vendorId !== station.options.boot.chargePointVendor) {
    return answer({ status: "UnknownVendorId" });
  }
  if (request.messageId !== undefined && request.messageId !== "Echo") {
    return answer({ status: "UnknownMessageId" });
  }
  return answer(
    request.data === undefined ? { status: "Accepted" } : { status: "Accepted", data: request.data },
  );
};

function transferDeps(station: VirtualStation): TransferDeps {
  return {
    fetch: station.options.fetch,
    sleep: (ms) => station.sleep(ms),
    timeoutMs: 30_000,
    signal: station.abort.signal,
  };
}

const getDiagnostics: Handler<"GetDiagnostics"> = (station, request) => {
  const stamp = new Date(station.clock.now()).toISOString().replace(/[-:]/g, "").slice(0, 15);
  const fileName = `${station.id}-diagnostics-${stamp}.log`;
  const contents = JSON.stringify(station.snapshot(), null, 2);
  return answer({ fileName }, () => {
    void uploadDiagnostics(
      transferDeps(station),
      request,
      fileName,
      contents,
      (s) => station.notifyDiagnostics(s),
    )
      .catch(() => {});
  });
};

const updateFirmware: Handler<"UpdateFirmware"> = (station, request) =>
  answer({}, () => {
    void (async () => {
      await station.sleep(Math.max(0, parseOcppTime(request.retrieveDate) - station.clock.now()));
      const deps = transferDeps(station);
      if (!await downloadFirmware(deps, request, (s) => station.notifyFirmware(s))) return;
      // A station installs between sessions, never during one.
      while (station.connectors.some((c) => c.transaction)) await station.sleep(1000);
      station.notifyFirmware("Installing");
      await station.sleep(1000);
      station.firmwareVersion = firmwareVersionOf(request.location);
      station.installedFirmware = true;
      await station.reboot("Soft");
    })().catch(() => {});
  });

const reserveNow: Handler<"ReserveNow"> = (station, request) => {
  const { connectorId, reservationId, idTag } = request;
  if (connectorId === 0 && !configBool(station.config, "ReserveConnectorZeroSupported")) {
    return answer({ status: "Rejected" });
  }
  const connector = station.connector(connectorId);
  const expiresAt = parseOcppTime(request.expiryDate);
  if (!connector || expiresAt <= station.clock.now()) return answer({ status: "Rejected" });
  const status = reserveAnswer(connector, reservationId);
  if (status !== "Accepted") return answer({ status });
  // OCPP 1.6 §5.13: a known reservationId is replaced, wherever it was.
  for (const c of station.connectors) {
    if (c.reservation?.reservationId === reservationId) {
      station.cancel(`reservation:${c.connectorId}`);
      station.update(c.connectorId, clearReservation);
    }
  }
  station.update(connectorId, (c) =>
    reserve(c, {
      reservationId,
      idTag,
      expiresAt,
      ...(request.parentIdTag !== undefined ? { parentIdTag: request.parentIdTag } : {}),
    }));
  station.schedule(`reservation:${connectorId}`, expiresAt - station.clock.now(), () => {
    if (station.connector(connectorId)?.reservation?.reservationId !== reservationId) return;
    station.log.info("reservation expired", { connectorId, reservationId });
    station.update(connectorId, clearReservation);
    station.syncStatuses();
  });
  station.log.info("reserved", { connectorId, reservationId, idTag, expiryDate: request.expiryDate });
  return answer({ status: "Accepted" }, () => station.syncStatuses());
};

const cancelReservation: Handler<"CancelReservation"> = (station, request) => {
  const connector = station.connectors.find((c) => c.reservation?.reservationId === request.reservationId);
  if (!connector) return answer({ status: "Rejected" });
  station.cancel(`reservation:${connector.connectorId}`);
  station.update(connector.connectorId, clearReservation);
  return answer({ status: "Accepted" }, () => station.syncStatuses());
};

const sendLocalList: Handler<"SendLocalList"> = (station, request) => {
  const result = applySendLocalList(station.localList, request, {
    enabled: configBool(station.config, "LocalAuthListEnabled"),
    maxLength: configInt(station.config, "LocalAuthListMaxLength"),
    sendMaxLength: configInt(station.config, "SendLocalListMaxLength"),
  });
  station.localList = result.list;
  station.log.info("local list", {
    updateType: request.updateType,
    listVersion: request.listVersion,
    status: result.status,
    entries: result.list.entries.size,
  });
  return answer({ status: result.status });
};

const getLocalListVersion: Handler<"GetLocalListVersion"> = (station) =>
  answer({
    listVersion: localListVersion(station.localList, configBool(station.config, "LocalAuthListEnabled")),
  });

const setChargingProfile: Handler<"SetChargingProfile"> = (station, request) => {
  const check = checkChargingProfile(
    station.profiles,
    request,
    profileLimits(station),
    transactionOn(station),
  );
  const profile = request.csChargingProfiles;
  if (check.status !== "Accepted") {
    station.log.info("charging profile rejected", {
      chargingProfileId: profile.chargingProfileId,
      reason: check.reason,
    });
    return answer({ status: "Rejected" });
  }
  station.log.info("charging profile installed", {
    connectorId: request.connectorId,
    chargingProfileId: profile.chargingProfileId,
    purpose: profile.chargingProfilePurpose,
    stackLevel: profile.stackLevel,
  });
  return answer(
    { status: "Accepted" },
    () => station.setProfiles(installChargingProfile(station.profiles, request.connectorId, profile)),
  );
};

const clearChargingProfile: Handler<"ClearChargingProfile"> = (station, request) => {
  const result = clearChargingProfiles(station.profiles, request);
  if (result.cleared === 0) return answer({ status: "Unknown" });
  station.log.info("charging profiles cleared", { cleared: result.cleared });
  return answer({ status: "Accepted" }, () => station.setProfiles(result.installed));
};

const getCompositeSchedule: Handler<"GetCompositeSchedule"> = (station, request) => {
  const { connectorId, duration, chargingRateUnit } = request;
  const unit = chargingRateUnit ?? "A";
  if (connectorId !== 0 && !station.connector(connectorId)) return answer({ status: "Rejected" });
  if (duration <= 0 || !profileLimits(station).allowedUnits.includes(unit)) {
    return answer({ status: "Rejected" });
  }
  station.meters.advance();
  const chargingSchedule = station.compositeSchedule(connectorId, duration, unit);
  return answer({
    status: "Accepted",
    connectorId,
    scheduleStart: chargingSchedule.startSchedule,
    chargingSchedule,
  });
};

const triggerMessage: Handler<"TriggerMessage"> = (station, request) => {
  const { requestedMessage, connectorId } = request;
  const count = station.connectors.length;
  if (connectorId !== undefined && (connectorId < 0 || connectorId > count)) {
    return answer({ status: "Rejected" });
  }
  const all = Array.from({ length: count + 1 }, (_, i) => i);
  const after = (): void => {
    switch (requestedMessage) {
      case "BootNotification":
        return station.sendBootNotification();
      case "Heartbeat":
        return station.sendHeartbeat();
      case "StatusNotification":
        return station.syncStatuses(connectorId !== undefined ? [connectorId] : all);
      case "MeterValues":
        station.meters.advance();
        station.meters.refresh();
        for (const id of connectorId !== undefined ? [connectorId] : all.slice(1)) {
          station.meters.send(id, "Trigger", "MeterValuesSampledData");
        }
        return;
      case "FirmwareStatusNotification": {
        // OCPP 1.6 §7.26: Idle only in a triggered notification, when nothing is under way.
        const busy = ["Downloading", "Downloaded", "Installing"].includes(station.firmwareStatus);
        return station.notifyFirmware(busy ? station.firmwareStatus : "Idle");
      }
      case "DiagnosticsStatusNotification":
        return station.notifyDiagnostics(station.diagnosticsStatus === "Uploading" ? "Uploading" : "Idle");
    }
  };
  return answer({ status: "Accepted" }, after);
};

export const HANDLERS: { readonly [A in CsToCpAction]: Handler<A> } = {
  CancelReservation: cancelReservation,
  ChangeAvailability: changeAvailabilityHandler,
  ChangeConfiguration: changeConfigurationHandler,
  ClearCache: clearCache,
  ClearChargingProfile: clearChargingProfile,
  DataTransfer: dataTransfer,
  GetCompositeSchedule: getCompositeSchedule,
  GetConfiguration: getConfigurationHandler,
  GetDiagnostics: getDiagnostics,
  GetLocalListVersion: getLocalListVersion,
  RemoteStartTransaction: remoteStartTransaction,
  RemoteStopTransaction: remoteStopTransaction,
  ReserveNow: reserveNow,
  Reset: reset,
  SendLocalList: sendLocalList,
  SetChargingProfile: setChargingProfile,
  TriggerMessage: triggerMessage,
  UnlockConnector: unlockConnector,
  UpdateFirmware: updateFirmware,
};

export function installHandlers(station: VirtualStation, connection: Connection): void {
  for (const action of Object.keys(HANDLERS) as CsToCpAction[]) {
    const handler = HANDLERS[action] as Handler<CsToCpAction>;
    connection.handle(action, (params) => {
      station.stats.callsReceived++;
      return handler(station, params);
    });
  }
}
