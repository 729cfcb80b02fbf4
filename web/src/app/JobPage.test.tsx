// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { snapshot } from '../live/testSupport';
import type { Segment } from './edits';
import { JobPage } from './JobPage';
import type { ProcessorInfo } from './processors';
import { fakeClient, json, type Call } from './testClient';
import { savedFiles } from './testDownloads';
import { giveScrollersASize } from './testLayout';

/** Saves still held when a test ends: leaving the page sends a line typed but not saved, and it must not linger. */
const unanswered: ((answer: Response) => void)[] = [];
afterEach(() => {
  cleanup();
  unanswered.splice(0).forEach((answer) => answer(json({ code: 'internal', detail: 'The test is over.' }, 500)));
});
let undoSize: () => void;
beforeAll(() => (undoSize = giveScrollersASize()));
afterAll(() => undoSize());

describe('JobPage', () => {
  it('follows a job again once a retry was accepted (SSE and polling stop at its end)', async () => {
    const failed = snapshot('job_1', 2, {
      state: 'failed',
      error: { code: 'processor_error', message: 'Something went wrong.', retryable: true },
    });
    const jobs = { job_1: { view: { snapshot: failed, seq: 2, partials: [], historyComplete: true } } };
    const { client, calls, followedAgain } = fakeClient(
      (call) =>
        call.path === '/api/v1/jobs/job_1/retry' ? json(snapshot('job_1', 3, { state: 'queued' })) : undefined,
      jobs,
    );
    render(<JobPage client={client} id="job_1" processors={[]} refreshProcessors={() => {}} />);
    expect(followedAgain).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(followedAgain).toEqual(['job_1']));
    expect(calls.map((c) => `${c.method} ${c.path}`)).toContain('POST /api/v1/jobs/job_1/retry');
  });

  it('names the file the job was made from', () => {
    const done = snapshot('job_1', 2, { state: 'succeeded', input: { fileId: 'file_1', name: 'board meeting.wav' } });
    const { client } = fakeClient(() => undefined, {
      job_1: { view: { snapshot: done, seq: 2, partials: [], historyComplete: true } },
    });
    render(<JobPage client={client} id="job_1" processors={[]} refreshProcessors={() => {}} />);
    expect(screen.getByTestId('job-file').textContent).toBe('board meeting.wav');
  });

  it('offers no Retry where running again cannot help, and says why in words', () => {
    const extract = { name: 'extract', accepts: ['application/pdf'], resultFormats: ['json'] } as ProcessorInfo;
    const page = (job: ReturnType<typeof snapshot>) => {
      cleanup();
      const { client } = fakeClient(() => undefined, {
        job_1: { view: { snapshot: job, seq: job.seq, partials: [], historyComplete: true } },
      });
      render(<JobPage client={client} id="job_1" processors={[extract]} refreshProcessors={() => {}} />);
    };
    const file = { fileId: 'file_1', name: 'scan.pdf' };
    // The file itself is the problem: the same file fails the same way.
    page(
      snapshot('job_1', 3, {
        type: 'extract',
        state: 'failed',
        input: file,
        error: { code: 'document_encrypted', message: 'Protected by a password.', retryable: false },
      }),
    );
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
    expect(screen.getByTestId('no-retry').textContent).toBe(
      'Running it again would fail the same way: the problem is in the file itself.',
    );
    // Its file was deleted: the API leaves input out, and a retry would fail with input_missing.
    page(snapshot('job_1', 3, { type: 'extract', state: 'cancelled', input: undefined }));
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
    expect(screen.getByTestId('no-retry').textContent).toBe(
      'It cannot run again: its file was deleted. Upload the file again and start a new job.',
    );
    // A failure of the run, not of the file (here one an administrator can fix): Retry, and nothing said against it.
    page(
      snapshot('job_1', 3, {
        type: 'extract',
        state: 'failed',
        input: file,
        error: { code: 'ocr_unavailable', message: 'No OCR here.', retryable: false },
      }),
    );
    expect(screen.getByRole('button', { name: 'Retry' })).toBeTruthy();
    expect(screen.queryByTestId('no-retry')).toBeNull();
  });

  it('shows a placeholder for the name of a file deleted since, not a blank', () => {
    const extract = { name: 'extract', accepts: ['application/pdf'], resultFormats: ['json'] } as ProcessorInfo;
    const done = snapshot('job_1', 2, { type: 'extract', state: 'succeeded', input: undefined });
    const { client } = fakeClient(() => undefined, {
      job_1: { view: { snapshot: done, seq: 2, partials: [], historyComplete: true } },
    });
    render(<JobPage client={client} id="job_1" processors={[extract]} refreshProcessors={() => {}} />);
    expect(screen.getByTestId('job-file').textContent).toBe('(deleted file)');
    expect(screen.getByRole('list', { name: 'Job stages' }).textContent).toMatch(/^Uploaded/);
  });

  it('reads a queued job and its workers every 5 s, but not while the client is paused in a hidden tab', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const remote = {
        name: 'remote',
        accepts: ['audio/*'],
        resultFormats: ['json'],
        details: { servedBy: 'workers' },
      } as unknown as ProcessorInfo;
      const queued = snapshot('job_1', 1, { type: 'remote', state: 'queued', queuePosition: 3 });
      const { client, calls } = fakeClient((call) => (call.path === '/api/v1/jobs/job_1' ? json(queued) : undefined), {
        job_1: { view: { snapshot: queued, seq: 1, partials: [], historyComplete: true } },
      });
      const hidden = client as unknown as { paused: boolean };
      let presence = 0;
      render(<JobPage client={client} id="job_1" processors={[remote]} refreshProcessors={() => presence++} />);
      const reads = () => calls.filter((c) => c.path === '/api/v1/jobs/job_1').length;
      await act(async () => vi.advanceTimersByTime(5000));
      expect([reads(), presence]).toEqual([2, 1]); // at once and after 5 s; the workers after 5 s

      hidden.paused = true;
      await act(async () => vi.advanceTimersByTime(60_000));
      expect([reads(), presence]).toEqual([2, 1]);

      hidden.paused = false; // shown again: at the next turn
      await act(async () => vi.advanceTimersByTime(5000));
      expect([reads(), presence]).toEqual([3, 2]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('names no file for a job of a processor that takes none', () => {
    const optimize = { name: 'optimize', accepts: ['none'], resultFormats: ['json'] } as ProcessorInfo;
    const done = snapshot('job_1', 2, { type: 'optimize', state: 'succeeded', input: undefined });
    const { client } = fakeClient(() => undefined, {
      job_1: { view: { snapshot: done, seq: 2, partials: [], historyComplete: true } },
    });
    render(<JobPage client={client} id="job_1" processors={[optimize]} refreshProcessors={() => {}} />);
    expect(screen.queryByTestId('job-file')).toBeNull();
    expect(screen.getByRole('list', { name: 'Job stages' }).textContent).toMatch(/^Submitted/);
  });

  it('says Kiln could not be reached when an action gets no answer, not the bare TypeError', async () => {
    const failed = snapshot('job_1', 2, { state: 'cancelled' });
    const { client } = fakeClient(
      (call) => {
        if (call.path.endsWith('/retry')) throw new TypeError('Failed to fetch');
        return undefined;
      },
      { job_1: { view: { snapshot: failed, seq: 2, partials: [], historyComplete: true } } },
    );
    render(<JobPage client={client} id="job_1" processors={[]} refreshProcessors={() => {}} />);
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Kiln could not be reached; check your connection and try again.',
    );
  });
});

