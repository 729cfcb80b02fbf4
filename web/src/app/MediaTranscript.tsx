import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { JobSnapshot, LiveClient } from '../live';
import { messageOf } from './errors';
import { timestamp } from './format';
import { segmentsOf, type Segment } from './edits';
import type { Target } from './router';
import type { Revisions } from './SegmentHistory';
import { SegmentList } from './SegmentList';
import { asTranscript, displayName, isUtterance, type SpeakerNames, type Utterance } from './speakers';
import { EditBar, useEditing } from './useEditing';
import { useHeldDraft } from './useHeldDraft';
import { useLoad } from './useLoad';

export { isUtterance, type Utterance };

/** One empty set of names, so that rows memoised on them do not render again for a new but equal one. */
const NO_NAMES: SpeakerNames = {};

/**
 * A transcript as it grows, then as stored: once the job has succeeded the stored one is read (its
 * speakers' names and the owner's corrections live only there), and its lines can be corrected.
 */
export function Transcript({
  client,
  job,
  partials,
  complete,
  target,
}: {
  client: LiveClient;
  job: JobSnapshot;
  partials: Utterance[];
  complete: boolean;
  target?: Target;
}) {
  const href = job.state === 'succeeded' ? job.result?.href : undefined;
  const final = useLoad(async () => {
    if (href === undefined) return null;
    const result = await client.http.call(href);
    return { transcript: asTranscript(result), segments: segmentsOf(result) };
  }, [client, href]);
  const stored = final.data?.transcript ?? null;
  // Names saved since the result was read are the editing's (undo takes them back); a job run again (a manual
  // retry) has a result of its own, read afresh.
  const editing = useEditing(client.http, job.id, final.data?.segments ?? null, stored?.speakerNames);
  const names = editing.names;
  const segments = useIndexed(editing.segments ?? stored?.segments ?? partials);
  if (segments.length === 0) return null;

  return (
    <div className="partials">
      <h2>Transcript</h2>
      {!stored && !complete && (
        <p className="note">Earlier results could not be replayed; they are in the downloads.</p>
      )}
      {final.error !== undefined && (
        <p className="note">The stored transcript could not be read: {messageOf(final.error)}</p>
      )}
      {editing.segments && <EditBar editing={editing} reload={final.reload} />}
      <MediaTranscript
        client={client}
        job={job}
        segments={segments}
        names={names}
        onRename={stored && segments.some((u) => u.speaker !== undefined) ? editing.rename : undefined}
        onSave={editing.segments ? editing.save : undefined}
        revisions={editing.segments ? editing.revisions : undefined}
        holdDraft={editing.holdDraft}
        generation={editing.generation}
        target={target}
      />
    </div>
  );
}

/** Numbered copies of lines without ids, one per line object, so a line that did not change keeps its row. */
const indexed = new WeakMap<object, Segment>();

/** Lines without ids (live partials, a result read before ids existed) numbered by place. */
function useIndexed(utterances: (Utterance | Segment)[]): Segment[] {
  return useMemo(
    () =>
      utterances.map((u, i) => {
        if ('id' in u && 'version' in u) return u;
        let segment = indexed.get(u);
        if (!segment || segment.id !== i) {
          segment = { ...u, id: i, version: 0 };
          indexed.set(u, segment);
        }
        return segment;
      }),
    [utterances],
  );
}

interface Media {
  href: string;
  video: boolean;
}

/** The job's input as a playable recording, when it is audio or video. */
function useMedia(client: LiveClient, fileId: string | undefined): Media | undefined {
  const [media, setMedia] = useState<{ fileId: string; media: Media }>();
  useEffect(() => {
    if (!fileId) return;
    let live = true;
    const path = `/api/v1/files/${encodeURIComponent(fileId)}`;
    (async () => {
      const file = (await client.http.call(path)) as { mediaType?: unknown };
      const type = typeof file.mediaType === 'string' ? file.mediaType : '';
      if (!type.startsWith('audio/') && !type.startsWith('video/')) return;
      const link = (await client.http.call(`${path}/link`, { method: 'POST' })) as { href?: unknown };
      if (live && typeof link.href === 'string') {
        setMedia({ fileId, media: { href: link.href, video: type.startsWith('video/') } });
      }
    })().catch(() => undefined); // no player, the transcript still shows
    return () => {
      live = false;
    };
  }, [client, fileId]);
  return media && media.fileId === fileId ? media.media : undefined;
}

/**
 * The recording next to its transcript: click a line's time to hear it; what is playing is
 * highlighted. Each line says who speaks, when the engine tells speakers apart.
 */
