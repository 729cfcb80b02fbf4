import { useEffect, useState } from 'react';
import { FINAL_STATES, HttpError, useJob, type JobSnapshot, type LiveClient } from '../live';
import { useServerReachable } from './ConnectionBadge';
import { download } from './download';
import { hint } from './errors';
import { clock, duration, percent } from './format';
import { Link } from './Link';
import { ProgressBar } from './ProgressBar';
import { useNow } from './useNow';
import { ErrorBoundary } from './ErrorBoundary';
import { isUtterance, MediaTranscript } from './MediaTranscript';

interface DocSegment {
  text: string;
  pages?: { from: number; to: number };
  heading?: string;
}

function isSegment(value: unknown): value is DocSegment {
  const s = value as DocSegment;
  return typeof s === 'object' && s !== null && typeof s.text === 'string';
}

/** One job: where it stands, what it has produced so far, and what can be done with it. */
export function JobPage({
  client,
  id,
  formats,
}: {
  client: LiveClient;
  id: string;
  formats: (type: string) => string[];
}) {
  const live = useJob(client, id);
  const server = useServerReachable(client);
  const [actionError, setActionError] = useState<string>();
  const queuePosition = useQueuePosition(client, id, live.data?.snapshot.state === 'queued');

  if (live.error === 'not_found') {
    return (
      <section className="panel">
        <h1>No such job</h1>
        <p>
          Job {id} does not exist, or it is not yours. <Link to="/">Back to your jobs</Link>.
        </p>
      </section>
    );
  }
  if (!live.data) {
    return (
      <section className="panel" aria-busy="true">
        <p>{live.error ? `Could not load the job: ${live.error}` : 'Loading…'}</p>
      </section>
    );
  }
  const job = live.data.snapshot;
  const act = (path: string, confirmText?: string) => async () => {
    if (confirmText && !window.confirm(confirmText)) return;
    setActionError(undefined);
    try {
      await client.http.call(`/api/v1/jobs/${encodeURIComponent(id)}/${path}`, { method: 'POST' });
    } catch (e) {
      setActionError(e instanceof HttpError ? e.message : String(e));
    }
  };
  const finished = FINAL_STATES.has(job.state);

  return (
    <section className="panel" aria-labelledby="job-title">
      <div className="panel-head">
        <h1 id="job-title">
          {job.type} <span className="job-id">{job.id}</span>
        </h1>
        <div className="actions">
          {!finished && (
            <button
              type="button"
              disabled={!server.reachable || job.cancelRequested}
              title={server.why || undefined}
              onClick={act('cancel', 'Cancel this job? Work done so far is discarded.')}
            >
              {job.cancelRequested ? 'Cancelling…' : 'Cancel'}
            </button>
          )}
          {(job.state === 'failed' || job.state === 'cancelled') && (
            <button type="button" disabled={!server.reachable} title={server.why || undefined} onClick={act('retry')}>
              Retry
            </button>
          )}
        </div>
      </div>
      {live.stale && live.lastSyncedAt && <p className="stale">Not live: as of {clock(live.lastSyncedAt)}.</p>}
      {!server.reachable && <p className="note">{server.why}</p>}
      {actionError && (
        <p role="alert" className="error">
          {actionError}
        </p>
      )}
      <Timeline job={job} queuePosition={queuePosition} />
      {job.state === 'failed' && job.error && (
        <div role="alert" className="error-box">
          <p>
            <strong>{job.error.message}</strong> <code>{job.error.code}</code>
          </p>
          <p>{hint(job.error.code)}</p>
        </div>
      )}
      {job.state === 'succeeded' && (
        <div className="downloads" aria-label="Downloads">
          {formats(job.type).map((format) => (
            <button
              key={format}
              type="button"
              disabled={!server.reachable}
              onClick={() => download(client.http, job.id, format).catch((e: unknown) => setActionError(String(e)))}
            >
              Download {format.toUpperCase()}
            </button>
          ))}
        </div>
      )}
      <ErrorBoundary name="results">
        {live.data.partials.length > 0 && live.data.partials.every(isUtterance) ? (
          <div className="partials">
            <h2>Transcript</h2>
            {!live.data.historyComplete && (
              <p className="note">Earlier results could not be replayed; they are in the downloads.</p>
            )}
            <MediaTranscript client={client} job={job} utterances={live.data.partials} />
          </div>
        ) : (
          <Partials partials={live.data.partials} complete={live.data.historyComplete} />
        )}
      </ErrorBoundary>
    </section>
  );
}