/** A promise the test settles when it chooses: a save held in flight. */
function latch<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const transcriber = {
  name: 'transcribe',
  accepts: ['audio/*'],
  resultFormats: ['srt'],
  shape: 'transcript',
} as ProcessorInfo;

/**
 * A finished transcription whose stored lines the page reads and corrects; each PATCH is held until the test
 * answers it, and commits only then (as the server does before it answers). The SRT is built from what is stored.
 */
function heldEdits() {
  let segments: Segment[] = [
    { id: 0, version: 0, text: 'Helo there.', start: 0, end: 1 },
    { id: 1, version: 0, text: 'Second line.', start: 1, end: 2 },
  ];
  const job = snapshot('job_1', 5, {
    state: 'succeeded',
    input: undefined,
    result: { href: '/api/v1/jobs/job_1/result', size: 100 },
  });
  const held: { call: Call; answer: ReturnType<typeof latch<Response>> }[] = [];
  const { client, calls } = fakeClient(
    (call) => {
      if (call.method === 'PATCH') {
        const answer = latch<Response>();
        held.push({ call, answer });
        unanswered.push(answer.resolve);
        return answer.promise;
      }
      if (call.path === '/api/v1/jobs/job_1/result') return json({ segments });
      if (call.path === '/api/v1/jobs/job_1/result?format=srt')
        return new Response(segments.map((s) => s.text).join('\n'));
      return undefined;
    },
    { job_1: { view: { snapshot: job, seq: 5, partials: [], historyComplete: true } } },
  );
  /** The held save is stored and answered. */
  const commit = () => {
    const { call, answer } = held.shift()!;
    const { edits } = call.body as { edits: { segment: number; text: string }[] };
    const now = segments[edits[0].segment];
    const next = { ...now, text: edits[0].text, version: now.version + 1, edited: true };
    segments = segments.map((s) => (s.id === next.id ? next : s));
    answer.resolve(json({ segments: [next] }));
  };
  /** The held save is refused (the server is unwell), nothing stored. */
  const refuse = () => held.shift()!.answer.resolve(json({ code: 'internal', detail: 'Disk full.' }, 500));
  const exports = () => calls.filter((c) => c.path.includes('?format=')).length;
  const patches = () => calls.filter((c) => c.method === 'PATCH').length;
  return { client, commit, refuse, exports, patches };
}

