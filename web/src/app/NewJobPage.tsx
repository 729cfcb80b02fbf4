import { useRef, useState, useSyncExternalStore, type DragEvent } from 'react';
import type { LiveClient } from '../live';
import { useServerReachable } from './ConnectionBadge';
import { bytes, duration, percent } from './format';
import { Link } from './Link';
import { accepts, defaults, type ParamSchema, type ProcessorInfo } from './processors';
import { ProgressBar } from './ProgressBar';
import type { UploadQueue, UploadRow } from './uploadQueue';

/** Drop files, pick what to do with them, and watch them upload; each job starts when its file is in. */
export function NewJobPage({
  client,
  processors,
  uploads,
}: {
  client: LiveClient;
  processors: ProcessorInfo[];
  uploads: UploadQueue;
}) {
  const [files, setFiles] = useState<File[]>([]);
  const [processorName, setProcessorName] = useState('');
  const [params, setParams] = useState<Record<string, unknown>>({});
  const rows = useSyncExternalStore(uploads.subscribe, uploads.snapshot);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const server = useServerReachable(client);

  const usable = processors.filter((p) => !p.name.startsWith('test-') && files.every((f) => accepts(p, f.type)));
  const processor = usable.find((p) => p.name === processorName) ?? usable[0];

  const choose = (chosen: FileList | null) => {
    if (!chosen || chosen.length === 0) return;
    const list = Array.from(chosen);
    setFiles(list);
    const first = processors.find((p) => !p.name.startsWith('test-') && list.every((f) => accepts(p, f.type)));
    if (first) {
      setProcessorName(first.name);
      setParams(defaults(first));
    }
  };
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    choose(event.dataTransfer.files);
  };
  const start = () => {
    if (!processor) return;
    uploads.add(files, processor.name, params);
    setFiles([]);
  };

  return (
    <section className="panel" aria-labelledby="new-title">
      <h1 id="new-title">New job</h1>
      <div
        className={`dropzone${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={drop}
      >
        <p>Drop audio, video or documents here, or</p>
        <button type="button" onClick={() => input.current?.click()}>
          Choose files
        </button>
        <input
          ref={input}
          type="file"
          multiple
          hidden
          aria-label="Files to process"
          data-testid="file-input"
          onChange={(e) => choose(e.target.files)}
        />
        {files.length > 0 && <p>{files.map((f) => `${f.name} (${bytes(f.size)})`).join(', ')}</p>}
      </div>
      {files.length > 0 &&
        (usable.length === 0 ? (
          <p role="alert" className="error">
            No processor here takes {files.length > 1 ? 'all of these files' : 'this file'}.
          </p>
        ) : (
          <form
            className="job-form"
            onSubmit={(e) => {
              e.preventDefault();
              start();
            }}
          >
            <label>
              Processor
              <select
                value={processor?.name}
                onChange={(e) => {
                  setProcessorName(e.target.value);
                  const chosen = usable.find((p) => p.name === e.target.value);
                  if (chosen) setParams(defaults(chosen));
                }}
              >
                {usable.map((p) => (
                  <option key={p.name} value={p.name}>
                    {p.name}
                  </option>
                ))}
              </select>
            </label>
            {processor && <p className="note">{processor.description}</p>}
            {processor &&
              Object.entries(processor.params.properties).map(([name, schema]) => (
                <ParamField
                  key={name}
                  name={name}
                  schema={schema}
                  value={params[name]}
                  onChange={(value) => setParams((current) => ({ ...current, [name]: value }))}
                />
              ))}
            <button type="submit" disabled={!server.reachable} title={server.why || undefined}>
              Upload and start {files.length > 1 ? `${files.length} jobs` : ''}
            </button>
          </form>
        ))}
      {rows.length > 0 && (
        <ul className="uploads" data-testid="uploads">
          {rows.map((row, i) => (
            <UploadLine key={i} row={row} onPause={() => uploads.pause(i)} onResume={() => uploads.resume(i)} />
          ))}
        </ul>
      )}
    </section>
  );
}

function ParamField({
  name,
  schema,
  value,
  onChange,
}: {
  name: string;
  schema: ParamSchema;
  value: unknown;
  onChange(v: unknown): void;
}) {
  const label = schema.description ?? name;
  if (schema.type === 'boolean') {
    return (
      <label className="checkbox">
        <input type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} /> {label}
      </label>
    );
  }
  if (schema.enum) {
    return (
      <label>
        {label}
        <select value={String(value ?? '')} onChange={(e) => onChange(e.target.value)}>
          {schema.enum.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      </label>
    );
  }
  const numeric = schema.type === 'integer' || schema.type === 'number';
  return (
    <label>
      {label}
      <input
        type={numeric ? 'number' : 'text'}
        value={value === undefined ? '' : String(value)}
        min={schema.minimum}
        max={schema.maximum}
        step={schema.type === 'integer' ? 1 : 'any'}
        onChange={(e) =>
          onChange(numeric ? (e.target.value === '' ? undefined : Number(e.target.value)) : e.target.value)
        }
      />
    </label>
  );
}

function UploadLine({ row, onPause, onResume }: { row: UploadRow; onPause(): void; onResume(): void }) {
  const p = row.progress;
  const fraction = p && p.total > 0 ? p.sent / p.total : 0;
  return (
    <li className="upload-row">
      <span className="name">{row.file.name}</span>
      <ProgressBar value={row.status === 'done' ? 1 : fraction} label={`Upload of ${row.file.name}`} />
      <span className="upload-status" data-testid="upload-status">
        {row.status === 'done'
          ? 'Uploaded'
          : row.status === 'failed'
            ? `Failed: ${row.message}`
            : row.status === 'paused'
              ? `Paused at ${percent(fraction)}`
              : row.status === 'retrying'
                ? row.message
                : p
                  ? `${percent(fraction)} · ${bytes(p.speed)}/s${p.remaining !== null ? ` · ${duration(p.remaining)} left` : ''}`
                  : 'Starting…'}
      </span>
      {(row.status === 'uploading' || row.status === 'retrying') && (
        <button type="button" onClick={onPause}>
          Pause
        </button>
      )}
      {row.status === 'paused' && (
        <button type="button" onClick={onResume}>
          Resume
        </button>
      )}
      {row.status === 'done' && row.jobId && <Link to={`/jobs/${row.jobId}`}>Watch the job</Link>}
    </li>
  );
}
