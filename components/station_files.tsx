/**
 * A station's file transfers and certificates: the diagnostics, log and firmware statuses it reported (each
 * with its time), the files it uploaded (GetDiagnostics, GetLog), downloadable by operators (logs can hold
 * secrets) and deletable by admins, and the certificates our CA issued to it with what became of their delivery
 * (only the one marked current, the newest it accepted, is its certificate). Server-rendered, no state; times
 * as everywhere on the dashboard (`time.tsx`): UTC, or local time once the operator picks it.
 */
import { Island } from "./island.tsx";
import { Time, TzLabel } from "./time.tsx";
import type { FileStatus, IssuedCertificate, UploadedFile } from "./types.ts";

/** A page of a list: its items, the cursor of the next (older) page, and the cursor it started after. */
interface ListPage<T> {
  items: T[];
  nextCursor: string | null;
  before: string | null;
}

/**
 * "Newest" (when this page is not the first) and "Older →" (when there is a next page) for one of the
 * station's lists, `param` the station page's query parameter that carries its cursor.
 */
function Pager(props: { chargePointId: string; param: string; label: string; page: ListPage<unknown> }) {
  const { page, param } = props;
  if (page.before === null && page.nextCursor === null) return null;
  const base = `/stations/${encodeURIComponent(props.chargePointId)}`;
  return (
    <nav class="pager" aria-label={`${props.label} pages`}>
      {page.before !== null ? <a href={base}>Newest</a> : <span />}
      {page.nextCursor !== null
        ? (
          <a href={`${base}?${param}=${encodeURIComponent(page.nextCursor)}`} rel="next" data-pager={param}>
            Older →
          </a>
        )
        : <span />}
    </nav>
  );
}

