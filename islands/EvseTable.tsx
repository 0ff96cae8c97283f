/**
 * An OCPP 2.0.1 station's EVSEs on its page, live (components/evses.tsx draws them): read again from the API
 * when the station reports an EVSE's status, connects or goes away, when a session starts or ends on it, and
 * when the stream (re)opens, as the 1.6 connectors above follow their station (islands/StationConsole.tsx).
 * A session's periodic Updated events change nothing shown here and ask for nothing.
 */
import { useRef, useState } from "preact/hooks";
import { EvseCard } from "../components/evses.tsx";
import type { StationDetail, StationEvent } from "../components/types.ts";
import { apiFetch, useEvents } from "./client.tsx";

type Evse = NonNullable<StationDetail["evses"]>[number];

export interface EvseTableProps {
  chargePointId: string;
  evses: Evse[];
  /** Connected when the page was made; followed live from then on. */
  online: boolean;
}

export default function EvseTable(props: EvseTableProps) {
  const [shown, setShown] = useState({ evses: props.evses, online: props.online });
  /** The last read asked for: an older one answered after it would put back what was before it. */
  const lastRead = useRef(0);
  const path = `/api/v1/charge-points/${encodeURIComponent(props.chargePointId)}`;
  const reload = () => {
    const read = ++lastRead.current;
    return apiFetch<StationDetail>(path).then((s) => {
      if (read === lastRead.current) setShown({ evses: s.evses ?? [], online: s.online });
    }).catch(() => {});
  };
  useEvents(`chargePointId=${encodeURIComponent(props.chargePointId)}`, (event: StationEvent) => {
    if (event.type === "transaction") {
      const tx = event.transaction;
      const onEvse = shown.evses.some((e) => e.transactionId === tx.stationTransactionId);
      if (tx.status === "active" && onEvse) return;
      void reload();
    } else if (["evseStatus", "connected", "disconnected", "boot"].includes(event.type)) void reload();
  }, reload);
  return <EvseCard evses={shown.evses} online={shown.online} />;
}
