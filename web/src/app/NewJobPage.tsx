import { useEffect, useRef, useState, useSyncExternalStore, type DragEvent } from 'react';
import { isObject, malformed, type KilnHttp, type LiveClient } from '../live';
import { batchName, createBatch } from './batches';
import { useServerReachable } from './ConnectionBadge';
import { messageOf } from './errors';
import { bytes, duration, percent } from './format';
import { Link } from './Link';
import { ParamsForm, useParamsForm } from './ParamsForm';
import { accepts, presence, takesNoFile, workerSummary, type ProcessorInfo } from './processors';
import { ProgressBar } from './ProgressBar';
import { navigate } from './router';
import type { UploadQueue, UploadRow } from './uploadQueue';
import { useNow } from './useNow';
import { ErrorLine } from './ErrorLine';

/** How often the page asks again which workers are connected. */
const PRESENCE_REFRESH_MS = 15_000;

/**
 * Drop files, pick what to do with them, and watch them upload (each job starts when its file is
 * in); or start a job of a processor that takes no file.
 */
export function NewJobPage({
  client,
  processors,
  uploads,
  refreshProcessors,
}: {
  client: LiveClient;
  processors: ProcessorInfo[];
  uploads: UploadQueue;
  /** Reads the processors again: workers come and go, and declare new ones. */
  refreshProcessors(): void;
}) {
  useEffect(() => {
    refreshProcessors();
    // Not while the client is paused in a hidden tab: nobody sees it, and it reads again once shown.
    const every = setInterval(() => !client.paused && refreshProcessors(), PRESENCE_REFRESH_MS);
    return () => clearInterval(every);
  }, [client, refreshProcessors]);
  const offered = processors.filter((p) => !p.name.startsWith('test-'));
  const fileless = offered.filter(takesNoFile);
  return (
    <>
      <FileJobs client={client} processors={offered} uploads={uploads} />
      {fileless.length > 0 && <NoFileJob client={client} processors={fileless} />}
    </>
  );
}

