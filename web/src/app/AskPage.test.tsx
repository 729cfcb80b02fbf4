// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobSnapshot, JobViewState } from '../live';
import { snapshot } from '../live/testSupport';
import { answerSoFar, withMarkers, type Citation } from './answers';
import { AskPage } from './AskPage';
import { parseRoute } from './router';
import { fakeClient, json, type Call } from './testClient';

afterEach(cleanup);

const spoken: Citation = {
  n: 1,
  jobId: 'job_t',
  jobType: 'transcribe',
  fileId: 'file_1',
  fileName: 'standup.wav',
  segment: 7,
  text: 'the conference moved to <b>Thursday</b>',
  startSeconds: 42.5,
  endSeconds: 45,
};

const written: Citation = {
  n: 2,
  jobId: 'job_d',
  jobType: 'extract',
  fileName: 'report.pdf',
  segment: 3,
  text: 'Outlook for the next quarter',
  pageFrom: 2,
  pageTo: 2,
};

function answerJob(id: string, change: Partial<JobSnapshot> = {}): JobSnapshot {
  return snapshot(id, 1, {
    type: 'answer',
    input: undefined,
    params: { question: 'When is the conference?' },
    ...change,
  });
}

function view(job: JobSnapshot, partials: unknown[], historyComplete = true): JobViewState {
  return { view: { snapshot: job, seq: partials.length, partials, historyComplete } };
}

const noCalls = () => undefined;

describe('answers', () => {
  it('cut the text at citation markers and gather the partials', () => {
    expect(withMarkers('It moved [1]. See [12][2]')).toEqual(['It moved ', 1, '. See ', 12, 2]);
    expect(withMarkers('no [x] marker [1000]')).toEqual(['no [x] marker [1000]']);
    expect(answerSoFar([{ citations: [spoken] }, { delta: 'It is ' }, { delta: 'Thursday [1].' }, 'junk'])).toEqual({
      citations: [spoken],
      text: 'It is Thursday [1].',
    });
  });

  it('are routed at /ask and /ask/{id}', () => {
    expect(parseRoute('/ask')).toEqual({ name: 'ask' });
    expect(parseRoute('/ask/job_1')).toEqual({ name: 'ask', id: 'job_1' });
  });
});

