/**
 * The station page's notice of frames we refused from the station, while the last one is recent
 * (`model/protocol_errors.ts`): what an operator or a firmware maker should look at, in plain words, with the
 * way to the frames themselves. Server-rendered; operators get the way to clear them once the station is fixed
 * (islands/ClearProtocolErrors.tsx).
 */
import { recentProtocolErrors } from "../model/protocol_errors.ts";
import { Island } from "./island.tsx";
import { Time } from "./time.tsx";
import type { StationDetail } from "./types.ts";

export function ProtocolErrorsNotice(
  props: { chargePointId: string; errors: StationDetail["protocolErrors"]; now: Date; canClear?: boolean },
) {
  const errors = recentProtocolErrors(props.errors ?? undefined, props.now.getTime());
  if (!errors) return null;
  const frames = errors.count === 1 ? "1 frame" : `${errors.count} frames`;
  return (
    <section
      class="card wide tone-bad-box"
      aria-labelledby="protocol-errors-title"
      data-protocol-errors={errors.count}
    >
      <h2 id="protocol-errors-title">Sends frames we refuse</h2>
      <p>
        This station sent {frames}{" "}
        that do not follow OCPP (we answered with an error or ignored them): its firmware or configuration
        likely needs a look.
      </p>
      <p data-protocol-error-last>
        Last: <Time iso={errors.lastAt} />
        {errors.lastAction
          ? (
            <>
              {" in "}
              <code>{errors.lastAction}</code>
            </>
          )
          : null}: {errors.lastProblem}
      </p>
      <p>
        <a href={`/stations/${encodeURIComponent(props.chargePointId)}#frames`}>See its recent OCPP frames</a>
      </p>
      {props.canClear && (
        <Island
          name="ClearProtocolErrors"
          props={{ chargePointId: props.chargePointId, lastAt: errors.lastAt }}
        />
      )}
    </section>
  );
}
