import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { KilnHttp } from '../live';
import {
  conflictOf,
  editOf,
  loadRevisions,
  restoreOf,
  saveEdits,
  undoOf,
  withUpdated,
  type EditRequest,
  type RenameUndo,
  type Segment,
  type UndoEntry,
} from './edits';
import type { Revisions } from './SegmentHistory';
import { messageOf } from './errors';
import { holdDraft as holdJobDraft, trackSave } from './pendingSaves';
import { renameSpeaker, type SpeakerNames } from './speakers';
import { useChanged } from './useChanged';
import { ErrorLine } from './ErrorLine';

export interface Editing {
  segments: Segment[] | null;
  /** Saves one segment's new text; stable across renders, so rows need not render again. */
  save(segment: Segment, text: string): Promise<void>;
  undo(): Promise<void>;
  /** A segment's revisions, and bringing an earlier one back; stable across renders. */
  revisions: Revisions;
  /**
   * Holds a field's text typed but not saved: a download of the result {@link send}s it first, as Enter
   * would, until the function answered is called. Stable across renders.
   */
  holdDraft(send: () => void): () => void;
  /** The speakers' names: as read with the segments, then as named since. */
  names: SpeakerNames;
  /** Names a speaker everywhere (an empty name takes the name away); undo takes it back. Stable across renders. */
  rename(speaker: string, name: string): Promise<void>;
  /** What the next undo would change ("line 3", "speaker SPEAKER_00"), if anything. */
  undoable?: string;
  problem?: { message: string; conflict: boolean };
  /** Goes up each time the segments are read afresh: open fields close then. */
  generation: number;
}

const NO_NAMES: SpeakerNames = {};

/**
 * A stored result's segments as the owner corrects them: each save is sent at once with the version
 * it was made from; the answer replaces just that segment. Undo (the button, or Ctrl+Z outside a
 * field) sends the text and speaker from before the last edit, or restores the engine's; after a speaker's
 * naming, it names the speaker as before (edits and namings are undone in the order made). An earlier revision
 * (from a segment's history) comes back as an edit from the version shown, like any other. A conflict (someone
 * else saved first) is reported, never overwritten: the owner reloads.
 */