/** Corrects the first line to `text` and presses Enter: the save is sent (and held). */
async function correctFirstLine(text: string) {
  fireEvent.click(await screen.findByText('Helo there.'));
  const field = screen.getByLabelText('Text of segment 1');
  fireEvent.change(field, { target: { value: text } });
  await act(async () => fireEvent.keyDown(field, { key: 'Enter' }));
}

describe('downloading while a correction is being saved', () => {
  afterEach(() => vi.restoreAllMocks());

  it('waits for the save, and the file carries the correction', async () => {
    const { client, commit, exports } = heldEdits();
    const files = savedFiles();
    render(<JobPage client={client} id="job_1" processors={[transcriber]} refreshProcessors={() => {}} />);
    await correctFirstLine('Hello there.');

    fireEvent.click(screen.getByRole('button', { name: 'Download SRT' }));
    await screen.findByRole('button', { name: 'Preparing SRT…' });
    await act(async () => {}); // had the download not waited, its request would be out by now
    expect(exports()).toBe(0);

    await act(async () => commit());
    await waitFor(() => expect(files).toHaveLength(1));
    expect(files[0].name).toBe('job_1.srt');
    expect(await files[0].text).toBe('Hello there.\nSecond line.');
    await screen.findByRole('button', { name: 'Download SRT' });
  });

  it('is refused, saying why, when the save fails; the next one gets the result as saved', async () => {
    const { client, refuse, exports } = heldEdits();
    const files = savedFiles();
    render(<JobPage client={client} id="job_1" processors={[transcriber]} refreshProcessors={() => {}} />);
    await correctFirstLine('Hello there.');
    fireEvent.click(screen.getByRole('button', { name: 'Download SRT' }));

    await act(async () => refuse());
    await screen.findByText(/Not saved: Disk full/);
    await screen.findByText(/Not downloaded: a correction could not be saved/);
    expect(exports()).toBe(0);
    expect(files).toEqual([]);

    fireEvent.click(screen.getByRole('button', { name: 'Download SRT' }));
    await waitFor(() => expect(files).toHaveLength(1));
    expect(await files[0].text).toBe('Helo there.\nSecond line.');
    expect(screen.queryByText(/Not downloaded/)).toBeNull();
  });
});

describe('a line saved with Enter', () => {
  it('leaves open the line the user went on to, typed in, when its save finishes', async () => {
    const { client, commit } = heldEdits();
    render(<JobPage client={client} id="job_1" processors={[transcriber]} refreshProcessors={() => {}} />);
    await correctFirstLine('Hello there.'); // its save held

    fireEvent.click(screen.getByText('Second line.'));
    fireEvent.change(screen.getByLabelText('Text of segment 2'), { target: { value: 'Second line, fixed.' } });
    await act(async () => commit());
    await screen.findByText('Hello there.');

    expect((screen.getByLabelText('Text of segment 2') as HTMLTextAreaElement).value).toBe('Second line, fixed.');
  });
});