const KIND_LABEL: Record<FileStatus["kind"], string> = {
  diagnostics: "Diagnostics",
  firmware: "Firmware",
  log: "Log",
  signedFirmware: "Signed firmware",
};

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function StationFiles(
  props: {
    chargePointId: string;
    /** A page of the transfer statuses (`before`: the cursor it started after, null: the newest). */
    history: ListPage<FileStatus>;
    /** A page of them (`before`: the cursor it started after, null: the newest); null without the extension. */
    uploads: (ListPage<UploadedFile>) | null;
    /** A page of the certificates, and the current one (listed among them or not). */
    certificates: (ListPage<IssuedCertificate> & { current: IssuedCertificate | null }) | null;
    canDownload: boolean;
    canDelete: boolean;
  },
) {
  return (
    <section class="card" aria-labelledby="station-files-title">
      <div class="card-head">
        <h2 id="station-files-title">Files, firmware and certificates</h2>
      </div>
      <h3>Transfer status history{props.history.before !== null ? " (older)" : ""}</h3>
      {props.history.items.length === 0
        ? <p class="muted">{props.history.before !== null ? "No older statuses." : "None yet."}</p>
        : (
          <table class="table" aria-label="Transfer status history">
            <thead>
              <tr>
                <th scope="col">
                  Received (<TzLabel />)
                </th>
                <th scope="col">Transfer</th>
                <th scope="col">Status</th>
                <th scope="col">Request</th>
              </tr>
            </thead>
            <tbody>
              {props.history.items.map((h, i) => (
                <tr key={`${h.receivedAt}-${i}`} data-file-status={h.kind}>
                  <td data-label="Received">
                    <Time iso={h.receivedAt} />
                  </td>
                  <td data-label="Transfer">{KIND_LABEL[h.kind]}</td>
                  <td data-label="Status">{h.status}</td>
                  <td data-label="Request">{h.requestId ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      <Pager
        chargePointId={props.chargePointId}
        param="fileStatusBefore"
        label="Transfer status history"
        page={props.history}
      />
      {props.uploads && (
        <>
          <Uploads
            uploads={props.uploads.items}
            older={props.uploads.before !== null}
            canDownload={props.canDownload}
            canDelete={props.canDelete}
          />
          <Pager
            chargePointId={props.chargePointId}
            param="uploadsBefore"
            label="Uploaded files"
            page={props.uploads}
          />
        </>
      )}
      {props.certificates && (
        <>
          <Certificates
            items={props.certificates.items}
            current={props.certificates.current}
            older={props.certificates.before !== null}
          />
          <Pager
            chargePointId={props.chargePointId}
            param="certificatesBefore"
            label="Certificates issued"
            page={props.certificates}
          />
        </>
      )}
    </section>
  );
}

function Uploads(
  props: { uploads: UploadedFile[]; older: boolean; canDownload: boolean; canDelete: boolean },
) {
  return (
    <>
      <h3>Uploaded files{props.older ? " (older)" : ""}</h3>
      {props.uploads.length === 0
        ? <p class="muted">{props.older ? "No older files." : "None yet."}</p>
        : (
          <table class="table" aria-label="Uploaded files">
            <thead>
              <tr>
                <th scope="col">
                  Uploaded (<TzLabel />)
                </th>
                <th scope="col">Kind</th>
                <th scope="col">File</th>
                <th scope="col">Size</th>
                {props.canDelete && <th scope="col">Delete</th>}
              </tr>
            </thead>
            <tbody>
              {props.uploads.map((u) => (
                <tr key={u.id}>
                  <td data-label="Uploaded">
                    <Time iso={u.uploadedAt} />
                  </td>
                  <td data-label="Kind">
                    {u.kind === "log" ? `${u.logType ?? "log"} #${u.requestId ?? "?"}` : "Diagnostics"}
                  </td>
                  <td data-label="File" class="mono">
                    {props.canDownload
                      ? (
                        <a href={`/api/v1/uploads/${encodeURIComponent(u.id)}/content`} download>
                          {u.fileName}
                        </a>
                      )
                      : u.fileName}
                  </td>
                  <td data-label="Size" class="num">{formatBytes(u.size)}</td>
                  {props.canDelete && (
                    <td data-label="Delete">
                      <Island name="DeleteUpload" props={{ uploadId: u.id, fileName: u.fileName }} />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </>
  );
}

/** A delivery as the operator reads it, and its chip's tone (as on the security page). */
const DELIVERY: Record<IssuedCertificate["delivery"], { label: string; tone: string }> = {
  pending: { label: "Pending delivery", tone: "transit" },
  accepted: { label: "Installed", tone: "ok" },
  rejected: { label: "Rejected by the station", tone: "fault" },
  undelivered: { label: "Not delivered", tone: "fault" },
  unknown: { label: "Outcome not recorded", tone: "off" },
};

function Certificates(
  props: { items: IssuedCertificate[]; current: IssuedCertificate | null; older: boolean },
) {
  const { items, current } = props;
  return (
    <>
      <h3>Certificates issued{props.older ? " (older)" : ""}</h3>
      {items.length > 0 && (
        <p data-current-certificate={current?.serialNumber ?? "none"}>
          {current
            ? (
              <>
                Current certificate: <span class="mono">{current.serialNumber}</span>, expires{" "}
                <Time iso={current.notAfter} /> (<TzLabel />).
              </>
            )
            : "No current certificate: the station installed none of ours."}
        </p>
      )}
      {items.length === 0
        ? <p class="muted">{props.older ? "No older certificates." : "None yet."}</p>
        : (
          <table class="table" aria-label="Certificates issued">
            <thead>
              <tr>
                <th scope="col">
                  Issued (<TzLabel />)
                </th>
                <th scope="col">Serial</th>
                <th scope="col">Key</th>
                <th scope="col">
                  Expires (<TzLabel />)
                </th>
                <th scope="col">Delivery</th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.serialNumber} data-delivery={c.delivery} data-current={String(c.current)}>
                  <td data-label="Issued">
                    <Time iso={c.issuedAt} />
                  </td>
                  <td data-label="Serial" class="mono">{c.serialNumber}</td>
                  <td data-label="Key">{c.key}</td>
                  <td data-label="Expires">
                    <Time iso={c.notAfter} />
                  </td>
                  <td data-label="Delivery" title={c.deliveryDetail ?? undefined}>
                    <span class={`chip tone-${DELIVERY[c.delivery].tone}`}>{DELIVERY[c.delivery].label}</span>
                    {c.current && " (current)"}
                    {c.deliveryDetail && <div class="muted">{c.deliveryDetail}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </>
  );
}
