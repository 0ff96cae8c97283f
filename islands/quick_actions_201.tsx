/**
 * The one-click actions of an OCPP 2.0.1 station, as StationConsole offers a 1.6 station's: start and stop a
 * session, reset, unlock a connector, change availability, trigger a message, each with its 2.0.1 payload
 * built from what the page knows (the EVSEs, the station's id of the session running on each). The API
 * allocates a RequestStartTransaction's remoteStartId. Not an island itself: StationConsole renders it.
 */
import { useState } from "preact/hooks";
import type { StationDetail } from "../components/types.ts";

type Evse = NonNullable<StationDetail["evses"]>[number];

export interface QuickActions201Props {
  evses: readonly Evse[];
  /** The datalist of id tags to suggest. */
  idTagList: string;
  /** The 2.0.1 MessageTriggerEnumType values (islands import no server values). */
  triggerMessages: readonly string[];
  /** The 2.0.1 IdTokenEnumType values. */
  idTokenTypes: readonly string[];
  /** The type of each suggested id tag stored with one (its only accepted type). */
  idTokenTypeOf: Readonly<Record<string, string>>;
  disabled: boolean;
  confirmReset: () => boolean;
  send: (action: string, payload: Record<string, unknown>) => void;
}

/** "1/2": EVSE 1, connector 2, a select's value. */
const place = (e: { evseId: number; connectorId: number }) => `${e.evseId}/${e.connectorId}`;
const parsePlace = (value: string) => {
  const [evseId, connectorId] = value.split("/").map(Number);
  return { evseId: evseId ?? 1, connectorId: connectorId ?? 1 };
};

