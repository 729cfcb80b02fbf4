import { useState } from 'react';
import { useJobs, type JobSnapshot, type LiveClient } from '../live';
import { age, clock } from './format';
import { Link } from './Link';
import { ProgressBar } from './ProgressBar';

const STATES = ['queued', 'retry_scheduled', 'running', 'succeeded', 'failed', 'cancelled'] as const;

/** Your jobs, newest first, kept current live; filter by state and type. */
export function JobsPage({ client, types }: { client: LiveClient; types: string[] }) {
  const [state, setState] = useState('');
  const [type, setType] = useState('');
  const jobs = useJobs(client, { state: state || undefined, type: type || undefined, limit: 100 });
  const counts = new Map<string, number>();
  for (const job of jobs.data) counts.set(job.state, (counts.get(job.state) ?? 0) + 1);

  return (
    <section className="panel" aria-labelledby="jobs-title">
      <div className="panel-head">
        <h1 id="jobs-title">Jobs</h1>
        <Link to="/new" className="button">New job</Link>
      </div>
      <div className="filters">
        <label>
          State
          <select value={state} onChange={(e) => setState(e.target.value)}>
            <option value="">All</option>
            {STATES.map((s) => <option key={s} value={s}>{s.replace('_', ' ')}</option>)}
          </select>
        </label>
        <label>
          Type
          <select value={type} onChange={(e) => setType(e.target.value)}>
            <option value="">All</option>
            {types.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </label>
        <p className="counts" aria-label="Jobs per state">
          {STATES.filter((s) => counts.has(s)).map((s) => (
            <span key={s} className={`badge state-${s}`}>{s.replace('_', ' ')} {counts.get(s)}</span>
          ))}
        </p>
      </div>
      {jobs.stale && jobs.lastSyncedAt && <p className="stale">Not live: as of {clock(jobs.lastSyncedAt)}.</p>}
      {jobs.error && <p role="alert" className="error">{jobs.error}</p>}
      {jobs.data.length === 0 ? (
        <p className="empty">No jobs yet. <Link to="/new">Start one</Link>.</p>
      ) : (
        <ul className={`job-list${jobs.stale ? ' is-stale' : ''}`} data-testid="job-list">
          {jobs.data.map((job) => <JobRow key={job.id} job={job} />)}
        </ul>
      )}
    </section>
  );
}

function JobRow({ job }: { job: JobSnapshot }) {
  return (
    <li className="job-row">
      <Link to={`/jobs/${job.id}`} className="job-link">
        <span className="job-type">{job.type}</span>
        <span className={`badge state-${job.state}`}>{job.state.replace('_', ' ')}</span>
        <span className="job-stage">{job.state === 'running' ? job.stage ?? 'running' : ''}</span>
        <ProgressBar value={job.progress} label={`Progress of ${job.type} job`} />
        <span className="job-age">{age(job.createdAt)}</span>
      </Link>
    </li>
  );
}