describe('downloading while a line is still open in its field', () => {
  afterEach(() => vi.restoreAllMocks());

  /** Corrects the first line to `text`, leaving it open in its field (no Enter). */
  async function typeInFirstLine(text: string) {
    fireEvent.click(await screen.findByText('Helo there.'));
    fireEvent.change(screen.getByLabelText('Text of segment 1'), { target: { value: text } });
  }

  it('saves the line as Enter would, waits for it, and the file carries it', async () => {
    const { client, commit, exports } = heldEdits();
    const files = savedFiles();
    render(<JobPage client={client} id="job_1" processors={[transcriber]} refreshProcessors={() => {}} />);
    await typeInFirstLine('Hello there.');

    fireEvent.click(screen.getByRole('button', { name: 'Download SRT' }));
    await screen.findByRole('button', { name: 'Preparing SRT…' });
    await act(async () => {}); // had the download not waited, its request would be out by now
    expect(exports()).toBe(0);

    await act(async () => commit()); // fails (nothing held) unless the open line was sent
    await waitFor(() => expect(files).toHaveLength(1));
    expect(await files[0].text).toBe('Hello there.\nSecond line.');
    expect(screen.queryByLabelText('Text of segment 1')).toBeNull(); // saved, so closed, as after Enter
    screen.getByText('Hello there.');
  });

  it('is refused, saying why, when that save fails; the line stays open, and the next one does not send it again', async () => {
    const { client, refuse, exports, patches } = heldEdits();
    const files = savedFiles();
    render(<JobPage client={client} id="job_1" processors={[transcriber]} refreshProcessors={() => {}} />);
    await typeInFirstLine('Hello there.');
    fireEvent.click(screen.getByRole('button', { name: 'Download SRT' }));

    await act(async () => refuse());
    await screen.findByText(/Not saved: Disk full/);
    await screen.findByText(/Not downloaded: a correction could not be saved/);
    expect(exports()).toBe(0);
    expect(files).toEqual([]);
    expect((screen.getByLabelText('Text of segment 1') as HTMLTextAreaElement).value).toBe('Hello there.');

    // As the refusal says: downloading again gets the result as saved; the line is the user's to save or drop.
    fireEvent.click(screen.getByRole('button', { name: 'Download SRT' }));
    await waitFor(() => expect(files).toHaveLength(1));
    expect(await files[0].text).toBe('Helo there.\nSecond line.');
    expect(patches()).toBe(1);
    expect((screen.getByLabelText('Text of segment 1') as HTMLTextAreaElement).value).toBe('Hello there.');
  });

  it('leaves open the line the user went on to, typed in, when the save of the line before finishes', async () => {
    const { client, commit, exports } = heldEdits();
    const files = savedFiles();
    render(<JobPage client={client} id="job_1" processors={[transcriber]} refreshProcessors={() => {}} />);
    await typeInFirstLine('Hello there.');
    fireEvent.click(screen.getByRole('button', { name: 'Download SRT' })); // line 1's save goes out, held
    await screen.findByRole('button', { name: 'Preparing SRT…' });

    fireEvent.click(screen.getByText('Second line.'));
    fireEvent.change(screen.getByLabelText('Text of segment 2'), { target: { value: 'Second line, fixed.' } });
    await act(async () => commit()); // line 1's save finishes
    await waitFor(() => expect(files).toHaveLength(1));

    expect(await files[0].text).toBe('Hello there.\nSecond line.'); // line 1's correction; line 2 was typed after
    expect(exports()).toBe(1);
    expect((screen.getByLabelText('Text of segment 2') as HTMLTextAreaElement).value).toBe('Second line, fixed.');
    expect(screen.queryByLabelText('Text of segment 1')).toBeNull();
    screen.getByText('Hello there.');
  });

  it('leaves a line opened but not changed open, and downloads at once', async () => {
    const { client, exports } = heldEdits();
    const files = savedFiles();
    render(<JobPage client={client} id="job_1" processors={[transcriber]} refreshProcessors={() => {}} />);
    fireEvent.click(await screen.findByText('Helo there.'));

    fireEvent.click(screen.getByRole('button', { name: 'Download SRT' }));
    await waitFor(() => expect(files).toHaveLength(1));
    expect(exports()).toBe(1);
    expect(screen.getByLabelText('Text of segment 1')).toBeTruthy();
  });
});

