import {
  memo,
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import { defaultRangeExtractor, useVirtualizer, type Range } from '@tanstack/react-virtual';
import { editOf, type Segment } from './edits';
import { SegmentHistory, type Revisions } from './SegmentHistory';
import { useChanged } from './useChanged';
import { useHeldDraft } from './useHeldDraft';

/**
 * A long list of segments (a transcript's lines, a document's passages), virtualised: only the rows
 * in view (and a few around) exist in the page, so 10,000 segments scroll as smoothly as ten. Rows
 * are memoised and render again only when their own segment, or whether they play or are edited,
 * changes. With {@link onSave} the text can be corrected: click it or press Enter on a row to edit,
 * Enter (or Ctrl+Enter) to save, Shift+Enter for a new line, Escape to cancel; the arrow keys, Home
 * and End move between rows.
 */
export function SegmentList({
  segments,
  renderLead,
  playing = -1,
  now = -1,
  onSave,
  revisions,
  holdDraft,
  label,
  generation,
  target,
}: {
  segments: Segment[];
  /** What opens a row (its time, its speaker); must be memoised by the caller, or every row renders again. */
  renderLead?: (segment: Segment) => ReactNode;
  /** The id of the segment being played, if any; {@link now} (seconds) reaches only that row. */
  playing?: number;
  now?: number;
  /** Saves a row's new text; absent when the text cannot be edited. Rejects to keep the row open. */
  onSave?: (segment: Segment, text: string) => Promise<void>;
  /** A row being edited offers its history from these; must be stable across renders. */
  revisions?: Revisions;
  /**
   * Holds a field's changed text, not saved yet, for a download of the result to save first as Enter would
   * (until the function answered is called); must be stable across renders.
   */
  holdDraft?: (send: () => void) => () => void;
  label: string;
  /** When it changes (the segments were read afresh), an open field closes. */
  generation?: number;
  /** The id of a segment to scroll to and mark (a search hit), once the segments are there. */
  target?: number;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const segmentsNow = useRef(segments);
  segmentsNow.current = segments;
  const [active, setActive] = useState(0);
  const [editing, setEditing] = useState<number>();
  const focusWanted = useRef(false);
  if (useChanged([generation]) && editing !== undefined) setEditing(undefined);
  const rangeExtractor = useRangeWith(editing);
  // The virtualizer is read afresh each render on purpose; rows are memoised by their own props instead.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: segments.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 44,
    overscan: 6,
    initialRect: { width: 800, height: 600 },
    rangeExtractor,
  });

  const focusRow = useCallback(
    (index: number) => {
      const target = Math.max(0, Math.min(segments.length - 1, index));
      focusWanted.current = true;
      setActive(target);
      virtualizer.scrollToIndex(target, { align: 'auto' });
    },
    [segments.length, virtualizer],
  );
  // A search hit's segment: scrolled to once, as soon as it is in the list.
  const targetIndex = target === undefined ? -1 : segments.findIndex((s) => s.id === target);
  const shownTarget = useRef(false);
  useEffect(() => {
    if (targetIndex < 0 || shownTarget.current) return;
    shownTarget.current = true;
    setActive(targetIndex);
    virtualizer.scrollToIndex(targetIndex, { align: 'center' });
  }, [targetIndex, virtualizer]);
  // A row scrolled into view only exists after the render: focus it then.
  useEffect(() => {
    if (!focusWanted.current || editing !== undefined) return;
    const row = scroller.current?.querySelector<HTMLElement>(`[data-row="${active}"]`);
    if (row) {
      focusWanted.current = false;
      row.focus({ preventScroll: true });
    }
  });

  // The open field's change typed but not saved yet: opening another row, or leaving the list, saves it as
  // Enter would instead of dropping it (Escape is how a change is given up). It is held for a download too.
  const openDraft = useRef<() => void>(undefined);
  const holdRowDraft = useCallback(
    (send: () => void) => {
      openDraft.current = send;
      const release = holdDraft?.(send);
      return () => {
        if (openDraft.current === send) openDraft.current = undefined;
        release?.();
      };
    },
    [holdDraft],
  );
  // A layout effect's cleanup runs before the field's own (passive) one lets go of the change.
  useLayoutEffect(() => () => openDraft.current?.(), []);
  // The segments whose save is in flight: such a row does not open again until the save answers, since its
  // field would start from the text before the correction (and leaving it would save that over the correction).
  const [savingRows, setSavingRows] = useState<ReadonlySet<number>>(() => new Set());
  const savingNow = useRef(savingRows);
  savingNow.current = savingRows;
  const saveRow = useCallback(
    async (segment: Segment, text: string) => {
      if (!onSave) return;
      setSavingRows((rows) => new Set(rows).add(segment.id));
      try {
        await onSave(segment, text);
      } finally {
        setSavingRows((rows) => {
          const left = new Set(rows);
          left.delete(segment.id);
          return left;
        });
      }
    },
    [onSave],
  );
  const startEdit = useCallback(
    (index: number) => {
      if (!onSave) return;
      const segment = segmentsNow.current[index];
      if (segment && savingNow.current.has(segment.id)) return;
      openDraft.current?.();
      setActive(index);
      setEditing(index);
    },
    [onSave],
  );
  // The row being edited as last rendered, for a row's field to tell whether it is still the one open.
  const editingNow = useRef(editing);
  useLayoutEffect(() => {
    editingNow.current = editing;
  });
  // Closes row `index`'s field if it is still the one open: a save finishes after the user may have moved
  // on (one sent by a download, or by Enter, while they opened another row), and must not close that row.
  const stopEdit = useCallback((index: number) => {
    if (editingNow.current !== index) return;
    setEditing((now) => (now === index ? undefined : now));
    focusWanted.current = true;
  }, []);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if ((e.target as HTMLElement).tagName === 'TEXTAREA') return;
    const moves: Record<string, number> = {
      ArrowDown: active + 1,
      ArrowUp: active - 1,
      PageDown: active + 10,
      PageUp: active - 10,
      Home: 0,
      End: segments.length - 1,
    };
    if (e.key in moves) {
      e.preventDefault();
      focusRow(moves[e.key]);
    } else if (e.key === 'Enter' && onSave && (e.target as HTMLElement).dataset.row !== undefined) {
      e.preventDefault();
      startEdit(active);
    }
  };

  return (
    <div ref={scroller} className="segment-scroller" data-testid="segments" onKeyDown={onKeyDown}>
      <ol
        className="partial-list segment-list"
        aria-label={label}
        data-testid="partials"
        style={{ height: virtualizer.getTotalSize() }}
      >
        {virtualizer.getVirtualItems().map((item) => {
          const segment = segments[item.index];
          const isPlaying = segment.id === playing;
          return (
            <li
              key={item.key}
              data-index={item.index}
              data-row={item.index}
              data-segment={segment.id}
              ref={virtualizer.measureElement}
              tabIndex={item.index === active ? 0 : -1}
              className={`segment${isPlaying ? ' current' : ''}${segment.edited ? ' edited' : ''}${segment.id === target ? ' found' : ''}`}
              aria-current={segment.id === target ? 'location' : undefined}
              style={{ transform: `translateY(${item.start}px)` }}
            >
              <SegmentRow
                index={item.index}
                segment={segment}
                editing={item.index === editing}
                playing={isPlaying}
                now={isPlaying ? now : -1}
                renderLead={renderLead}
                editable={onSave !== undefined}
                saving={savingRows.has(segment.id)}
                onSave={onSave && saveRow}
                revisions={revisions}
                holdDraft={holdRowDraft}
                onStart={startEdit}
                onStop={stopEdit}
              />
            </li>
          );
        })}
      </ol>
    </div>
  );
}

