import { useState, type FormEvent } from 'react';
import { FINAL_STATES, HttpError, useJob, type JobSnapshot, type LiveClient } from '../live';
import {
  answerSoFar,
  ask,
  citationPath,
  follows,
  storedAnswer,
  withMarkers,
  type Citation,
  type StoredAnswer,
} from './answers';
import { useServerReachable } from './ConnectionBadge';
import { messageOf } from './errors';
import { Link } from './Link';
import { navigate } from './router';
import { anchorText } from './SearchPage';
import { useLoad } from './useLoad';
import { ErrorLine } from './ErrorLine';

/** How many earlier turns of a conversation the page reads back. */
const MAX_TURNS = 20;

/**
 * Ask: a question answered from the caller's transcripts and documents, with its sources. Each
 * answer is a job followed live like any other (the header's badge, replay after a reload); a
 * follow-up carries the earlier turns, and the page shows the conversation oldest first.
 */
export function AskPage({ client, id }: { client: LiveClient; id?: string }) {
  const turns = useLoad(async () => (id ? conversationOf(client, id) : { ids: [], earlierGone: false }), [client, id]);
  return (
    <section className="panel ask-page" aria-labelledby="ask-title">
      <h1 id="ask-title">Ask</h1>
      {!id && (
        <p className="note">
          Ask a question about your recordings and documents: the answer cites the passages it comes from.
        </p>
      )}
      {/* The answer asked for, when not there, says so itself, below. */}
      {turns.error !== undefined && !(turns.error instanceof HttpError && turns.error.status === 404) && (
        <ErrorLine>Could not read the conversation: {messageOf(turns.error)}</ErrorLine>
      )}
      {turns.data?.earlierGone && (
        <p className="note">Earlier answers of this conversation were deleted; it is shown from the first one left.</p>
      )}
      {(turns.data?.ids ?? (id ? [id] : [])).map((turn) => (
        <AnswerTurn key={turn} client={client} id={turn} />
      ))}
      {id ? <FollowUp client={client} id={id} /> : <AskForm client={client} />}
    </section>
  );
}

/**
 * The answers of a conversation, oldest first, ending with `id` (each names the one it follows). An earlier
 * answer deleted ends the walk back there ({@code earlierGone}); `id` itself not there rejects (404).
 */
async function conversationOf(client: LiveClient, id: string): Promise<{ ids: string[]; earlierGone: boolean }> {
  const ids = [id];
  for (let at = id; ids.length < MAX_TURNS;) {
    let job: JobSnapshot;
    try {
      job = await client.http.job(at);
    } catch (error) {
      if (at === id || !(error instanceof HttpError && error.status === 404)) throw error;
      ids.shift(); // `at`, named by the answer after it, is gone
      return { ids, earlierGone: true };
    }
    const previous = follows(job.params);
    if (!previous || ids.includes(previous)) break;
    ids.unshift(previous);
    at = previous;
  }
  return { ids, earlierGone: false };
}

/** A follow-up is asked once the answer it follows is finished. */
function FollowUp({ client, id }: { client: LiveClient; id: string }) {
  const last = useJob(client, id);
  if (!last.data || !FINAL_STATES.has(last.data.snapshot.state)) return null;
  return <AskForm client={client} conversation={id} />;
}

function AskForm({ client, conversation }: { client: LiveClient; conversation?: string }) {
  const [question, setQuestion] = useState('');
  const [problem, setProblem] = useState<string>();
  const [sending, setSending] = useState(false);
  const server = useServerReachable(client);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!question.trim()) return;
    setSending(true);
    setProblem(undefined);
    try {
      navigate(`/ask/${encodeURIComponent(await ask(client.http, question.trim(), conversation))}`);
    } catch (error) {
      setProblem(messageOf(error));
      setSending(false);
    }
  };
  const label = conversation ? 'Ask a follow-up' : 'Your question';
  return (
    <form className="ask-form" aria-label={label} onSubmit={(e) => void submit(e)}>
      <label>
        {label}
        <textarea value={question} maxLength={2000} rows={3} onChange={(e) => setQuestion(e.target.value)} />
      </label>
      <ErrorLine>{problem}</ErrorLine>
      <button type="submit" disabled={sending || !question.trim() || !server.reachable} title={server.why || undefined}>
        Ask
      </button>
    </form>
  );
}

