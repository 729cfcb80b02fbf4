import { useEffect, useState } from 'react';
import { FINAL_STATES, useJob, type JobSnapshot, type LiveClient } from '../live';
import { useServerReachable } from './ConnectionBadge';
import { useResultDownloads } from './download';
import { hint, messageOf, whyNoRetry } from './errors';
import { clock, duration, lastSeen, percent } from './format';
import { Link } from './Link';
import { ProgressBar } from './ProgressBar';
import { useNow } from './useNow';
import { AnswerView } from './AskPage';
import { DocumentText } from './DocumentText';
import { ErrorBoundary } from './ErrorBoundary';
import { isUtterance, Transcript } from './MediaTranscript';
import { isSegment, JsonPartials, TextPartials } from './Partials';
import type { Target } from './router';
import {
  DELETED_FILE,
  inputDeleted,
  isTranscriptShaped,
  presence,
  type ProcessorInfo,
  type WorkerPresence,
} from './processors';
import { ResultFiles } from './ResultFiles';
import { ErrorLine } from './ErrorLine';

/** How often a queued job of a worker-served processor asks again whether a worker is there. */
const PRESENCE_REFRESH_MS = 5_000;

/** One job: where it stands, what it has produced so far, and what can be done with it. */
export function JobPage({
  client,
  id,
  processors,
  refreshProcessors,
  target,
}: {
  client: LiveClient;
  id: string;
  processors: ProcessorInfo[];
  refreshProcessors(): void;
  /** Where to open (a search hit): the segment to show and the moment to play from. */
  target?: Target;
}) {
  const live = useJob(client, id);
  const server = useServerReachable(client);
  const [actionError, setActionError] = useState<string>();
  const queued = live.data?.snapshot.state === 'queued';
  const queuePosition = useQueuePosition(client, id, queued);
  const processor = processors.find((p) => p.name === live.data?.snapshot.type);
  const served = presence(processor);
  const byWorkers = served !== null;
  useEffect(() => {
    if (!queued || !byWorkers) return;
    // Not while the client is paused in a hidden tab: nobody sees it, and it reads again once shown.
    const every = setInterval(() => !client.paused && refreshProcessors(), PRESENCE_REFRESH_MS);
    return () => clearInterval(every);
  }, [client, queued, byWorkers, refreshProcessors]);

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
      if (path === 'retry') client.followAgain(id); // SSE and polling stopped at the job's end
    } catch (e) {
      setActionError(messageOf(e));
    }
  };
  const finished = FINAL_STATES.has(job.state);
  const deleted = inputDeleted(job, processors);
  // The server takes back any failed or cancelled job, but one that cannot run differently is not offered.
  const noRetry = whyNoRetry(job, deleted);
  const retryable = (job.state === 'failed' || job.state === 'cancelled') && !noRetry;

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
          {retryable && (
            <button type="button" disabled={!server.reachable} title={server.why || undefined} onClick={act('retry')}>
              Retry
            </button>
          )}
        </div>
      </div>
      {(job.input?.name || deleted) && (
        <p className={`crumbs job-file${deleted ? ' deleted' : ''}`} data-testid="job-file">
          {deleted ? DELETED_FILE : job.input?.name}
        </p>
      )}
      {live.stale && live.lastSyncedAt && <p className="stale">Not live: as of {clock(live.lastSyncedAt)}.</p>}
      {!server.reachable && <p className="note">{server.why}</p>}
      <ErrorLine>{actionError}</ErrorLine>
      <Timeline job={job} queuePosition={queuePosition} served={served} uploaded={!!job.input || deleted} />
      {job.state === 'failed' && job.error && (
        <div role="alert" className="error-box">
          <p>
            <strong>{job.error.message}</strong> <code>{job.error.code}</code>
          </p>
          <p>{hint(job.error.code)}</p>
        </div>
      )}
      {(job.state === 'failed' || job.state === 'cancelled') && noRetry && (
        <p className="note" data-testid="no-retry">
          {noRetry}
        </p>
      )}
      {job.state === 'succeeded' && (
        <Downloads
          client={client}
          jobId={job.id}
          formats={processor?.resultFormats ?? ['json']}
          disabled={!server.reachable}
          report={setActionError}
        />
      )}
      {byWorkers && (
        <ErrorBoundary name="result files">
          <ResultFiles client={client} jobId={job.id} state={job.state} />
        </ErrorBoundary>
      )}
      <ErrorBoundary name="results">
        <Results
          client={client}
          job={job}
          processor={processor}
          partials={live.data.partials}
          complete={live.data.historyComplete}
          target={target}
        />
      </ErrorBoundary>
    </section>
  );
}