/**
 * A finished transcription with two speakers, whose stored names the page shows and changes; each PUT of a name
 * is held until the test answers it, and stored only then. The SRT is built from what is stored, names included.
 */
function heldRenames() {
  const lines: Segment[] = [
    { id: 0, version: 0, text: 'Hello there.', start: 0, end: 1, speaker: 'SPEAKER_00' },
    { id: 1, version: 0, text: 'Hi.', start: 1, end: 2, speaker: 'SPEAKER_01' },
  ];
  let names: Record<string, string> = {};
  let segments = lines;
  const job = snapshot('job_1', 5, {
    state: 'succeeded',
    input: undefined,
    result: { href: '/api/v1/jobs/job_1/result', size: 100 },
  });
  const held: { call: Call; answer: ReturnType<typeof latch<Response>> }[] = [];
  const { client, calls } = fakeClient(
    (call) => {
      if (call.method === 'PUT' && call.path === '/api/v1/jobs/job_1/speakers') {
        const answer = latch<Response>();
        held.push({ call, answer });
        unanswered.push(answer.resolve);
        return answer.promise;
      }
      if (call.method === 'PATCH') {
        // A line's correction (or its undo, back to the engine's) is stored and answered at once.
        const { edits } = call.body as { edits: { segment: number; text: string; restore?: boolean }[] };
        const now = segments[edits[0].segment];
        const { restore } = edits[0];
        const text = restore ? lines[now.id].text : edits[0].text;
        const next = { ...now, text, version: now.version + 1, edited: !restore };
        segments = segments.map((s) => (s.id === next.id ? next : s));
        return json({ segments: [next] });
      }
      if (call.path === '/api/v1/jobs/job_1/result') return json({ segments, speakerNames: names });
      if (call.path === '/api/v1/jobs/job_1/result?format=srt')
        return new Response(segments.map((s) => `${names[s.speaker!] ?? s.speaker}: ${s.text}`).join('\n'));
      return undefined;
    },
    { job_1: { view: { snapshot: job, seq: 5, partials: [], historyComplete: true } } },
  );
  /** The held name is stored and answered. */
  const commit = () => {
    const { call, answer } = held.shift()!;
    names = { ...names, ...(call.body as { names: Record<string, string> }).names };
    answer.resolve(json({ names }));
  };
  /** The held name is refused (the server is unwell), nothing stored. */
  const refuse = () => held.shift()!.answer.resolve(json({ code: 'internal', detail: 'Disk full.' }, 500));
  const exports = () => calls.filter((c) => c.path.includes('?format=')).length;
  const renames = () => calls.filter((c) => c.method === 'PUT').map((c) => c.body);
  return { client, commit, refuse, exports, renames };
}

