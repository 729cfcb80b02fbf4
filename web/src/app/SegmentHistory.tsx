import { useState } from 'react';
import type { Revision, RevisionHistory, Segment } from './edits';
import { messageOf } from './errors';
import { dateTime } from './format';

/** Where a segment's revisions come from, and how an earlier one is brought back. */
export interface Revisions {
  load(segment: Segment): Promise<RevisionHistory>;
  /** Rejects when it was not saved (the edit bar says why). */
  restore(segment: Segment, revision: Revision): Promise<void>;
}

/**
 * A segment's history, under the field that edits it: each revision, newest first, with who made it
 * and when, and a button that brings an earlier one back (an edit from the version shown, so a change
 * made elsewhere meanwhile is refused, never overwritten).
 */
export function SegmentHistory({
  segment,
  revisions,
  onRestored,
}: {
  segment: Segment;
  revisions: Revisions;
  onRestored(): void;
}) {
  const [history, setHistory] = useState<RevisionHistory>();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const label = `segment ${segment.id + 1}`;

  const show = async () => {
    setOpen(true);
    setError(undefined);
    try {
      setHistory(await revisions.load(segment));
    } catch (e) {
      setError(`The history could not be read: ${messageOf(e)}`);
    }
  };
  const bringBack = async (revision: Revision) => {
    setBusy(true);
    try {
      await revisions.restore(segment, revision);
      onRestored();
    } catch {
      setBusy(false);
    }
  };

  if (!open) {
    return (
      <button type="button" className="history-toggle" aria-label={`History of ${label}`} onClick={() => void show()}>
        History
      </button>
    );
  }
  return (
    <div className="segment-history" role="region" aria-label={`Revisions of ${label}`}>
      {error && <p className="error">{error}</p>}
      {!history && !error && <p className="note">Reading the history…</p>}
      {history && (
        <ol>
          {history.revisions
            .slice()
            .reverse()
            .map((r) => (
              <li key={r.version} data-version={r.version}>
                <span className="revision-meta">
                  {r.version === 0 ? 'Original' : `Version ${r.version}`}
                  {r.by?.name ? ` · ${r.by.name}` : ''}
                  {r.at ? ` · ${dateTime(r.at)}` : ''}
                  {r.version === history.current ? ' · now' : ''}
                </span>{' '}
                {r.speaker && <span className="speaker">{r.speaker}: </span>}
                <span className="revision-text">{r.text}</span>{' '}
                {r.version !== history.current && (
                  <button
                    type="button"
                    disabled={busy}
                    aria-label={`Restore version ${r.version} of ${label}`}
                    onClick={() => void bringBack(r)}
                  >
                    Restore
                  </button>
                )}
              </li>
            ))}
        </ol>
      )}
    </div>
  );
}
