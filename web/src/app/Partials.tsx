// Partial results that are not a transcript: a document's text as it is read, or whatever JSON a
// processor reports along the way (a search's best so far, a batch's counts…).

import { isObject } from '../live';

interface DocSegment {
  text: string;
  pages?: { from: number; to: number };
  heading?: string;
}

export function isSegment(value: unknown): value is DocSegment {
  return isObject(value) && typeof value.text === 'string';
}

const MISSING = 'Earlier results could not be replayed; they are in the downloads.';

/** A document's segments, in order, with their pages. */
export function TextPartials({ partials, complete }: { partials: DocSegment[]; complete: boolean }) {
  if (partials.length === 0) return null;
  return (
    <div className="partials">
      <h2>Text</h2>
      {!complete && <p className="note">{MISSING}</p>}
      <ol className="partial-list" data-testid="partials">
        {partials.map((p, i) => (
          <li key={i}>
            {p.pages && (
              <span className="time">
                p. {p.pages.from}
                {p.pages.to !== p.pages.from ? `–${p.pages.to}` : ''}
              </span>
            )}{' '}
            {p.text}
          </li>
        ))}
      </ol>
    </div>
  );
}

/** Any JSON partials: the latest in full, the earlier ones (newest first) folded away, one line each. */
export function JsonPartials({ partials, complete }: { partials: unknown[]; complete: boolean }) {
  if (partials.length === 0) return null;
  const latest = partials[partials.length - 1];
  const earlier = partials.slice(0, -1).reverse();
  return (
    <div className="partials">
      <h2>Results so far</h2>
      {!complete && <p className="note">{MISSING}</p>}
      <div className="latest-partial" data-testid="latest-partial" aria-live="polite">
        <p className="note">
          Latest (#{partials.length}
          {complete ? '' : ' of those replayed'})
        </p>
        <JsonValue value={latest} />
      </div>
      {earlier.length > 0 && (
        <details className="earlier-partials">
          <summary>
            {earlier.length} earlier {earlier.length === 1 ? 'result' : 'results'}
          </summary>
          <ol reversed className="partial-list" data-testid="earlier-partials">
            {earlier.map((p, i) => (
              <li key={earlier.length - i}>
                <code>{JSON.stringify(p)}</code>
              </li>
            ))}
          </ol>
        </details>
      )}
    </div>
  );
}

/** An object as a short table of its fields (nested values as compact JSON); anything else as JSON. */
function JsonValue({ value }: { value: unknown }) {
  if (!isObject(value) || Object.keys(value).length === 0 || Object.keys(value).length > 30) {
    return <pre className="json">{JSON.stringify(value, null, 2)}</pre>;
  }
  return (
    <dl className="json-fields">
      {Object.entries(value).map(([key, v]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{typeof v === 'string' ? v : <code>{JSON.stringify(v)}</code>}</dd>
        </div>
      ))}
    </dl>
  );
}