function FileJobs({
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
  const rows = useSyncExternalStore(uploads.subscribe, uploads.snapshot);
  const [dragging, setDragging] = useState(false);
  const [batchProblem, setBatchProblem] = useState<string>();
  const input = useRef<HTMLInputElement>(null);
  const server = useServerReachable(client);

  const usable = processors.filter((p) => files.every((f) => accepts(p, f.type)));
  const processor = usable.find((p) => p.name === processorName) ?? usable[0];
  const form = useParamsForm(processor);

  const choose = (chosen: FileList | null) => {
    if (!chosen || chosen.length === 0) return;
    const list = Array.from(chosen);
    setFiles(list); // an earlier batch's problem stays until the next start: it is about files sent, not these
    const first = processors.find((p) => list.every((f) => accepts(p, f.type)));
    if (first) setProcessorName(first.name);
  };
  // Taking a file out of the selection: the processors that take the rest, the form and its errors follow
  // (a processor chosen that still takes them all stays chosen). Focus goes to the next file's Remove, or
  // to Choose files once none is left, not to the page's start.
  const removed = useRef<number>(undefined);
  const chosenList = useRef<HTMLUListElement>(null);
  const chooseButton = useRef<HTMLButtonElement>(null);
  const remove = (index: number) => {
    removed.current = index;
    setFiles((list) => list.filter((_, i) => i !== index));
    if (input.current) input.current.value = ''; // the same file can be chosen again
  };
  useEffect(() => {
    const index = removed.current;
    if (index === undefined) return;
    removed.current = undefined;
    const buttons = chosenList.current?.querySelectorAll('button') ?? [];
    (buttons[Math.min(index, buttons.length - 1)] ?? chooseButton.current)?.focus();
  }, [files]);
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    choose(event.dataTransfer.files);
  };
  const start = () => {
    const params = form.params();
    if (!processor || !params) return;
    setBatchProblem(undefined);
    // Several files make one batch: one page for all of them; a single file is a job of its own.
    if (files.length > 1)
      startBatch(client.http, uploads, files, processor.name, params).catch((e: unknown) =>
        setBatchProblem(`The batch was not started: ${messageOf(e)}`),
      );
    else uploads.add(files, processor.name, params);
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
        <button type="button" ref={chooseButton} onClick={() => input.current?.click()}>
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
        {files.length > 0 && (
          <ul className="chosen-files" aria-label="Chosen files" ref={chosenList}>
            {files.map((f, i) => (
              <li key={`${i}:${f.name}`}>
                {f.name} ({bytes(f.size)}){' '}
                <button type="button" className="link" aria-label={`Remove ${f.name}`} onClick={() => remove(i)}>
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      {files.length > 0 &&
        (usable.length === 0 ? (
          <ErrorLine>
            {files.length > 1
              ? 'No processor here takes all of these files: remove those of another kind.'
              : 'No processor here takes this file.'}
          </ErrorLine>
        ) : (
          <form
            className="job-form"
            aria-label="A job for these files"
            onSubmit={(e) => {
              e.preventDefault();
              start();
            }}
          >
            <label>
              Processor
              <ProcessorSelect processors={usable} value={processor?.name} onChange={setProcessorName} />
            </label>
            {processor && <ProcessorNote processor={processor} />}
            <ParamsForm fields={form.fields} values={form.values} errors={form.errors} onChange={form.change} />
            <button type="submit" disabled={!server.reachable} title={server.why || undefined}>
              {files.length > 1 ? `Upload and start a batch of ${files.length}` : 'Upload and start'}
            </button>
          </form>
        ))}
      <ErrorLine>{batchProblem}</ErrorLine>
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

/** A job of a processor that takes no file: just its params. */
function NoFileJob({ client, processors }: { client: LiveClient; processors: ProcessorInfo[] }) {
  const [processorName, setProcessorName] = useState('');
  const processor = processors.find((p) => p.name === processorName) ?? processors[0];
  const form = useParamsForm(processor);
  const [sending, setSending] = useState(false);
  // One key per intended job: sending again after a lost answer finds the job made the first time.
  const [key, setKey] = useState(newIdempotencyKey);
  const server = useServerReachable(client);

  const submit = async () => {
    const params = form.params();
    if (!params) return;
    setSending(true);
    try {
      const job = await client.http.call('/api/v1/jobs', {
        method: 'POST',
        body: { type: processor.name, params },
        headers: { 'Idempotency-Key': key },
      });
      if (!isObject(job) || typeof job.id !== 'string') throw malformed('job');
      navigate(`/jobs/${job.id}`);
    } catch (e) {
      form.refused(e);
      setSending(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="nofile-title">
      <h2 id="nofile-title">Without a file</h2>
      <form
        className="job-form"
        aria-label="A job without a file"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label>
          Processor
          <ProcessorSelect
            processors={processors}
            value={processor.name}
            onChange={(name) => {
              setProcessorName(name);
              setKey(newIdempotencyKey());
            }}
          />
        </label>
        <ProcessorNote processor={processor} />
        <ParamsForm
          fields={form.fields}
          values={form.values}
          errors={form.errors}
          onChange={(name, value) => {
            form.change(name, value);
            setKey(newIdempotencyKey());
          }}
        />
        <button type="submit" disabled={!server.reachable || sending} title={server.why || undefined}>
          {sending ? 'Starting…' : 'Start job'}
        </button>
      </form>
    </section>
  );
}

function ProcessorSelect({
  processors,
  value,
  onChange,
}: {
  processors: ProcessorInfo[];
  value?: string;
  onChange(name: string): void;
}) {
  return (
    <select value={value} onChange={(e) => onChange(e.target.value)}>
      {processors.map((p) => {
        const served = presence(p);
        return (
          <option key={p.name} value={p.name}>
            {p.name}
            {served ? ` (${served.workers} ${served.workers === 1 ? 'worker' : 'workers'})` : ''}
          </option>
        );
      })}
    </select>
  );
}

/** What a processor does and, for one external workers serve, how many are there to run it. */
function ProcessorNote({ processor }: { processor: ProcessorInfo }) {
  const now = useNow(15_000);
  const served = presence(processor);
  return (
    <>
      {processor.description && <p className="note">{processor.description}</p>}
      {served && (
        <p className={served.workers > 0 ? 'note' : 'note warn'} data-testid="workers">
          {workerSummary(served, now)}
        </p>
      )}
    </>
  );
}

/** Uploads a batch's files (resumably, each with its own row), then makes the batch and opens its page. */
async function startBatch(
  http: KilnHttp,
  uploads: UploadQueue,
  files: File[],
  type: string,
  params: Record<string, unknown>,
): Promise<void> {
  const key = newIdempotencyKey(); // a lost answer, sent again, finds the batch made the first time
  const fileIds = await uploads.addForBatch(files);
  const batch = await createBatch(http, { type, params, files: fileIds, name: batchName(files) }, key);
  navigate(`/batches/${batch.id}`);
}

/** A fresh Idempotency-Key; getRandomValues, unlike randomUUID, works on plain-HTTP servers too. */
function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
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
