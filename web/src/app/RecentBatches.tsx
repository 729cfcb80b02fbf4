import type { KilnHttp } from '../live';
import { doneSummary, recentBatches, type Batch } from './batches';
import { Link } from './Link';
import { ProgressBar } from './ProgressBar';
import { useQuietLoad } from './useLoad';

const SHOWN = 5;
const NONE: Batch[] = [];

/** Your newest batches, each a link to its page; read again when `changes` (the jobs list's states) changes. */
export function RecentBatches({ http, changes }: { http: KilnHttp; changes: string }) {
  // A side list: the jobs stay usable without it.
  const batches = useQuietLoad(() => recentBatches(http, SHOWN), [http, changes], NONE);
  if (batches.length === 0) return null;
  return (
    <section aria-labelledby="batches-title" className="recent-batches">
      <h2 id="batches-title">Batches</h2>
      <ul className="job-list" data-testid="batch-list">
        {batches.map((b) => (
          <li key={b.id} className="job-row">
            <Link to={`/batches/${b.id}`} className="job-link">
              <span className="job-type">{b.type}</span>
              <span className="job-input" title={b.name}>
                {b.name ?? b.id}
              </span>
              <span className="job-stage">{doneSummary(b)}</span>
              <ProgressBar value={b.progress} label={`Progress of batch ${b.name ?? b.id}`} />
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