describe("undoing a speaker's naming", () => {
  /** Names {@code speaker} (as shown now) {@code name} with Save; the PUT is held until committed. */
  async function name(shown: string, speaker: string, name: string) {
    fireEvent.click(await screen.findByRole('button', { name: `Rename ${shown}` }));
    fireEvent.change(screen.getByLabelText(`Name for ${speaker}`), { target: { value: name } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
  }

  it('takes namings back in the history line edits use, newest first, to the name before (none: the engine id)', async () => {
    const { client, commit, renames } = heldRenames();
    render(<JobPage client={client} id="job_1" processors={[transcriber]} refreshProcessors={() => {}} />);
    await name('SPEAKER_00', 'SPEAKER_00', 'Ana');
    await act(async () => commit());
    await name('Ana', 'SPEAKER_00', 'Anna');
    await act(async () => commit());
    await screen.findByRole('button', { name: 'Rename Anna' });
    expect(screen.getByRole('button', { name: 'Undo (speaker SPEAKER_00)' })).toHaveProperty('disabled', false);

    fireEvent.click(screen.getByRole('button', { name: 'Undo (speaker SPEAKER_00)' }));
    await act(async () => commit());
    await screen.findByRole('button', { name: 'Rename Ana' });

    // Ctrl+Z outside a field, as for a line.
    await act(async () => fireEvent.keyDown(window, { key: 'z', ctrlKey: true }));
    await act(async () => commit());
    await screen.findByRole('button', { name: 'Rename SPEAKER_00' });
    expect(renames()).toEqual([
      { names: { SPEAKER_00: 'Ana' } },
      { names: { SPEAKER_00: 'Anna' } },
      { names: { SPEAKER_00: 'Ana' } },
      { names: { SPEAKER_00: '' } }, // an empty name takes it away
    ]);
    expect(screen.getByRole('button', { name: 'Undo' })).toHaveProperty('disabled', true);
  });

  /** Corrects the first line to `text` and presses Enter; its save is answered at once. */
  async function correctFirst(shown: string, text: string) {
    fireEvent.click(await screen.findByText(shown));
    const field = screen.getByLabelText('Text of segment 1');
    fireEvent.change(field, { target: { value: text } });
    await act(async () => fireEvent.keyDown(field, { key: 'Enter' }));
    await screen.findByText(text);
  }

  it('undoes a naming, then the line edit before, when Ctrl+Z is pressed again before its answer', async () => {
    const { client, commit, renames } = heldRenames();
    render(<JobPage client={client} id="job_1" processors={[transcriber]} refreshProcessors={() => {}} />);
    await correctFirst('Hello there.', 'Hello there!');
    await name('SPEAKER_00', 'SPEAKER_00', 'Ana');
    await act(async () => commit());
    await screen.findByRole('button', { name: 'Undo (speaker SPEAKER_00)' });

    await act(async () => fireEvent.keyDown(window, { key: 'z', ctrlKey: true }));
    await act(async () => fireEvent.keyDown(window, { key: 'z', ctrlKey: true })); // before the first is answered
    expect(renames()).toEqual([{ names: { SPEAKER_00: 'Ana' } }, { names: { SPEAKER_00: '' } }]); // one at a time
    await act(async () => commit());
    await screen.findByRole('button', { name: 'Rename SPEAKER_00' });
    await screen.findByText('Hello there.'); // the second press undid the line edit once the naming's undo landed
    expect(renames()).toHaveLength(2);
    expect(screen.getByRole('button', { name: 'Undo' })).toHaveProperty('disabled', true);
  });

  it('takes off the naming it undid, not a line edit saved while its answer was on the way', async () => {
    const { client, commit } = heldRenames();
    render(<JobPage client={client} id="job_1" processors={[transcriber]} refreshProcessors={() => {}} />);
    await name('SPEAKER_00', 'SPEAKER_00', 'Ana');
    await act(async () => commit());
    await screen.findByRole('button', { name: 'Undo (speaker SPEAKER_00)' });

    fireEvent.click(screen.getByRole('button', { name: 'Undo (speaker SPEAKER_00)' })); // held
    await correctFirst('Hello there.', 'Hello there!');
    await act(async () => commit());
    await screen.findByRole('button', { name: 'Rename SPEAKER_00' });
    expect(screen.getByRole('button', { name: 'Undo (line 1)' })).toHaveProperty('disabled', false);
  });
});

describe("downloading while a speaker's name is typed but not saved", () => {
  afterEach(() => vi.restoreAllMocks());

  /** Names the first speaker `name` in its field, without saving it. */
  async function typeFirstSpeaker(name: string) {
    fireEvent.click(await screen.findByRole('button', { name: 'Rename SPEAKER_00' }));
    fireEvent.change(screen.getByLabelText('Name for SPEAKER_00'), { target: { value: name } });
  }

  it('saves the name as Save would, waits for it, and the file carries it', async () => {
    const { client, commit, exports, renames } = heldRenames();
    const files = savedFiles();
    render(<JobPage client={client} id="job_1" processors={[transcriber]} refreshProcessors={() => {}} />);
    await typeFirstSpeaker(' Ana ');

    fireEvent.click(screen.getByRole('button', { name: 'Download SRT' }));
    await screen.findByRole('button', { name: 'Preparing SRT…' });
    expect(renames()).toEqual([{ names: { SPEAKER_00: 'Ana' } }]);
    await act(async () => {}); // had the download not waited, its request would be out by now
    expect(exports()).toBe(0);
    screen.getByRole('button', { name: 'Preparing SRT…' });

    await act(async () => commit()); // fails (nothing held) unless the typed name was sent
    await waitFor(() => expect(files).toHaveLength(1));
    expect(await files[0].text).toBe('Ana: Hello there.\nSPEAKER_01: Hi.');
    await screen.findByRole('button', { name: 'Download SRT' });
    expect(screen.queryByLabelText('Name for SPEAKER_00')).toBeNull(); // saved, so closed, as after Save
    screen.getByRole('button', { name: 'Rename Ana' });
  });

  it('is refused, saying why, when that save fails; the next one does not send it again until it is changed', async () => {
    const { client, commit, refuse, exports, renames } = heldRenames();
    const files = savedFiles();
    render(<JobPage client={client} id="job_1" processors={[transcriber]} refreshProcessors={() => {}} />);
    await typeFirstSpeaker('Ana');
    fireEvent.click(screen.getByRole('button', { name: 'Download SRT' }));

    await act(async () => refuse());
    await screen.findByText(/Not downloaded: a correction could not be saved/);
    screen.getByText('Disk full.'); // at the field
    expect(exports()).toBe(0);
    expect(files).toEqual([]);
    expect((screen.getByLabelText('Name for SPEAKER_00') as HTMLInputElement).value).toBe('Ana');

    // As the refusal says: downloading again gets the result as saved; the name is the user's to save or drop.
    fireEvent.click(screen.getByRole('button', { name: 'Download SRT' }));
    await waitFor(() => expect(files).toHaveLength(1));
    expect(await files[0].text).toBe('SPEAKER_00: Hello there.\nSPEAKER_01: Hi.');
    expect(renames()).toHaveLength(1);
    expect((screen.getByLabelText('Name for SPEAKER_00') as HTMLInputElement).value).toBe('Ana');

    // Changed again, it is held again.
    fireEvent.change(screen.getByLabelText('Name for SPEAKER_00'), { target: { value: 'Anna' } });
    fireEvent.click(screen.getByRole('button', { name: 'Download SRT' }));
    await screen.findByRole('button', { name: 'Preparing SRT…' });
    expect(renames()).toEqual([{ names: { SPEAKER_00: 'Ana' } }, { names: { SPEAKER_00: 'Anna' } }]);
    await act(async () => commit());
    await waitFor(() => expect(files).toHaveLength(2));
    expect(await files[1].text).toBe('Anna: Hello there.\nSPEAKER_01: Hi.');
  });

  it('leaves the field open, with what was typed since, when the name saved by the download was changed meanwhile', async () => {
    const { client, commit, exports, renames } = heldRenames();
    const files = savedFiles();
    render(<JobPage client={client} id="job_1" processors={[transcriber]} refreshProcessors={() => {}} />);
    await typeFirstSpeaker('Ana');
    fireEvent.click(screen.getByRole('button', { name: 'Download SRT' })); // 'Ana' goes out, held
    await screen.findByRole('button', { name: 'Preparing SRT…' });

    fireEvent.change(screen.getByLabelText('Name for SPEAKER_00'), { target: { value: 'Anabel' } });
    await act(async () => commit());
    await waitFor(() => expect(files).toHaveLength(1));

    expect(await files[0].text).toBe('Ana: Hello there.\nSPEAKER_01: Hi.');
    expect(exports()).toBe(1);
    expect((screen.getByLabelText('Name for SPEAKER_00') as HTMLInputElement).value).toBe('Anabel');

    // Not saved yet, so held: the next download sends it first.
    fireEvent.click(screen.getByRole('button', { name: 'Download SRT' }));
    await screen.findByRole('button', { name: 'Preparing SRT…' });
    expect(renames()).toEqual([{ names: { SPEAKER_00: 'Ana' } }, { names: { SPEAKER_00: 'Anabel' } }]);
    await act(async () => commit());
    await waitFor(() => expect(files).toHaveLength(2));
    expect(await files[1].text).toBe('Anabel: Hello there.\nSPEAKER_01: Hi.');
  });

  it('leaves a name field opened but not changed open, and downloads at once', async () => {
    const { client, exports, renames } = heldRenames();
    const files = savedFiles();
    render(<JobPage client={client} id="job_1" processors={[transcriber]} refreshProcessors={() => {}} />);
    await typeFirstSpeaker('');

    fireEvent.click(screen.getByRole('button', { name: 'Download SRT' }));
    await waitFor(() => expect(files).toHaveLength(1));
    expect(exports()).toBe(1);
    expect(renames()).toEqual([]);
    expect(screen.getByLabelText('Name for SPEAKER_00')).toBeTruthy();
  });
});
