import { useRef, useState, type DragEvent } from 'react';
import type { Priority } from '../api/types.js';
import { formatBytes } from '../upload/file-check.js';
import type { UploadItem } from '../upload/use-uploads.js';

interface UploadPanelProps {
  items: UploadItem[];
  onFiles: (files: File[], priority: Priority) => void;
  onDismiss: (key: string) => void;
  onCancel: (key: string) => void;
  onClearFinished: () => void;
}

const STATE_TEXT: Record<UploadItem['state'], string> = {
  checking: 'Checking…',
  rejected: 'Not uploaded',
  creating: 'Preparing…',
  uploading: 'Uploading',
  uploaded: 'Uploaded',
  failed: 'Failed',
};

/** Drop zone + file picker + priority, and one row per file with its real upload progress. */
export const UploadPanel = ({ items, onFiles, onDismiss, onCancel, onClearFinished }: UploadPanelProps) => {
  const input = useRef<HTMLInputElement>(null);
  const [priority, setPriority] = useState<Priority>('normal');
  const [dragging, setDragging] = useState(false);

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const files = [...event.dataTransfer.files];
    if (files.length) onFiles(files, priority);
  };

  const finished = items.some(
    (i) => i.state === 'uploaded' || i.state === 'failed' || i.state === 'rejected',
  );
  return (
    <section className="panel upload-panel" aria-labelledby="upload-title">
      <div className="panel-head">
        <h2 id="upload-title">Upload</h2>
        <label className="inline-field">
          <span>Priority</span>
          <select value={priority} onChange={(e) => setPriority(e.target.value as Priority)}>
            <option value="low">Low</option>
            <option value="normal">Normal</option>
            <option value="high">High</option>
          </select>
        </label>
      </div>
      <div
        className={`dropzone ${dragging ? 'dropzone-active' : ''}`}
        onDragEnter={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragOver={(e) => e.preventDefault()}
        onDragLeave={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
        }}
        onDrop={onDrop}
        data-testid="dropzone"
      >
        <p className="dropzone-title">Drop PDFs or images here</p>
        <p className="muted">PDF, PNG, JPEG, TIFF or WEBP · up to 50 MB each · many at once</p>
        <button type="button" className="button button-primary" onClick={() => input.current?.click()}>
          Choose files
        </button>
        <input
          ref={input}
          type="file"
          multiple
          className="visually-hidden"
          tabIndex={-1}
          aria-label="Choose files to upload"
          accept=".pdf,.png,.jpg,.jpeg,.tif,.tiff,.webp,application/pdf,image/png,image/jpeg,image/tiff,image/webp"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            if (files.length) onFiles(files, priority);
          }}
        />
      </div>
      {items.length > 0 && (
        <>
          <ul className="upload-list" aria-label="Uploads">
            {items.map((item) => (
              <li key={item.key} className={`upload-item upload-${item.state}`} data-upload={item.name}>
                <div className="upload-line">
                  <span className="upload-name" title={item.name}>
                    {item.name}
                  </span>
                  <span className="muted upload-size">{formatBytes(item.size)}</span>
                  <span className="upload-state">
                    {STATE_TEXT[item.state]}
                    {item.state === 'uploading' ? ` ${Math.round(item.progress * 100)} %` : ''}
                  </span>
                  {item.state === 'uploading' && (
                    <button
                      type="button"
                      className="button button-small button-quiet"
                      aria-label={`Cancel upload of ${item.name}`}
                      onClick={() => onCancel(item.key)}
                    >
                      Cancel
                    </button>
                  )}
                  {item.state !== 'uploading' && item.state !== 'creating' && item.state !== 'checking' && (
                    <button
                      type="button"
                      className="icon-button"
                      aria-label={`Dismiss ${item.name}`}
                      onClick={() => onDismiss(item.key)}
                    >
                      ×
                    </button>
                  )}
                </div>
                {(item.state === 'uploading' || item.state === 'uploaded') && (
                  <progress
                    max={100}
                    value={Math.round(item.progress * 100)}
                    aria-label={`Upload of ${item.name}`}
                  />
                )}
                {item.message && (
                  <p className="upload-message" role="alert">
                    {item.message}
                  </p>
                )}
              </li>
            ))}
          </ul>
          {finished && (
            <button type="button" className="link-button" onClick={onClearFinished}>
              Clear finished
            </button>
          )}
        </>
      )}
    </section>
  );
};