/**
 * The rows in view and around, and also row {@link kept} wherever it is: the row being corrected
 * stays in the page when scrolled away, since its field holds the unsaved text.
 */
function useRangeWith(kept: number | undefined): (range: Range) => number[] {
  return useCallback(
    (range: Range) => {
      const rows = defaultRangeExtractor(range);
      if (kept === undefined || kept >= range.count || rows.includes(kept)) return rows;
      return [...rows, kept].sort((a, b) => a - b);
    },
    [kept],
  );
}

/** One row's content: the lead, then the text, or the field that edits it. */
const SegmentRow = memo(function SegmentRow({
  index,
  segment,
  editing,
  playing,
  now,
  renderLead,
  editable,
  saving,
  onSave,
  revisions,
  holdDraft,
  onStart,
  onStop,
}: {
  index: number;
  segment: Segment;
  editing: boolean;
  playing: boolean;
  now: number;
  renderLead?: (segment: Segment) => ReactNode;
  editable: boolean;
  /** Whether the row's save is in flight: it cannot be opened again until the save answers. */
  saving: boolean;
  onSave?: (segment: Segment, text: string) => Promise<void>;
  revisions?: Revisions;
  holdDraft?: (send: () => void) => () => void;
  onStart(index: number): void;
  /** Closes row {@link index}'s field, if that row is still the one being edited. */
  onStop(index: number): void;
}) {
  const stop = useCallback(() => onStop(index), [onStop, index]);
  return (
    <>
      {renderLead?.(segment)}
      {editing && onSave ? (
        <>
          <SegmentField segment={segment} onSave={onSave} holdDraft={holdDraft} onStop={stop} />
          {revisions && <SegmentHistory segment={segment} revisions={revisions} onRestored={stop} />}
        </>
      ) : (
        <span
          className={`segment-text${editable && !saving ? ' editable' : ''}${saving ? ' saving' : ''}`}
          title={saving ? 'Saving…' : editable ? 'Click or press Enter to correct' : undefined}
          aria-busy={saving || undefined}
          onClick={editable && !saving ? () => onStart(index) : undefined}
        >
          {segment.words && playing
            ? segment.words.map((w, j) => (
                <span key={j} className={`word${now >= w.start && now < w.end ? ' playing' : ''}`}>
                  {w.word}{' '}
                </span>
              ))
            : segment.text}
          {segment.edited && (
            <span className="edited-mark" title="Corrected by hand">
              {' '}
              ✎
            </span>
          )}
        </span>
      )}
    </>
  );
});

