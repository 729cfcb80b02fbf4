import { useMemo, useState } from 'react';
import { isObject, JOB_STATES as STATES, malformed, useJobs, type JobSnapshot, type LiveClient } from '../live';
import { age, clock, duration } from './format';
import { Link } from './Link';
import { ProgressBar } from './ProgressBar';
import { jobsPath, navigate } from './router';
import { DELETED_FILE, inputDeleted, type ProcessorInfo } from './processors';
import { RecentBatches } from './RecentBatches';
import { useQuietLoad } from './useLoad';
import { ErrorLine } from './ErrorLine';

const PAGE = 25;

/** Jobs per state from the server (all of yours, not just the loaded pages), read again as the list changes. */
function useCounts(client: LiveClient, type: string, changes: string): Record<string, number> {
  return useQuietLoad(
    async () => {
      const body = await client.http.call(`/api/v1/jobs/counts${type ? `?type=${encodeURIComponent(type)}` : ''}`);
      const found = isObject(body) ? body.counts : undefined;
      if (!isObject(found) || !Object.values(found).every((n) => typeof n === 'number')) throw malformed('job counts');
      return found as Record<string, number>;
    },
    [client, type, changes],
    {},
  );
}

/** Your jobs, newest first, kept current live; filter by state and type (kept in the address). */
export function JobsPage({
  client,
  types,
  processors = [],
  state = '',
  type = '',
}: {
  client: LiveClient;
  types: string[];
  /** What tells a job whose file was deleted from one that never had a file. */
  processors?: ProcessorInfo[];
  state?: string;
  type?: string;
}) {
  const [pages, setPages] = useState(1);
  const setState = (next: string) => navigate(jobsPath(next, type));
  const setType = (next: string) => navigate(jobsPath(state, next));
  const jobs = useJobs(client, { state: state || undefined, type: type || undefined, limit: PAGE, pages });
  // Counts change only when a job appears or changes state, not with every progress event.
  const states = useMemo(() => jobs.data.map((job) => `${job.id}:${job.state}`).join(), [jobs.data]);
  const counts = useCounts(client, type, states);
  // The type filtered by is one of the select's options even when it is not among the processors offered
  // (not loaded yet, a test one, or gone), so the select says what the list shows rather than All.
  const typeOptions = type && !types.includes(type) ? [...types, type] : types;

  return (
    <section className="panel" aria-labelledby="jobs-title">
      <div className="panel-head">
        <h1 id="jobs-title">Jobs</h1>
        <Link to="/new" className="button">
          New job
        </Link>
      </div>
      <div className="filters">
        <label>
          State
          <select value={state} onChange={(e) => setState(e.target.value)}>
            <option value="">All</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s.replace('_', ' ')}
              </option>
            ))}
          </select>
        </label>
        <label>
          Type
          <select value={type} onChange={(e) => setType(e.target.value)}>
            <option value="">All</option>
            {typeOptions.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <p className="counts" aria-label="Jobs per state">
          {STATES.filter((s) => (counts[s] ?? 0) > 0).map((s) => (
            <span key={s} className={`badge state-${s}`}>
              {s.replace('_', ' ')} {counts[s]}
            </span>
          ))}
        </p>
      </div>
      {jobs.stale && jobs.lastSyncedAt && <p className="stale">Not live: as of {clock(jobs.lastSyncedAt)}.</p>}
      <ErrorLine>{jobs.error}</ErrorLine>
      {/* With no list read, whether there are jobs is not known: the error says why. */}
      {jobs.data.length === 0 ? (
        jobs.error ? null : state || type ? (
          <p className="empty">
            No {[state.replace('_', ' '), type].filter(Boolean).join(' ')} jobs. <Link to="/">Show all your jobs</Link>.
          </p>
        ) : (
          <p className="empty">
            No jobs yet. <Link to="/new">Start one</Link>.
          </p>
        )
      ) : (
        <ul className={`job-list${jobs.stale ? ' is-stale' : ''}`} data-testid="job-list">
          {jobs.data.map((job) => (
            <JobRow key={job.id} job={job} deleted={inputDeleted(job, processors)} />
          ))}
        </ul>
      )}
      {jobs.hasMore && (
        <button type="button" className="more" onClick={() => setPages((p) => p + 1)}>
          Show {PAGE} older jobs
        </button>
      )}
      <RecentBatches http={client.http} changes={states} />
    </section>
  );
}

/** How long the input is, where a processor measured it: "4 min 2 s", "12 pages". */
function inputLength(job: JobSnapshot): string {
  if (job.input?.duration !== undefined) return duration(job.input.duration);
  if (job.input?.pages !== undefined) return `${job.input.pages} ${job.input.pages === 1 ? 'page' : 'pages'}`;
  return '';
}

function JobRow({ job, deleted }: { job: JobSnapshot; deleted: boolean }) {
  const name = deleted ? DELETED_FILE : job.input?.name;
  return (
    <li className="job-row">
      <Link to={`/jobs/${job.id}`} className="job-link">
        <span className="job-type">{job.type}</span>
        <span className={`job-input${deleted ? ' deleted' : ''}`} title={name}>
          {name ?? ''}
        </span>
        <span className="job-length">{inputLength(job)}</span>
        <span className={`badge state-${job.state}`}>{job.state.replace('_', ' ')}</span>
        <span className="job-stage">{job.state === 'running' ? (job.stage ?? 'running') : ''}</span>
        <ProgressBar value={job.progress} label={`Progress of ${job.type} job`} />
        <span className="job-age">{age(job.createdAt)}</span>
      </Link>
    </li>
  );
}
