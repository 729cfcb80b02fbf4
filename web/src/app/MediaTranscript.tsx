import { useEffect, useRef, useState } from 'react';
import type { JobSnapshot, LiveClient } from '../live';
import { timestamp } from './format';

export interface Utterance {
  text: string;
  start: number;
  end: number;
  words?: { word: string; start: number; end: number }[];
}

export function isUtterance(value: unknown): value is Utterance {
  const u = value as Utterance;
  return (
    typeof u === 'object' &&
    u !== null &&
    typeof u.text === 'string' &&
    typeof u.start === 'number' &&
    typeof u.end === 'number' &&
    (u.words === undefined ||
      (Array.isArray(u.words) && u.words.every((w) => typeof w.word === 'string' && typeof w.start === 'number')))
  );
}

interface Media {
  href: string;
  video: boolean;
}

/** The recording next to its transcript: click a line or a word to hear it; what is playing is highlighted. */
export function MediaTranscript({
  client,
  job,
  utterances,
}: {
  client: LiveClient;
  job: JobSnapshot;
  utterances: Utterance[];
}) {
  const [media, setMedia] = useState<Media>();
  const [now, setNow] = useState(-1);
  const player = useRef<HTMLMediaElement>(null);
  const fileId = job.input.fileId;

  useEffect(() => {
    let live = true;
    Promise.all([
      client.http.call(`/api/v1/files/${encodeURIComponent(fileId)}`) as Promise<{ mediaType?: unknown }>,
      client.http.call(`/api/v1/files/${encodeURIComponent(fileId)}/link`, { method: 'POST' }) as Promise<{
        href?: unknown;
      }>,
    ]).then(
      ([file, link]) => {
        if (live && typeof link.href === 'string') {
          setMedia({
            href: link.href,
            video: typeof file.mediaType === 'string' && file.mediaType.startsWith('video/'),
          });
        }
      },
      () => undefined,
    ); // no player, the transcript still shows
    return () => {
      live = false;
    };
  }, [client, fileId]);

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
              <button
                type="button"
                className="time link"
                onClick={() => seek(u.start)}
                aria-label={`Play from ${timestamp(u.start)}`}
              >
                {timestamp(u.start)}
              </button>{' '}
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
