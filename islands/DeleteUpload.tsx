/**
 * Deletes one file a station uploaded (admins only), through `DELETE /api/v1/uploads/{id}`, after a
 * confirmation: the record and the bytes go (retention would delete it after UPLOAD_RETENTION_DAYS anyway).
 * One per row of the station page's uploaded files; once deleted it says so in place of the button.
 */
import { useState } from "preact/hooks";
import { ResultLine, useAction } from "./admin_kit.tsx";
import { apiFetch } from "./client.tsx";

export interface DeleteUploadProps {
  uploadId: string;
  fileName: string;
}

export default function DeleteUpload(props: DeleteUploadProps) {
  const [deleted, setDeleted] = useState(false);
  const { busy, result, run } = useAction();
  const remove = () => {
    if (!confirm(`Delete ${props.fileName}? Its bytes are gone for good.`)) return;
    void run("Deleted", async () => {
      await apiFetch(`/api/v1/uploads/${encodeURIComponent(props.uploadId)}`, { method: "DELETE" });
      setDeleted(true);
    });
  };
  if (deleted) return <span class="muted" data-upload-deleted={props.uploadId}>Deleted</span>;
  return (
    <span>
      <button
        type="button"
        class="danger"
        onClick={remove}
        disabled={busy}
        aria-label={`Delete ${props.fileName}`}
      >
        Delete
      </button>
      {result && !result.ok && <ResultLine result={result} />}
    </span>
  );
}
