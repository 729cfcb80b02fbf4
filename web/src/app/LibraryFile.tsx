import { useState } from 'react';
import type { KilnHttp } from '../live';
import { useResultDownloads } from './download';
import { messageOf } from './errors';
import { bytes, dateTime } from './format';
import {
  contentUrl,
  deleteFile,
  earlierJobs,
  fileLength,
  jobsNamedBy,
  resultFormats,
  viewing,
  type LibraryFile,
  type MadeJob,
} from './library';
import { Link } from './Link';
import type { ProcessorInfo } from './processors';
import { ErrorLine } from './ErrorLine';

/** The earlier jobs of a file one "Show … earlier jobs" reads (the list gives a file its latest five). */
const EARLIER_PAGE = 50;

/** Where a deletion stands: not asked, asked to confirm, or refused for the jobs that need the file. */
type Deleting = { step: 'idle' } | { step: 'confirm' } | { step: 'in-use'; jobs: MadeJob[] };

/** One file of the library: what it is, its jobs, and what can be done with it. */
export function LibraryFileRow({
  http,
  file,
  processors,
  selected,
  onSelect,
  onDeleted,
}: {
  http: KilnHttp;
  file: LibraryFile;
  processors: ProcessorInfo[];
  selected: boolean;
  onSelect(selected: boolean): void;
  onDeleted(): void;
}) {
  const name = file.name ?? file.id;
  const [playing, setPlaying] = useState(false);
  const kind = viewing(file.mediaType);
  const url = contentUrl(http, file.id);
  return (
    <li className="library-file" data-testid="library-file" aria-label={name}>
      <div className="library-head">
        <input
          type="checkbox"
          checked={selected}
          onChange={(e) => onSelect(e.target.checked)}
          aria-label={`Select ${name}`}
        />
        <span className="library-name" title={name}>
          {name}
        </span>
        <span className="note">
          {[bytes(file.size), fileLength(file), dateTime(file.createdAt)].filter(Boolean).join(' · ')}
        </span>
      </div>
      <div className="library-actions">
        {kind === 'document' ? (
          <a href={url} target="_blank" rel="noopener">
            Open
          </a>
        ) : (
          <button type="button" className="link" onClick={() => setPlaying((p) => !p)} aria-pressed={playing}>
            {playing ? 'Hide player' : 'Play'}
          </button>
        )}
        <a href={url} download={name}>
          Download original
        </a>
        <FileDeletion http={http} file={file} onDeleted={onDeleted} />
      </div>
      {playing &&
        (kind === 'video' ? (
          <video src={url} controls preload="metadata" data-testid="library-player" />
        ) : (
          <audio src={url} controls preload="metadata" data-testid="library-player" />
        ))}
      {file.jobs.length > 0 && (
        // A new read of the list that gives the file other latest jobs starts its earlier ones afresh, from its cursor.
        <MadeJobs
          key={`${file.jobs.map((job) => job.id).join(' ')} ${file.jobsCursor ?? ''}`}
          http={http}
          file={file}
          processors={processors}
        />
      )}
    </li>
  );
}

/**
 * The jobs made from a file: the latest the list gave it, and, page by page when asked, the earlier ones (a file
 * run again and again has thousands).
 */
function MadeJobs({ http, file, processors }: { http: KilnHttp; file: LibraryFile; processors: ProcessorInfo[] }) {
  const name = file.name ?? file.id;
  const [earlier, setEarlier] = useState<MadeJob[]>([]);
  // Where the next page of earlier jobs starts: undefined before the first, null once there are no more.
  const [cursor, setCursor] = useState<string | null>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();
  const left = cursor === null || !file.jobsCursor ? 0 : Math.max(0, file.jobCount - file.jobs.length - earlier.length);
  const more = async () => {
    setLoading(true);
    setError(undefined);
    try {
      const page = await earlierJobs(http, file, EARLIER_PAGE, cursor ?? undefined);
      const known = new Set([...earlier, ...file.jobs].map((job) => job.id));
      setEarlier((current) => [...page.jobs.filter((job) => !known.has(job.id)), ...current]);
      setCursor(page.cursor);
    } catch (e) {
      setError(`Could not read the earlier jobs: ${messageOf(e)}`);
    } finally {
      setLoading(false);
    }
  };
  return (
    <ul className="library-jobs" aria-label={`Jobs made from ${name}`}>
      {left > 0 && (
        <li>
          <button type="button" className="link" disabled={loading} onClick={() => void more()}>
            {left > EARLIER_PAGE
              ? `Show ${EARLIER_PAGE} of ${left} earlier jobs`
              : `Show ${left} earlier ${left === 1 ? 'job' : 'jobs'}`}
          </button>
          <ErrorLine>{error}</ErrorLine>
        </li>
      )}
      {[...earlier, ...file.jobs].map((job) => (
        <MadeJobItem key={job.id} http={http} job={job} processors={processors} />
      ))}
    </ul>
  );
}