export function MediaTranscript({
  client,
  job,
  segments,
  names = NO_NAMES,
  onRename,
  onSave,
  revisions,
  holdDraft,
  generation,
  target,
}: {
  client: LiveClient;
  job: JobSnapshot;
  segments: Segment[];
  names?: SpeakerNames;
  /** Saves a speaker's name; absent when names cannot be changed (yet). */
  onRename?(speaker: string, name: string): Promise<void>;
  /** Saves a line's corrected text; absent when lines cannot be corrected (yet). */
  onSave?(segment: Segment, text: string): Promise<void>;
  /** A corrected line's history; absent when lines cannot be corrected (yet). */
  revisions?: Revisions;
  /** Holds a line's text or a speaker's name typed but not saved, for a download to send first. */
  holdDraft?(send: () => void): () => void;
  generation?: number;
  /** A search hit's segment to show and moment to start the player at (not playing: the user presses play). */
  target?: Target;
}) {
  const media = useMedia(client, job.input?.fileId);
  const [now, setNow] = useState(-1);
  const player = useRef<HTMLMediaElement>(null);

  const seek = useCallback((seconds: number) => {
    const element = player.current;
    if (!element) return;
    element.currentTime = seconds;
    void element.play().catch(() => undefined);
  }, []);
  const hasMedia = media !== undefined;
  const renderLead = useCallback(
    (u: Segment) => (
      <>
        {hasMedia ? (
          <button
            type="button"
            className="time link"
            onClick={() => seek(u.start ?? 0)}
            aria-label={`Play from ${timestamp(u.start ?? 0)}`}
          >
            {timestamp(u.start ?? 0)}
          </button>
        ) : (
          <span className="time">{timestamp(u.start ?? 0)}</span>
        )}{' '}
        {u.speaker !== undefined && (
          <>
            <SpeakerLabel id={u.speaker} names={names} onRename={onRename} holdDraft={holdDraft} />{' '}
          </>
        )}
      </>
    ),
    [hasMedia, seek, names, onRename, holdDraft],
  );
  const playing = now < 0 ? -1 : (segments.find((u) => now >= (u.start ?? 0) && now < (u.end ?? 0))?.id ?? -1);

  return (
    <div className="media-transcript">
      {media &&
        (media.video ? (
          <video
            ref={player as React.RefObject<HTMLVideoElement>}
            src={media.href}
            controls
            preload="metadata"
            className="player"
            onTimeUpdate={(e) => setNow(e.currentTarget.currentTime)}
            onLoadedMetadata={(e) => startAt(e.currentTarget, target?.t)}
            aria-label="The recording"
          />
        ) : (
          <audio
            ref={player as React.RefObject<HTMLAudioElement>}
            src={media.href}
            controls
            preload="metadata"
            className="player"
            onTimeUpdate={(e) => setNow(e.currentTarget.currentTime)}
            onLoadedMetadata={(e) => startAt(e.currentTarget, target?.t)}
            aria-label="The recording"
            data-testid="player"
          />
        ))}
      <SegmentList
        segments={segments}
        renderLead={renderLead}
        playing={playing}
        now={now}
        onSave={onSave}
        revisions={revisions}
        holdDraft={holdDraft}
        label="Transcript"
        generation={generation}
        target={target?.segment}
      />
    </div>
  );
}

/** Puts a player that has just loaded at `seconds` (a search hit's moment), once. */
function startAt(player: HTMLMediaElement, seconds: number | undefined): void {
  if (seconds !== undefined && player.currentTime === 0) player.currentTime = seconds;
}

/**
 * Who speaks a line; with {@link onRename}, a click turns it into a field to name that speaker everywhere, whose
 * name typed but not saved {@link holdDraft} holds for a download to save first, as a line's field does.
 */
function SpeakerLabel({
  id,
  names,
  onRename,
  holdDraft,
}: {
  id: string;
  names: SpeakerNames;
  onRename?(speaker: string, name: string): Promise<void>;
  holdDraft?(send: () => void): () => void;
}) {
  const name = displayName(id, names);
  const [open, setOpen] = useState(false);
  const stop = useCallback(() => setOpen(false), []);
  if (!onRename) {
    return (
      <span className="speaker" data-speaker={id}>
        {name}:
      </span>
    );
  }
  if (!open) {
    return (
      <button
        type="button"
        className="speaker link"
        data-speaker={id}
        title={name === id ? 'Name this speaker' : `${id}: rename`}
        aria-label={`Rename ${name}`}
        onClick={() => setOpen(true)}
      >
        {name}:
      </button>
    );
  }
  return (
    <SpeakerField id={id} saved={name === id ? '' : name} onRename={onRename} holdDraft={holdDraft} onStop={stop} />
  );
}

/** A speaker's name being typed, from {@link saved} (empty when it has none); Save sends it trimmed. */
function SpeakerField({
  id,
  saved,
  onRename,
  holdDraft,
  onStop,
}: {
  id: string;
  saved: string;
  onRename(speaker: string, name: string): Promise<void>;
  holdDraft?(send: () => void): () => void;
  onStop(): void;
}) {
  const [draft, setDraft] = useState(saved);
  const [error, setError] = useState<string>();
  // What the field holds now: the input stays editable while a name is saved (one sent by a download, say),
  // and a save that finds the name changed since leaves the field open with it (held again, being unsaved).
  const typed = useRef(draft);
  useLayoutEffect(() => {
    typed.current = draft;
  });
  const send = useCallback(
    async (name: string) => {
      setError(undefined);
      try {
        await onRename(id, name.trim());
      } catch (e) {
        setError(messageOf(e));
        throw e;
      }
      if (typed.current === name) onStop();
    },
    [id, onRename, onStop],
  );
  const { saving, save } = useHeldDraft(holdDraft, draft, draft.trim() !== saved.trim(), send);
  return (
    <form
      className="rename"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <input
        aria-label={`Name for ${id}`}
        value={draft}
        placeholder={id}
        autoFocus
        maxLength={100}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => e.key === 'Escape' && onStop()}
      />{' '}
      <button type="submit" disabled={saving}>
        Save
      </button>{' '}
      <button type="button" className="link" onClick={onStop}>
        Cancel
      </button>
      {error && (
        <span role="alert" className="field-error">
          {error}
        </span>
      )}
    </form>
  );
}
