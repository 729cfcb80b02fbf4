import { useCallback } from 'react';
import type { JobSnapshot, LiveClient } from '../live';
import { segmentsOf, type Segment } from './edits';
import { messageOf } from './errors';
import { SegmentList } from './SegmentList';
import { EditBar, useEditing } from './useEditing';
import { useLoad } from './useLoad';

/** A finished document's text as stored, passage by passage, each one correctable by its owner. */
export function DocumentText({
  client,
  job,
  href,
  target,
}: {
  client: LiveClient;
  job: JobSnapshot;
  href: string;
  /** A search hit's segment: shown and highlighted. */
  target?: number;
}) {
  const stored = useLoad(async () => segmentsOf(await client.http.call(href)), [client, href]);
  const editing = useEditing(client.http, job.id, stored.data ?? null);
  const renderLead = useCallback(
    (s: Segment) =>
      s.pages ? (
        <>
          <span className="time">
            p. {s.pages.from}
            {s.pages.to !== s.pages.from ? `–${s.pages.to}` : ''}
          </span>{' '}
        </>
      ) : null,
    [],
  );
  if (stored.error !== undefined) {
    return <p className="note">The stored text could not be read: {messageOf(stored.error)}</p>;
  }
  if (!editing.segments || editing.segments.length === 0) return null;
  return (
    <div className="partials">
      <h2>Text</h2>
      <EditBar editing={editing} reload={stored.reload} />
      <SegmentList
        segments={editing.segments}
        renderLead={renderLead}
        onSave={editing.save}
        revisions={editing.revisions}
        holdDraft={editing.holdDraft}
        label="Text"
        generation={editing.generation}
        target={target}
      />
    </div>
  );
}