export function QuickActions201(props: QuickActions201Props) {
  const { evses, send, disabled } = props;
  const evseIds = [...new Set(evses.map((e) => e.evseId))].sort((a, b) => a - b);
  // An EVSE's connectors share its session: listed once, by the station's own id.
  const running = [
    ...new Map(
      evses.filter((e) => e.transactionId !== undefined).map((e) => [e.transactionId!, e.evseId]),
    ),
  ];

  const [startEvse, setStartEvse] = useState("");
  const [idToken, setIdToken] = useState("");
  // Central by default: the token is this CSMS's to vouch for (2.0.1 F01), not one read from a card.
  const [tokenType, setTokenType] = useState("Central");
  const typeOf = new Map(Object.entries(props.idTokenTypeOf).map(([tag, type]) => [tag.toLowerCase(), type]));
  const [stopTx, setStopTx] = useState("");
  const [unlock, setUnlock] = useState("");
  const [availabilityOf, setAvailabilityOf] = useState("");
  const [operationalStatus, setOperationalStatus] = useState("Inoperative");
  const [requestedMessage, setRequestedMessage] = useState("StatusNotification");
  const [triggerEvse, setTriggerEvse] = useState("");

  const stopChoice = running.some(([tx]) => tx === stopTx) ? stopTx : running[0]?.[0] ?? "";
  const unlockChoice = unlock || (evses[0] ? place(evses[0]) : "1/1");
  const evseOptions = evseIds.map((n) => <option key={n} value={n}>EVSE {n}</option>);

  return (
    <>
      <form
        class="action"
        aria-label="Start a session"
        onSubmit={(e) => {
          e.preventDefault();
          send("RequestStartTransaction", {
            idToken: { idToken: idToken.trim(), type: tokenType },
            ...(startEvse ? { evseId: Number(startEvse) } : {}),
          });
        }}
      >
        <label>
          EVSE
          <select name="startEvse" value={startEvse} onChange={(e) => setStartEvse(e.currentTarget.value)}>
            <option value="">any</option>
            {evseOptions}
          </select>
        </label>
        <label>
          Id token
          <input
            name="idToken"
            required
            list={props.idTagList}
            maxLength={36}
            value={idToken}
            onInput={(e) => {
              const value = e.currentTarget.value;
              setIdToken(value);
              // A tag stored with a type is accepted with that type only (tags match case-insensitively).
              const own = typeOf.get(value.trim().toLowerCase());
              if (own) setTokenType(own);
            }}
            autoComplete="off"
          />
        </label>
        <label>
          Token type
          <select name="idTokenType" value={tokenType} onChange={(e) => setTokenType(e.currentTarget.value)}>
            {props.idTokenTypes.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </label>
        <button type="submit" disabled={disabled}>Remote start</button>
      </form>
      <form
        class="action"
        aria-label="Stop a session"
        onSubmit={(e) => {
          e.preventDefault();
          if (stopChoice) send("RequestStopTransaction", { transactionId: stopChoice });
        }}
      >
        <label>
          Transaction
          <select name="transactionId" value={stopChoice} onChange={(e) => setStopTx(e.currentTarget.value)}>
            {running.length === 0 && <option value="">none running</option>}
            {running.map(([tx, evseId]) => <option key={tx} value={tx}>{tx} on EVSE {evseId}</option>)}
          </select>
        </label>
        <button type="submit" disabled={disabled || !stopChoice}>Remote stop</button>
      </form>
      <div class="action">
        <button type="button" disabled={disabled} onClick={() => send("Reset", { type: "OnIdle" })}>
          Reset when idle
        </button>
        <button
          type="button"
          class="danger"
          disabled={disabled}
          onClick={() => props.confirmReset() && send("Reset", { type: "Immediate" })}
        >
          Reset now
        </button>
      </div>
      <form
        class="action"
        aria-label="Unlock a connector"
        onSubmit={(e) => {
          e.preventDefault();
          send("UnlockConnector", parsePlace(unlockChoice));
        }}
      >
        <label>
          Connector to unlock
          <select name="unlock" value={unlockChoice} onChange={(e) => setUnlock(e.currentTarget.value)}>
            {(evses.length ? evses : [{ evseId: 1, connectorId: 1 }]).map((e) => (
              <option key={place(e)} value={place(e)}>EVSE {e.evseId} connector {e.connectorId}</option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={disabled}>Unlock connector</button>
      </form>
      <form
        class="action"
        aria-label="Change availability"
        onSubmit={(e) => {
          e.preventDefault();
          send("ChangeAvailability", {
            operationalStatus,
            ...(availabilityOf ? { evse: { id: Number(availabilityOf) } } : {}),
          });
        }}
      >
        <label>
          Availability of
          <select
            name="availabilityOf"
            value={availabilityOf}
            onChange={(e) => setAvailabilityOf(e.currentTarget.value)}
          >
            <option value="">the whole station</option>
            {evseOptions}
          </select>
        </label>
        <label>
          Make it
          <select
            name="operationalStatus"
            value={operationalStatus}
            onChange={(e) => setOperationalStatus(e.currentTarget.value)}
          >
            <option value="Inoperative">Inoperative</option>
            <option value="Operative">Operative</option>
          </select>
        </label>
        <button type="submit" disabled={disabled}>Change availability</button>
      </form>
      <form
        class="action"
        aria-label="Trigger a message"
        onSubmit={(e) => {
          e.preventDefault();
          send("TriggerMessage", {
            requestedMessage,
            ...(triggerEvse ? { evse: { id: Number(triggerEvse) } } : {}),
          });
        }}
      >
        <label>
          Message to trigger
          <select
            name="requestedMessage"
            value={requestedMessage}
            onChange={(e) => setRequestedMessage(e.currentTarget.value)}
          >
            {props.triggerMessages.map((m) => <option key={m} value={m}>{m}</option>)}
          </select>
        </label>
        <label>
          For
          <select
            name="triggerEvse"
            value={triggerEvse}
            onChange={(e) => setTriggerEvse(e.currentTarget.value)}
          >
            <option value="">the whole station</option>
            {evseOptions}
          </select>
        </label>
        <button type="submit" disabled={disabled}>Trigger</button>
      </form>
    </>
  );
}