/** A row's text being corrected; a change not saved yet is held for a download to save first ({@link useHeldDraft}). */
function SegmentField({
  segment,
  onSave,
  holdDraft,
  onStop,
}: {
  segment: Segment;
  onSave(segment: Segment, text: string): Promise<void>;
  holdDraft?: (send: () => void) => () => void;
  onStop(): void;
}) {
  const [draft, setDraft] = useState(segment.text);
  // Whether this field is still in the page: a save that answers after it closed (sent as another row was
  // opened) must not close the field opened since, even on the same row.
  const open = useRef(true);
  useEffect(() => {
    open.current = true;
    return () => {
      open.current = false;
    };
  }, []);
  const send = useCallback(
    async (text: string) => {
      await onSave(segment, text); // when refused, the list says why
      if (open.current) onStop();
    },
    [onSave, segment, onStop],
  );
  const { saving, save } = useHeldDraft(holdDraft, draft, editOf(segment, draft) !== null, send);
  return (
    <textarea
      className="segment-field"
      aria-label={`Text of segment ${segment.id + 1}`}
      value={draft}
      autoFocus
      disabled={saving}
      rows={Math.min(8, Math.max(1, Math.ceil(draft.length / 80)))}
      onChange={(e) => setDraft(e.target.value)}
      onFocus={(e) => e.currentTarget.setSelectionRange(draft.length, draft.length)}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          onStop();
        } else if (e.key === 'Enter' && (!e.shiftKey || e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          void save();
        }
      }}
    />
  );
}