/**
 * The result in each format. A download waits for the corrections still being saved (its button says so
 * meanwhile), and is refused when one of them failed.
 */
function Downloads({
  client,
  jobId,
  formats,
  disabled,
  report,
}: {
  client: LiveClient;
  jobId: string;
  formats: string[];
  disabled: boolean;
  report(message: string | undefined): void;
}) {
  const downloads = useResultDownloads(client.http, jobId, report);
  return (
    <div className="downloads" aria-label="Downloads">
      {formats.map((format) => (
        <button
          key={format}
          type="button"
          disabled={disabled}
          aria-busy={downloads.preparing(format)}
          onClick={() => downloads.start(format)}
        >
          {downloads.preparing(format) ? `Preparing ${format.toUpperCase()}…` : `Download ${format.toUpperCase()}`}
        </button>
      ))}
    </div>
  );
}

/** What the job has produced: a transcript, a document's text, or any JSON, each in its own view. */
function Results({
  client,
  job,
  processor,
  partials,
  complete,
  target,
}: {
  client: LiveClient;
  job: JobSnapshot;
  processor?: ProcessorInfo;
  partials: unknown[];
  complete: boolean;
  target?: Target;
}) {
  if (job.type === 'answer') {
    return (
      <>
        <h2 className="question">{String(job.params.question ?? '')}</h2>
        <AnswerView client={client} job={job} partials={partials} complete={complete} />
        <p>
          <Link to={`/ask/${encodeURIComponent(job.id)}`}>Open in Ask</Link> to ask a follow-up.
        </p>
      </>
    );
  }
  // A document's passages have start and end too (offsets into its text, not seconds): never a transcript.
  const documentShaped = processor?.shape === 'document' || (!processor && job.type === 'extract');
  if (
    !documentShaped &&
    partials.every(isUtterance) &&
    (partials.length > 0 || isTranscriptShaped(processor, job.type))
  ) {
    return <Transcript client={client} job={job} partials={partials} complete={complete} target={target} />;
  }
  const href = job.state === 'succeeded' ? job.result?.href : undefined;
  if (href && documentShaped) {
    return <DocumentText client={client} job={job} href={href} target={target?.segment} />;
  }
  if (partials.every(isSegment)) return <TextPartials partials={partials} complete={complete} />;
  return <JsonPartials partials={partials} complete={complete} />;
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
    const every = setInterval(() => !client.paused && void read(), 5000); // none while paused (hidden)
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

function Timeline({
  job,
  queuePosition,
  served,
  uploaded,
}: {
  job: JobSnapshot;
  queuePosition?: number;
  served: WorkerPresence | null;
  /** Whether the job was made from a file (since deleted, maybe). */
  uploaded: boolean;
}) {
  const step = currentStep(job);
  const first = uploaded ? 'Uploaded' : 'Submitted';
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
            {i === STEPS.length - 1 ? end : i === 0 ? first : name}
          </li>
        ))}
      </ol>
      <div className="now" data-testid="job-status">
        {job.state === 'retry_scheduled' && job.retryAt && (
          <p>
            Retrying at {clock(Date.parse(job.retryAt))} (attempt {job.attempt + 1} of {job.maxAttempts}).
          </p>
        )}
        {job.state === 'queued' &&
          (served && served.workers === 0 ? (
            <p data-testid="queue" className="warn">
              Waiting for a worker: none serves {job.type} now ({lastSeen(served.lastSeenAt, now)}).
            </p>
          ) : (
            <p data-testid="queue">
              Waiting for a free worker
              {queuePosition
                ? ` — ${queuePosition === 1 ? 'next in line' : `number ${queuePosition} in the queue`}`
                : ''}
              .
            </p>
          ))}
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
