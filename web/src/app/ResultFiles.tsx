import type { JobState, LiveClient } from '../live';
import { bytes } from './format';
import { useLoad } from './useLoad';

interface ResultFile {
  name: string;
  size: number;
  mediaType: string;
  url: string;
}

/**
 * The files a job's worker uploaded (GET /api/v1/jobs/{id}/files): those of its running or
 * succeeded attempt, read again when its state moves. Each is a plain link: the browser streams it
 * to disk, however large, with the session cookie.
 */
export function ResultFiles({ client, jobId, state }: { client: LiveClient; jobId: string; state: JobState }) {
  const files = useLoad(async () => {
    if (state !== 'running' && state !== 'succeeded') return [];
    const answer = (await client.http.call(`/api/v1/jobs/${encodeURIComponent(jobId)}/files`)) as {
      items?: ResultFile[];
    };
    return answer.items ?? [];
  }, [client, jobId, state]);
  if (!files.data?.length) return null;
  return (
    <section className="result-files" aria-labelledby="result-files-title">
      <h2 id="result-files-title">Files</h2>
      <ul>
        {files.data.map((file) => (
          <li key={file.name}>
            <a href={file.url} download={file.name}>
              {file.name}
            </a>{' '}
            <span className="note">
              {bytes(file.size)} · {file.mediaType}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