/** Where a queued job stands: read again every few seconds, since the queue moves without this job's events. */
function useQueuePosition(client: LiveClient, id: string, queued: boolean): number | undefined {
  const [position, setPosition] = useState<number>();
  useEffect(() => {
    if (!queued) return;
    let live = true;
    const read = () =>
      client.http.job(id).then(
        (s) => live && setPosition(s.queuePosition),
        () => undefined,
      );
    void read();
    const every = setInterval(read, 5000);
    return () => {
      live = false;
      clearInterval(every);
      setPosition(undefined); // no longer queued (or another job): the old place means nothing
    };
  }, [client, id, queued]);
  return position;
}

/** Uploading → Queued → Running → Finalizing → Done / Failed / Cancelled: where the job is, at a glance. */
const STEPS = ['Uploaded', 'Queued', 'Running', 'Finalizing', 'Done'] as const;

export function currentStep(job: JobSnapshot): number {
  if (job.state === 'queued' || job.state === 'retry_scheduled') return 1;
  if (job.state === 'running') return /finaliz|segmenting/i.test(job.stage ?? '') ? 3 : 2;
  return 4;
}

function Timeline({ job, queuePosition }: { job: JobSnapshot; queuePosition?: number }) {
  const step = currentStep(job);
  const end = job.state === 'failed' ? 'Failed' : job.state === 'cancelled' ? 'Cancelled' : 'Done';
  const now = useNow();
  const eta = job.eta ? (Date.parse(job.eta) - now) / 1000 : null;
  return (
    <div className="timeline">
      <ol aria-label="Job stages">
        {STEPS.map((name, i) => (
          <li
            key={name}
            className={i < step ? 'done' : i === step ? 'current' : ''}
            aria-current={i === step ? 'step' : undefined}
          >
            {i === STEPS.length - 1 ? end : name}
          </li>
        ))}
      </ol>
      <div className="now" data-testid="job-status">
        {job.state === 'retry_scheduled' && job.retryAt && (
          <p>
            Retrying at {clock(Date.parse(job.retryAt))} (attempt {job.attempt + 1} of {job.maxAttempts}).
          </p>
        )}
        {job.state === 'queued' && (
          <p data-testid="queue">
            Waiting for a free worker
            {queuePosition ? ` — ${queuePosition === 1 ? 'next in line' : `number ${queuePosition} in the queue`}` : ''}
            .
          </p>
        )}
        {job.state === 'running' && (
          <>
            <p>
              <span data-testid="stage">{job.stage ?? 'Starting'}</span> · {percent(job.progress)}
              {eta !== null && eta > 0 && <> · about {duration(eta)} left</>}
            </p>
            <ProgressBar value={job.progress} label="Job progress" />
          </>
        )}
        {job.state === 'succeeded' && <p>Finished {job.finishedAt ? clock(Date.parse(job.finishedAt)) : ''}.</p>}
      </div>
    </div>
  );
}

function Partials({ partials, complete }: { partials: unknown[]; complete: boolean }) {
  if (partials.length === 0) return null;
  return (
    <div className="partials">
      <h2>Text</h2>
      {!complete && <p className="note">Earlier results could not be replayed; they are in the downloads.</p>}
      <ol className="partial-list" data-testid="partials">
        {partials.map((p, i) => (
          <li key={i}>
            {isSegment(p) ? (
              <>
                {p.pages && (
                  <span className="time">
                    p. {p.pages.from}
                    {p.pages.to !== p.pages.from ? `–${p.pages.to}` : ''}
                  </span>
                )}{' '}
                {p.text}
              </>
            ) : (
              <code>{JSON.stringify(p)}</code>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}
