import { useEffect, useRef, useState } from 'react';
import type { JobSnapshot, LiveClient } from '../live';
import { messageOf } from './errors';
import { timestamp } from './format';
import { asTranscript, displayName, isUtterance, renameSpeaker, type SpeakerNames, type Utterance } from './speakers';
import { useChanged } from './useChanged';
import { useLoad } from './useLoad';

export { isUtterance, type Utterance };

/**
 * A transcript as it grows, then as stored: the final one is read once the job has succeeded when
 * it has speakers (their names live only in the result) or when the live partials are not all there.
 */
export function Transcript({
  client,
  job,
  partials,
  complete,
}: {
  client: LiveClient;
  job: JobSnapshot;
  partials: Utterance[];
  complete: boolean;
}) {
  const speakers = partials.some((u) => u.speaker !== undefined);
  const href = job.state === 'succeeded' ? job.result?.href : undefined;
  const wanted = href !== undefined && (speakers || !complete || partials.length === 0);
  const final = useLoad(
    async () => (wanted ? asTranscript(await client.http.call(href)) : null),
    [client, href, wanted],
  );
  const stored = final.data ?? null;
  // Names saved since the result was read; a job run again (a manual retry) has a result of its own.
  const [renamed, setRenamed] = useState<SpeakerNames>();
  if (useChanged([href, wanted]) && renamed) setRenamed(undefined);
  const names = renamed ?? stored?.speakerNames ?? {};
  const utterances = stored?.segments ?? partials;
  if (utterances.length === 0) return null;

  const rename = async (speaker: string, name: string) => {
    setRenamed(await renameSpeaker(client.http, job.id, speaker, name));
  };
  return (
    <div className="partials">
      <h2>Transcript</h2>
      {!stored && !complete && (
        <p className="note">Earlier results could not be replayed; they are in the downloads.</p>
      )}
      {final.error !== undefined && (
        <p className="note">The stored transcript could not be read: {messageOf(final.error)}</p>
      )}
      <MediaTranscript
        client={client}
        job={job}
        utterances={utterances}
        names={names}
        onRename={stored && utterances.some((u) => u.speaker !== undefined) ? rename : undefined}
      />
    </div>
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
 * The recording next to its transcript: click a line or a word to hear it; what is playing is
 * highlighted. Each line says who speaks, when the engine tells speakers apart.
 */
export function MediaTranscript({
  client,
  job,
  utterances,
  names = {},
  onRename,
}: {
  client: LiveClient;
  job: JobSnapshot;
  utterances: Utterance[];
  names?: SpeakerNames;
  /** Saves a speaker's name; absent when names cannot be changed (yet). */
  onRename?(speaker: string, name: string): Promise<void>;
}) {
  const media = useMedia(client, job.input?.fileId);
  const [now, setNow] = useState(-1);
  const player = useRef<HTMLMediaElement>(null);

  const seek = (seconds: number) => {
    const element = player.current;
    if (!element) return;
    element.currentTime = seconds;
    void element.play().catch(() => undefined);
  };

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
            aria-label="The recording"
            data-testid="player"
          />
        ))}
      <ol className="partial-list transcript" data-testid="partials">
        {utterances.map((u, i) => {
          const current = now >= u.start && now < u.end;
          return (
            <li key={i} className={current ? 'current' : undefined}>
              {media ? (
                <button
                  type="button"
                  className="time link"
                  onClick={() => seek(u.start)}
                  aria-label={`Play from ${timestamp(u.start)}`}
                >
                  {timestamp(u.start)}
                </button>
              ) : (
                <span className="time">{timestamp(u.start)}</span>
              )}{' '}
              {u.speaker !== undefined && (
                <>
                  <SpeakerLabel id={u.speaker} names={names} onRename={onRename} />{' '}
                </>
              )}
              {u.words
                ? u.words.map((w, j) => (
                    <span key={j}>
                      <span
                        role="button"
                        tabIndex={0}
                        className={`word${now >= w.start && now < w.end ? ' playing' : ''}`}
                        onClick={() => seek(w.start)}
                        onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && seek(w.start)}
                      >
                        {w.word}
                      </span>{' '}
                    </span>
                  ))
                : u.text}
            </li>
          );
        })}
      </ol>
    </div>
  );
}

/** Who speaks a line; with {@link onRename}, a click turns it into a field to name that speaker everywhere. */
function SpeakerLabel({
  id,
  names,
  onRename,
}: {
  id: string;
  names: SpeakerNames;
  onRename?(speaker: string, name: string): Promise<void>;
}) {
  const name = displayName(id, names);
  const [draft, setDraft] = useState<string>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string>();
  if (!onRename) {
    return (
      <span className="speaker" data-speaker={id}>
        {name}:
      </span>
    );
  }
  if (draft === undefined) {
    return (
      <button
        type="button"
        className="speaker link"
        data-speaker={id}
        title={name === id ? 'Name this speaker' : `${id}: rename`}
        aria-label={`Rename ${name}`}
        onClick={() => {
          setDraft(name === id ? '' : name);
          setError(undefined);
        }}
      >
        {name}:
      </button>
    );
  }
  const save = async () => {
    setSaving(true);
    setError(undefined);
    try {
      await onRename(id, draft.trim());
      setDraft(undefined);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setSaving(false);
    }
  };
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
        onKeyDown={(e) => e.key === 'Escape' && setDraft(undefined)}
      />{' '}
      <button type="submit" disabled={saving}>
        Save
      </button>{' '}
      <button type="button" className="link" onClick={() => setDraft(undefined)}>
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