describe('the Ask page', () => {
  it('grows the answer live, with chips opening the cited moment, and Stop cancels it', async () => {
    const running = answerJob('job_a', { state: 'running', stage: 'writing the answer' });
    const { client, calls, change } = fakeClient(
      (call) => (call.path.endsWith('/cancel') ? json(answerJob('job_a', { cancelRequested: true }), 202) : undefined),
      { job_a: view(running, [{ citations: [spoken, written] }, { delta: 'It moved to Thursday' }]) },
    );
    render(<AskPage client={client} id="job_a" />);
    const answer = await screen.findByTestId('answer');
    expect(answer.textContent).toBe('It moved to Thursday');
    expect(answer.getAttribute('aria-busy')).toBe('true');
    expect(screen.getByTestId('answer-status').textContent).toBe('writing the answer…');
    expect(screen.queryByRole('form', { name: 'Ask a follow-up' })).toBeNull();

    act(() =>
      change(
        'job_a',
        view(running, [
          { citations: [spoken, written] },
          { delta: 'It moved to Thursday' },
          { delta: ' [1], see [2].' },
        ]),
      ),
    );
    expect(screen.getByTestId('answer').textContent).toBe('It moved to Thursday [1], see [2].');
    const chip = within(screen.getByTestId('answer')).getByRole('link', { name: '[1]' });
    expect(chip.getAttribute('href')).toBe('/jobs/job_t?segment=7&t=42.5');
    const sources = screen.getByRole('list', { name: 'Sources' });
    expect(
      within(sources)
        .getAllByRole('link')
        .map((a) => [a.textContent, a.getAttribute('href')]),
    ).toEqual([
      ['[1] standup.wav · 0:42', '/jobs/job_t?segment=7&t=42.5'],
      ['[2] report.pdf · p. 2', '/jobs/job_d?segment=3'],
    ]);
    expect(sources.innerHTML).not.toContain('<b>'); // a passage's text is text, never markup

    fireEvent.click(screen.getByRole('button', { name: 'Stop' }));
    await waitFor(() => expect(calls.map((c) => `${c.method} ${c.path}`)).toContain('POST /api/v1/jobs/job_a/cancel'));
  });

  it('never shows a broken-off answer as finished', async () => {
    const failed = answerJob('job_f', {
      state: 'failed',
      error: { code: 'llm_error', message: 'The model stopped mid-answer.', retryable: false },
    } as Partial<JobSnapshot>);
    const { client } = fakeClient((call) => (call.path === '/api/v1/jobs/job_f' ? json(failed) : undefined), {
      job_f: view(failed, [{ citations: [spoken] }, { delta: 'It moved to' }]),
    });
    render(<AskPage client={client} id="job_f" />);
    const answer = await screen.findByTestId('answer');
    expect([answer.textContent, answer.dataset.state, answer.getAttribute('aria-busy')]).toEqual([
      'It moved to',
      'failed',
      'false',
    ]);
    expect(screen.getByRole('alert').textContent).toBe('Incomplete answer: The model stopped mid-answer. llm_error');
    expect(screen.queryByRole('button', { name: 'Stop' })).toBeNull();
  });

  it('says a stopped answer is incomplete', async () => {
    const stopped = answerJob('job_s', { state: 'cancelled' });
    const { client } = fakeClient(noCalls, { job_s: view(stopped, [{ delta: 'Half' }]) });
    render(<AskPage client={client} id="job_s" />);
    expect((await screen.findByTestId('answer-status')).textContent).toBe('Stopped: this answer is incomplete.');
  });

  it('shows a finished answer from its stored result, even when the replay lost its start', async () => {
    const done = answerJob('job_d1', { state: 'succeeded', result: { href: '/api/v1/jobs/job_d1/result', size: 10 } });
    const stored = {
      question: 'When is the conference?',
      answer: 'On Thursday [1].',
      mode: 'extractive',
      citations: [spoken],
    };
    const { client } = fakeClient((call) => (call.path === '/api/v1/jobs/job_d1/result' ? json(stored) : undefined), {
      job_d1: view(done, [{ delta: 'day [1].' }], false),
    });
    render(<AskPage client={client} id="job_d1" />);
    await waitFor(() => expect(screen.getByTestId('answer').textContent).toBe('On Thursday [1].'));
    expect(screen.getByTestId('answer-status').textContent).toBe(
      'No language model is configured here: these are the passages that best match, quoted.',
    );
  });

  it('reads the conversation back oldest first and asks a follow-up in it', async () => {
    const first = answerJob('job_1', { state: 'succeeded', params: { question: 'When is the conference?' } });
    const second = answerJob('job_2', {
      state: 'succeeded',
      params: { question: 'Where?', conversation: 'job_1' },
    });
    const answered = (call: Call) => {
      if (call.path === '/api/v1/jobs/job_2') return json(second);
      if (call.path === '/api/v1/jobs/job_1') return json(first);
      if (call.path === '/api/v1/answers') return json(answerJob('job_3', { state: 'queued' }), 202);
      return undefined;
    };
    const { client, calls } = fakeClient(answered, {
      job_1: view(first, [{ delta: 'Thursday.' }]),
      job_2: view(second, [{ delta: 'In Ghent.' }]),
    });
    render(<AskPage client={client} id="job_2" />);
    await waitFor(
      () =>
        expect(screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent)).toEqual([
          'When is the conference?',
          'Where?',
        ]),
      { timeout: 5000 },
    );
    const form = screen.getByRole('form', { name: 'Ask a follow-up' });
    fireEvent.change(within(form).getByLabelText('Ask a follow-up'), { target: { value: '  And at what time? ' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Ask' }));
    await waitFor(() => expect(window.location.pathname).toBe('/ask/job_3'));
    expect(calls.find((c) => c.path === '/api/v1/answers')?.body).toEqual({
      question: 'And at what time?',
      conversation: 'job_2',
    });
  });

  it('shows a conversation from its first answer left, and says the earlier ones were deleted', async () => {
    const second = answerJob('job_2', { state: 'succeeded', params: { question: 'Where?', conversation: 'job_1' } });
    const third = answerJob('job_3', { state: 'succeeded', params: { question: 'When?', conversation: 'job_2' } });
    const { client } = fakeClient(
      (call) => {
        if (call.path === '/api/v1/jobs/job_3') return json(third);
        if (call.path === '/api/v1/jobs/job_2') return json(second);
        return undefined; // job_1 was deleted: 404
      },
      { job_2: view(second, [{ delta: 'In Ghent.' }]), job_3: view(third, [{ delta: 'Thursday.' }]) },
    );
    render(<AskPage client={client} id="job_3" />);
    await waitFor(() =>
      expect(screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent)).toEqual(['Where?', 'When?']),
    );
    expect(screen.getByText(/^Earlier answers of this conversation were deleted/)).toBeTruthy();
    expect(screen.queryByText(/Could not read the conversation/)).toBeNull();
    expect(screen.queryByText(/does not exist/)).toBeNull();
  });

  it('says an answer that is not there (or not yours) is not, once, and offers a new question', async () => {
    const { client } = fakeClient(noCalls);
    render(<AskPage client={client} id="job_gone" />);
    expect((await screen.findByText(/does not exist, or it is not yours/)).textContent).toBe(
      'Answer job_gone does not exist, or it is not yours. Ask a question.',
    );
    expect(screen.getByRole('link', { name: 'Ask a question' }).getAttribute('href')).toBe('/ask');
    expect(screen.queryByText(/Could not read the conversation/)).toBeNull();
    expect(document.querySelector('[aria-busy="true"]')).toBeNull();
  });

  it('shows why a question was refused, next to it', async () => {
    const { client } = fakeClient((call) =>
      call.path === '/api/v1/answers'
        ? json({ code: 'too_many_queued_jobs', detail: 'You have 100 jobs waiting.' }, 429)
        : undefined,
    );
    render(<AskPage client={client} />);
    const form = screen.getByRole('form', { name: 'Your question' });
    fireEvent.change(within(form).getByLabelText('Your question'), { target: { value: 'Why?' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Ask' }));
    expect((await within(form).findByRole('alert')).textContent).toContain('You have 100 jobs waiting.');
  });
});