/** One question and its answer, live while it is written, with Stop. */
function AnswerTurn({ client, id }: { client: LiveClient; id: string }) {
  const live = useJob(client, id);
  const [problem, setProblem] = useState<string>();
  if (!live.data) {
    return (
      <article className="answer-turn" aria-busy={!live.error}>
        {live.error === 'not_found' ? (
          <p>
            Answer {id} does not exist, or it is not yours. <Link to="/ask">Ask a question</Link>.
          </p>
        ) : (
          <p>{live.error ? live.error : 'Loading…'}</p>
        )}
      </article>
    );
  }
  const job = live.data.snapshot;
  const stop = () =>
    client.http
      .call(`/api/v1/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' })
      .catch((e: unknown) => setProblem(messageOf(e)));
  return (
    <article className="answer-turn" aria-label={`Answer ${id}`}>
      <h2 className="question">{typeof job.params.question === 'string' ? job.params.question : id}</h2>
      <AnswerView client={client} job={job} partials={live.data.partials} complete={live.data.historyComplete} />
      {!FINAL_STATES.has(job.state) && (
        <button type="button" disabled={job.cancelRequested} onClick={() => void stop()}>
          {job.cancelRequested ? 'Stopping…' : 'Stop'}
        </button>
      )}
      <ErrorLine>{problem}</ErrorLine>
    </article>
  );
}

/**
 * An answer: its text with citation chips, whether it is finished, and its sources. Only a
 * succeeded job's answer is shown as finished; one that failed or was stopped says it is incomplete.
 */
export function AnswerView({
  client,
  job,
  partials,
  complete,
}: {
  client: LiveClient;
  job: JobSnapshot;
  partials: unknown[];
  complete: boolean;
}) {
  const href = job.state === 'succeeded' ? job.result?.href : undefined;
  const stored = useLoad(async () => (href ? storedAnswer(client.http, href) : undefined), [client, href]);
  const soFar = answerSoFar(partials);
  const text = stored.data?.answer ?? soFar.text;
  const citations = stored.data?.citations ?? soFar.citations;
  const writing = !FINAL_STATES.has(job.state);
  return (
    <div className="answer">
      <p className="answer-text" data-testid="answer" data-state={job.state} aria-live="polite" aria-busy={writing}>
        {withMarkers(text).map((piece, i) =>
          typeof piece === 'string' ? (
            <span key={i}>{piece}</span>
          ) : (
            <Marker key={i} n={piece} citation={citations.find((c) => c.n === piece)} />
          ),
        )}
        {writing && <span className="caret" aria-hidden="true" />}
      </p>
      <AnswerStatus job={job} stored={stored.data} complete={complete} writing={writing} />
      {stored.error !== undefined && <ErrorLine>Could not read the whole answer: {messageOf(stored.error)}</ErrorLine>}
      {follows(job.params) && (
        <p className="note">
          Follows up on <Link to={`/ask/${encodeURIComponent(follows(job.params) ?? '')}`}>an earlier answer</Link>.
        </p>
      )}
      {citations.length > 0 && (
        <ol className="sources" aria-label="Sources">
          {citations.map((c) => (
            <li key={c.n}>
              <Link to={citationPath(c)} className="cite">
                [{c.n}] {c.fileName ?? c.jobType} · {anchorText(c, c.segment)}
              </Link>
              <q>{c.text}</q>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

function Marker({ n, citation }: { n: number; citation?: Citation }) {
  if (!citation) return <span>[{n}]</span>;
  return (
    <Link to={citationPath(citation)} className="cite">
      [{n}]
    </Link>
  );
}

function AnswerStatus({
  job,
  stored,
  complete,
  writing,
}: {
  job: JobSnapshot;
  stored?: StoredAnswer;
  complete: boolean;
  writing: boolean;
}) {
  if (writing)
    return (
      <p className="note" data-testid="answer-status">
        {job.state === 'running' ? `${job.stage ?? 'Starting'}…` : 'Waiting to start…'}
      </p>
    );
  if (job.state === 'failed')
    return (
      <p role="alert" className="error incomplete" data-testid="answer-status">
        Incomplete answer: {job.error?.message ?? 'it failed'} <code>{job.error?.code}</code>
        {!complete && ' (the start of it could not be replayed)'}
      </p>
    );
  if (job.state === 'cancelled')
    return (
      <p className="warn incomplete" data-testid="answer-status">
        Stopped: this answer is incomplete.
      </p>
    );
  if (!stored) return null;
  return (
    <p className="note" data-testid="answer-status">
      {stored.mode === 'llm' && `Written by ${stored.model ?? 'the configured model'} from the sources below.`}
      {stored.mode === 'extractive' &&
        'No language model is configured here: these are the passages that best match, quoted.'}
      {stored.mode === 'none' && 'Nothing in your recordings or documents matches this question.'}
    </p>
  );
}