function MadeJobItem({ http, job, processors }: { http: KilnHttp; job: MadeJob; processors: ProcessorInfo[] }) {
  return (
    <li>
      <Link to={`/jobs/${job.id}`}>
        {job.type} <span className={`badge state-${job.state}`}>{job.state.replace('_', ' ')}</span>
      </Link>
      {job.state === 'succeeded' && (
        <ResultDownload http={http} job={job} formats={resultFormats(job.type, processors)} />
      )}
    </li>
  );
}

/**
 * A succeeded job's result, in the format chosen; like on the job's page, it waits for the corrections still
 * being saved (the button says so meanwhile), and is refused when one of them failed.
 */
function ResultDownload({ http, job, formats }: { http: KilnHttp; job: MadeJob; formats: string[] }) {
  const [format, setFormat] = useState(formats[0]);
  const [error, setError] = useState<string>();
  const downloads = useResultDownloads(http, job.id, setError);
  return (
    <span className="result-download">
      <select value={format} onChange={(e) => setFormat(e.target.value)} aria-label={`Format of ${job.id}'s result`}>
        {formats.map((f) => (
          <option key={f} value={f}>
            {f.toUpperCase()}
          </option>
        ))}
      </select>
      <button
        type="button"
        className="secondary small"
        aria-busy={downloads.preparing(format)}
        onClick={() => downloads.start(format)}
      >
        {downloads.preparing(format) ? 'Preparing result…' : 'Download result'}
      </button>
      {error && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </span>
  );
}

/**
 * Delete, once confirmed. Jobs waiting or running on the file refuse it (409 file_in_use): they are
 * named, and the file can go with them.
 */
export function FileDeletion({ http, file, onDeleted }: { http: KilnHttp; file: LibraryFile; onDeleted(): void }) {
  const [state, setState] = useState<Deleting>({ step: 'idle' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const remove = async (withJobs: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      await deleteFile(http, file.id, withJobs);
      onDeleted();
    } catch (e) {
      const jobs = jobsNamedBy(e, 'file_in_use') ?? jobsNamedBy(e, 'job_running');
      if (jobs) setState({ step: 'in-use', jobs });
      else setError(messageOf(e));
      setBusy(false);
    }
  };
  const name = file.name ?? file.id;
  // Kiln never pulls a running attempt from under its worker: deleting its file waits for a cancel.
  const running = state.step === 'in-use' && state.jobs.some((job) => job.state === 'running');
  if (state.step === 'idle')
    return (
      <>
        <button type="button" className="link danger" onClick={() => setState({ step: 'confirm' })}>
          Delete
        </button>
        {error && (
          <span role="alert" className="error">
            {error}
          </span>
        )}
      </>
    );
  return (
    <div className="confirm" role="group" aria-label={`Delete ${name}`}>
      {state.step === 'confirm' ? (
        <p>Delete {name}? Finished jobs keep their results.</p>
      ) : (
        <p>
          {name} is needed by{' '}
          {state.jobs.map((job, i) => (
            <span key={job.id}>
              {i > 0 && ', '}
              <Link to={`/jobs/${job.id}`}>
                {job.type} ({job.state.replace('_', ' ')})
              </Link>
            </span>
          ))}
          .{' '}
          {running
            ? 'A running job must be cancelled before its file can go: open it to cancel it, then delete the file.'
            : 'Delete it with its jobs?'}
        </p>
      )}
      {!running && (
        <button type="button" className="danger" disabled={busy} onClick={() => void remove(state.step === 'in-use')}>
          {state.step === 'confirm' ? 'Delete' : 'Delete with its jobs'}
        </button>
      )}
      <button type="button" disabled={busy} onClick={() => setState({ step: 'idle' })}>
        Keep it
      </button>
      <ErrorLine>{error}</ErrorLine>
    </div>
  );
}