export function useEditing(
  http: KilnHttp,
  jobId: string,
  loaded: Segment[] | null,
  loadedNames: SpeakerNames = NO_NAMES,
): Editing {
  const [segments, setSegments] = useState(loaded);
  const [renamed, setRenamed] = useState<SpeakerNames>();
  const [history, setHistory] = useState<(UndoEntry | RenameUndo)[]>([]);
  const [problem, setProblem] = useState<Editing['problem']>();
  const [generation, setGeneration] = useState(0);
  if (useChanged([loaded, jobId, loadedNames])) {
    setGeneration((g) => g + 1);
    setSegments(loaded);
    setRenamed(undefined);
    setHistory([]);
    setProblem(undefined);
  }
  const names = renamed ?? loadedNames;
  const latest = useRef({ segments, history, names });
  // Before paint, not after: a Ctrl+Z pressed as soon as an edit shows must find it to undo.
  useLayoutEffect(() => {
    latest.current = { segments, history, names };
  });
  // Each answer also goes straight into `latest`: an undo waiting reads it before React has rendered.
  const remember = useCallback((change: (now: typeof latest.current) => typeof latest.current) => {
    latest.current = change(latest.current);
  }, []);

  const fail = useCallback((error: unknown) => {
    const conflict = conflictOf(error);
    setProblem(
      conflict
        ? {
            conflict: true,
            message: `Line ${conflict.segment + 1} was changed elsewhere since you opened it (it is at version ${conflict.version} now); nothing was saved. Reload to see it.`,
          }
        : { conflict: false, message: `Not saved: ${messageOf(error)}` },
    );
    throw error;
  }, []);

  // Sends one segment's edit; the answer replaces just that segment, and undo can take it back.
  const send = useCallback(
    async (segment: Segment, edit: EditRequest) => {
      setProblem(undefined);
      const updated = await trackSave(jobId, saveEdits(http, jobId, [edit])).catch(fail);
      const entry = {
        segment: segment.id,
        before: { text: segment.text, speaker: segment.speaker, edited: !!segment.edited },
      };
      setSegments((s) => (s ? withUpdated(s, updated) : s));
      setHistory((h) => [...h, entry]);
      remember((now) => ({
        ...now,
        segments: now.segments && withUpdated(now.segments, updated),
        history: [...now.history, entry],
      }));
    },
    [http, jobId, fail, remember],
  );
  const save = useCallback(
    async (segment: Segment, text: string) => {
      const edit = editOf(segment, text);
      if (edit) await send(segment, edit);
    },
    [send],
  );
  const revisions = useMemo<Revisions>(
    () => ({
      load: (segment) => loadRevisions(http, jobId, segment.id),
      restore: (segment, revision) => send(segment, restoreOf(segment, revision)),
    }),
    [http, jobId, send],
  );

  const holdDraft = useCallback((send: () => void) => holdJobDraft(jobId, send), [jobId]);

  // A name's save that fails is told at its field (which stays open), so it is not reported here.
  const rename = useCallback(
    async (speaker: string, name: string) => {
      const before = latest.current.names[speaker] ?? '';
      const saved = await trackSave(jobId, renameSpeaker(http, jobId, speaker, name));
      setRenamed(saved);
      remember((now) => ({ ...now, names: saved }));
      if ((saved[speaker] ?? '') !== before) {
        const entry = { speaker, before };
        setHistory((h) => [...h, entry]);
        remember((now) => ({ ...now, history: [...now.history, entry] }));
      }
    },
    [http, jobId, remember],
  );

  // One undo at a time, in the order pressed: each press takes, when pressed, the latest entry no earlier press
  // has taken, so two presses undo the last two edits, as when each is answered at once, and an edit saved while
  // they are on their way is not one of them. Sent together, both would undo the same entry, or the second would
  // be refused as a conflict by the first's new version. An undo that fails keeps its entry, and the presses
  // waiting after it are dropped (they would undo out of order). The whole run counts as one save in flight, so
  // a download waits for the undos still to be sent. The entry undone is taken off by identity, not position.
  const undos = useRef<{ running: boolean; taken: (UndoEntry | RenameUndo)[] }>({ running: false, taken: [] });
  const undoEntry = useCallback(
    async (last: UndoEntry | RenameUndo): Promise<boolean> => {
      const { segments: now, history: done } = latest.current;
      if (!done.includes(last)) return false; // the transcript was loaded again meanwhile
      const segment = 'segment' in last ? now?.[last.segment] : undefined;
      if ('segment' in last && !segment) return false;
      setProblem(undefined);
      if ('segment' in last && segment) {
        const updated = await saveEdits(http, jobId, [undoOf(last, segment)]).catch(fail);
        setSegments((s) => (s ? withUpdated(s, updated) : s));
        remember((after) => ({ ...after, segments: after.segments && withUpdated(after.segments, updated) }));
      } else if (!('segment' in last)) {
        const names = await renameSpeaker(http, jobId, last.speaker, last.before).catch(fail);
        setRenamed(names);
        remember((after) => ({ ...after, names }));
      }
      setHistory((h) => h.filter((entry) => entry !== last));
      remember((after) => ({ ...after, history: after.history.filter((entry) => entry !== last) }));
      return true;
    },
    [http, jobId, fail, remember],
  );
  const undo = useCallback(async () => {
    const run = undos.current;
    const left = latest.current.history.filter((entry) => !run.taken.includes(entry));
    if (left.length === 0) return;
    run.taken.push(left[left.length - 1]);
    if (run.running) return;
    run.running = true;
    const all = async () => {
      try {
        while (run.taken.length > 0 && (await undoEntry(run.taken[0]))) run.taken.shift();
      } finally {
        run.running = false;
        run.taken = [];
      }
    };
    await trackSave(jobId, all());
  }, [jobId, undoEntry]);

  // Ctrl+Z (Cmd+Z) undoes the last edit, except in a field, where it undoes typing as usual.
  useEffect(() => {
    if (!loaded) return;
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      const typing =
        target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable);
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === 'z' && !typing) {
        e.preventDefault();
        void undo().catch(() => undefined);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [loaded, undo]);

  return {
    segments,
    save,
    undo,
    revisions,
    holdDraft,
    names,
    rename,
    undoable: undoLabel(history.at(-1)),
    problem,
    generation,
  };
}

function undoLabel(last: UndoEntry | RenameUndo | undefined): string | undefined {
  if (!last) return undefined;
  return 'segment' in last ? `line ${last.segment + 1}` : `speaker ${last.speaker}`;
}

/** Undo, and what went wrong with the last save (a conflict offers to reload). */
export function EditBar({ editing, reload }: { editing: Editing; reload(): void }) {
  return (
    <div className="edit-bar">
      <p className="note">Click a line or press Enter to correct it; Enter saves, Escape cancels.</p>
      <button
        type="button"
        disabled={editing.undoable === undefined}
        onClick={() => void editing.undo().catch(() => undefined)}
        title="Ctrl+Z"
      >
        {editing.undoable === undefined ? 'Undo' : `Undo (${editing.undoable})`}
      </button>
      {editing.problem && (
        <ErrorLine>
          {editing.problem.message}{' '}
          {editing.problem.conflict && (
            <button type="button" onClick={reload}>
              Reload
            </button>
          )}
        </ErrorLine>
      )}
    </div>
  );
}
