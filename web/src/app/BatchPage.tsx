import { useState } from 'react';
import type { KilnHttp } from '../live';
import {
  batchAction,
  cancellable,
  doneSummary,
  downloadBatch,
  endedUnsucceeded,
  retryableJobs,
  type Batch,
  type BatchJob,
} from './batches';
import { messageOf } from './errors';
import { duration, percent } from './format';
import { Link } from './Link';
import { DELETED_FILE, type ProcessorInfo } from './processors';
import { ProgressBar } from './ProgressBar';
import { useBatch } from './useBatch';
import { useNow } from './useNow';
import { ErrorLine } from './ErrorLine';

/** A batch: aggregated progress and ETA, a row per file, cancel-all, retry-failed and download-all. */
export function BatchPage({ http, id, processors }: { http: KilnHttp; id: string; processors: ProcessorInfo[] }) {
  const live = useBatch(http, id);
  const [problem, setProblem] = useState<string>();
  if (live.notFound)
    return (
      <section className="panel">
        <h1>No such batch</h1>
        <p>
          It does not exist, or it is not yours. <Link to="/">Your jobs</Link>.
        </p>
      </section>
    );
  const batch = live.batch;
  if (!batch)
    return (
      <section className="panel" aria-busy="true">
        {live.error ?? 'Loading…'}
      </section>
    );
  const act = (action: 'cancel' | 'retry') => () => {
    if (action === 'cancel' && !window.confirm('Cancel every job of this batch that has not finished?')) return;
    setProblem(undefined);
    batchAction(http, batch.id, action).then(live.replace, (e: unknown) => setProblem(messageOf(e)));
  };
  const formats = processors.find((p) => p.name === batch.type)?.resultFormats ?? ['json'];
  return (
    <section className="panel" aria-labelledby="batch-title">
      <div className="panel-head">
        <h1 id="batch-title">
          {batch.name ?? 'Batch'} <span className="job-id">{batch.id}</span>
        </h1>
        <div className="actions">
          {cancellable(batch) && (
            <button type="button" onClick={act('cancel')}>
              Cancel all
            </button>
          )}
          {retryableJobs(batch).length > 0 && (
            <button type="button" onClick={act('retry')}>
              Retry failed ({retryableJobs(batch).length})
            </button>
          )}
        </div>
      </div>
      {(problem ?? live.error) && <ErrorLine>{problem ?? live.error}</ErrorLine>}
      <BatchSummary batch={batch} />
      <NotRetried batch={batch} />
      {(batch.counts.succeeded ?? 0) > 0 && (
        <DownloadAll
          formats={formats}
          onDownload={(f) => downloadBatch(http, batch, f).catch((e: unknown) => setProblem(messageOf(e)))}
        />
      )}
      <BatchRows jobs={batch.jobs} />
    </section>
  );
}

function BatchSummary({ batch }: { batch: Batch }) {
  const now = useNow();
  const left = batch.eta ? Math.max(0, (Date.parse(batch.eta) - now) / 1000) : null;
  return (
    <div className="batch-summary">
      <ProgressBar value={batch.progress} label="Batch progress" />
      <p data-testid="batch-status">
        {batch.finished ? 'Finished' : percent(batch.progress)} · {doneSummary(batch)}
        {left !== null && !batch.finished ? ` · about ${duration(left)} left` : ''}
      </p>
    </div>
  );
}

/** Says how many of the failed and cancelled jobs Retry failed leaves, when it leaves some, and why. */
function NotRetried({ batch }: { batch: Batch }) {
  const ended = endedUnsucceeded(batch);
  const retried = retryableJobs(batch).length;
  const left = ended.length - retried;
  if (left === 0) return null;
  const which =
    retried > 0
      ? `${retried} of the ${ended.length} failed or cancelled jobs can be retried: ${left === 1 ? 'one' : left}`
      : ended.length === 1
        ? `The ${ended[0].state} job cannot be retried: it`
        : `None of the ${ended.length} failed or cancelled jobs can be retried: they`;
  return (
    <p className="note" data-testid="batch-not-retried">
      {which} would fail the same way (the problem is in the file itself, or the file was deleted). Open{' '}
      {left === 1 ? 'it' : 'one'} to see why.
    </p>
  );
}

function DownloadAll({ formats, onDownload }: { formats: string[]; onDownload(format: string): void }) {
  const [format, setFormat] = useState(formats.find((f) => f !== 'json') ?? formats[0]);
  return (
    <form
      className="downloads"
      aria-label="Download all"
      onSubmit={(e) => {
        e.preventDefault();
        onDownload(format);
      }}
    >
      <label>
        Format
        <select value={format} onChange={(e) => setFormat(e.target.value)}>
          {formats.map((f) => (
            <option key={f} value={f}>
              {f.toUpperCase()}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Download all</button>
    </form>
  );
}

/** Every job of a batch is made from a file: one that names none is one whose file was deleted since. */
function fileName(job: BatchJob): string {
  return job.fileId === undefined ? DELETED_FILE : (job.fileName ?? job.id);
}

function BatchRows({ jobs }: { jobs: BatchJob[] }) {
  return (
    <table className="table" aria-label="Files of the batch">
      <thead>
        <tr>
          <th>File</th>
          <th>State</th>
          <th>Progress</th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((job) => (
          <tr key={job.id} data-testid="batch-row">
            <td>
              <Link to={`/jobs/${job.id}`} className={job.fileId === undefined ? 'deleted' : undefined}>
                {fileName(job)}
              </Link>
            </td>
            <td data-testid="batch-row-state">
              {job.state.replace('_', ' ')}
              {job.error ? ` (${job.error})` : ''}
            </td>
            <td>
              <ProgressBar
                value={job.state === 'succeeded' ? 1 : job.progress}
                label={`Progress of ${fileName(job)}`}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
