// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, renderHook, screen, waitFor } from '@testing-library/react';
import { useCallback, useState } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { HttpError } from '../live';
import { snapshot } from '../live/testSupport';
import { DocumentText } from './DocumentText';
import {
  conflictOf,
  editOf,
  restoreOf,
  segmentsOf,
  undoOf,
  withUpdated,
  type EditRequest,
  type Revision,
  type Segment,
} from './edits';
import { fakeClient, json } from './testClient';
import { giveScrollersASize } from './testLayout';
import { useEditing } from './useEditing';

afterEach(cleanup);
let undoSize: () => void;
beforeAll(() => (undoSize = giveScrollersASize()));
afterAll(() => undoSize());

const line = (id: number, text: string, version = 0, edited?: boolean): Segment => ({
  id,
  version,
  text,
  ...(edited ? { edited } : {}),
});

describe('the editing logic', () => {
  it('edits from the version seen, and not at all when the text is the same', () => {
    expect(editOf(line(3, 'helo', 2), ' hello ')).toEqual({ segment: 3, version: 2, text: 'hello' });
    expect(editOf(line(3, 'hello'), 'hello  ')).toBeNull();
  });

  it("undoes back to the owner's earlier text, or restores the engine's", () => {
    expect(undoOf({ segment: 1, before: { text: 'mine', edited: true } }, line(1, 'later', 4, true))).toEqual({
      segment: 1,
      version: 4,
      text: 'mine',
    });
    expect(undoOf({ segment: 1, before: { text: 'engine', edited: false } }, line(1, 'later', 1, true))).toEqual({
      segment: 1,
      version: 1,
      restore: true,
    });
  });

  it('replaces only the updated segments, keeping the others the same objects', () => {
    const before = [line(0, 'a'), line(1, 'b'), line(2, 'c')];
    const after = withUpdated(before, [line(1, 'B', 1, true)]);
    expect(after.map((s) => s.text)).toEqual(['a', 'B', 'c']);
    expect(after[0]).toBe(before[0]);
    expect(after[2]).toBe(before[2]);
    expect(withUpdated(before, [])).toBe(before);
  });

  it('reads segments with ids, and conflicts from problems', () => {
    expect(segmentsOf({ segments: [line(0, 'a')] })).toEqual([line(0, 'a')]);
    expect(segmentsOf({ segments: [{ text: 'no id' }] })).toBeNull();
    expect(conflictOf(new HttpError(409, 'edit_conflict', 'x', { segment: 4, version: 2 }))).toEqual({
      segment: 4,
      version: 2,
    });
    expect(conflictOf(new HttpError(409, 'job_running', 'x'))).toBeNull();
  });
});

/** A server holding a three-passage document, applying edits as Kiln does, refusing a stale version. */
function fakeServer() {
  let segments: Segment[] = [line(0, 'First passage.'), line(1, 'Secnd passage.'), line(2, 'Third passage.')];
  const originals = segments.map((s) => s.text);
  const log: Record<number, Revision[]> = {};
  let othersWrite: string | undefined;
  const { client, calls } = fakeClient((call) => {
    if (call.method === 'GET' && call.path.endsWith('/revisions')) {
      const id = Number(call.path.split('/').at(-2));
      const revisions = [
        { version: 0, text: originals[id], edited: false, at: '2026-12-05T01:00:00Z' },
        ...(log[id] ?? []),
      ];
      return json({ segment: id, current: segments[id].version, revisions });
    }
    if (call.method === 'GET') return json({ text: '…', segments });
    if (othersWrite !== undefined) {
      segments = withUpdated(segments, [line(1, othersWrite, segments[1].version + 1, true)]);
      othersWrite = undefined;
    }
    const { edits } = call.body as { edits: { segment: number; version: number; text?: string; restore?: true }[] };
    const edit = edits[0];
    const now = segments[edit.segment];
    if (now.version !== edit.version) {
      return json({ code: 'edit_conflict', detail: 'stale', segment: now.id, version: now.version }, 409);
    }
    const next = edit.restore
      ? line(now.id, originals[now.id], now.version + 1)
      : line(now.id, edit.text ?? now.text, now.version + 1, true);
    segments = withUpdated(segments, [next]);
    (log[next.id] ??= []).push({
      version: next.version,
      text: next.text,
      edited: !!next.edited,
      by: { id: 'usr_1', name: 'ada' },
      at: '2026-12-05T02:00:00Z',
    });
    return json({ segments: [next] });
  });
  return { client, calls, otherUserWrites: (text: string) => (othersWrite = text) };
}

const job = snapshot('job_d', 5, { type: 'extract', state: 'succeeded', input: undefined });

describe('correcting a document in place', () => {
  it('edits a passage with the keyboard, saves it, and undoes it with Ctrl+Z', async () => {
    const { client, calls } = fakeServer();
    render(<DocumentText client={client} job={job} href="/api/v1/jobs/job_d/result" />);
    await screen.findByText('Secnd passage.');
    const rows = screen.getAllByRole('listitem');
    expect(rows).toHaveLength(3);

    rows[0].focus();
    fireEvent.keyDown(rows[0], { key: 'ArrowDown' });
    await waitFor(() => expect(document.activeElement).toBe(screen.getAllByRole('listitem')[1]));
    fireEvent.keyDown(document.activeElement!, { key: 'Enter' });
    const field = screen.getByLabelText('Text of segment 2');
    fireEvent.change(field, { target: { value: 'Second passage.' } });
    await act(async () => fireEvent.keyDown(field, { key: 'Enter' }));

    await screen.findByText('Second passage.');
    expect(calls.at(-1)).toEqual({
      method: 'PATCH',
      path: '/api/v1/jobs/job_d/result',
      body: { edits: [{ segment: 1, version: 0, text: 'Second passage.' }] },
      headers: expect.any(Headers),
    });
    expect(screen.getByRole('button', { name: 'Undo (line 2)' })).toBeTruthy();

    await act(async () => fireEvent.keyDown(document.body, { key: 'z', ctrlKey: true }));
    await screen.findByText('Secnd passage.');
    expect(calls.at(-1)?.body).toEqual({ edits: [{ segment: 1, version: 1, restore: true }] });
    expect(screen.getByRole('button', { name: 'Undo' })).toHaveProperty('disabled', true);
  });

  it('cancels with Escape, and says so when someone else saved first, offering a reload', async () => {
    const { client, calls, otherUserWrites } = fakeServer();
    render(<DocumentText client={client} job={job} href="/api/v1/jobs/job_d/result" />);
    fireEvent.click(await screen.findByText('Third passage.'));
    fireEvent.change(screen.getByLabelText('Text of segment 3'), { target: { value: 'Not kept.' } });
    fireEvent.keyDown(screen.getByLabelText('Text of segment 3'), { key: 'Escape' });
    expect(screen.queryByLabelText('Text of segment 3')).toBeNull();
    expect(screen.getByText('Third passage.')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'PATCH')).toHaveLength(0);

    otherUserWrites('Their passage.');
    fireEvent.click(screen.getByText('Secnd passage.'));
    fireEvent.change(screen.getByLabelText('Text of segment 2'), { target: { value: 'Mine.' } });
    await act(async () =>
      fireEvent.keyDown(screen.getByLabelText('Text of segment 2'), { key: 'Enter', ctrlKey: true }),
    );
    expect((await screen.findByRole('alert')).textContent).toMatch(/Line 2 was changed elsewhere .* version 1/);
    expect(screen.getByLabelText('Text of segment 2')).toHaveProperty('value', 'Mine.');

    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Reload' })));
    await screen.findByText('Their passage.');
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

describe('a change typed but not saved', () => {
  it('is saved as Enter would when another passage is opened, which stays open', async () => {
    const { client, calls } = fakeServer();
    render(<DocumentText client={client} job={job} href="/api/v1/jobs/job_d/result" />);
    fireEvent.click(await screen.findByText('Secnd passage.'));
    fireEvent.change(screen.getByLabelText('Text of segment 2'), { target: { value: 'Second passage.' } });
    await act(async () => fireEvent.click(screen.getByText('Third passage.')));

    await screen.findByText('Second passage.');
    expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.body)).toEqual([
      { edits: [{ segment: 1, version: 0, text: 'Second passage.' }] },
    ]);
    expect(screen.getByLabelText('Text of segment 3')).toHaveProperty('value', 'Third passage.');
    expect(screen.queryByLabelText('Text of segment 2')).toBeNull();
  });

  it('is saved when the page is left with the passage open, and not when it was given up with Escape', async () => {
    const { client, calls } = fakeServer();
    const { unmount } = render(<DocumentText client={client} job={job} href="/api/v1/jobs/job_d/result" />);
    fireEvent.click(await screen.findByText('First passage.'));
    fireEvent.change(screen.getByLabelText('Text of segment 1'), { target: { value: 'Given up.' } });
    fireEvent.keyDown(screen.getByLabelText('Text of segment 1'), { key: 'Escape' });
    fireEvent.click(screen.getByText('Secnd passage.'));
    fireEvent.change(screen.getByLabelText('Text of segment 2'), { target: { value: 'Second passage.' } });
    await act(async () => unmount());

    await waitFor(() =>
      expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.body)).toEqual([
        { edits: [{ segment: 1, version: 0, text: 'Second passage.' }] },
      ]),
    );
  });

  it('is not sent when a passage opened but not changed is left for another', async () => {
    const { client, calls } = fakeServer();
    render(<DocumentText client={client} job={job} href="/api/v1/jobs/job_d/result" />);
    fireEvent.click(await screen.findByText('First passage.'));
    await act(async () => fireEvent.click(screen.getByText('Third passage.')));
    expect(screen.getByLabelText('Text of segment 3')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'PATCH')).toHaveLength(0);
  });
});

describe("a segment's history", () => {
  it("brings an earlier revision back by its text, and the engine's by a restore, from the version shown", () => {
    const mine: Revision = { version: 1, text: 'Mine.', speaker: 'Ada', edited: true };
    expect(restoreOf(line(2, 'Later.', 3, true), mine)).toEqual({
      segment: 2,
      version: 3,
      text: 'Mine.',
      speaker: 'Ada',
    });
    expect(restoreOf(line(2, 'Later.', 3, true), { version: 0, text: 'Engine.', edited: false })).toEqual({
      segment: 2,
      version: 3,
      restore: true,
    });
  });

  it('lists the revisions of the line being edited and restores an earlier one', async () => {
    const { client, calls } = fakeServer();
    render(<DocumentText client={client} job={job} href="/api/v1/jobs/job_d/result" />);
    const edit = async (from: string, to: string) => {
      fireEvent.click(await screen.findByText(from));
      fireEvent.change(screen.getByLabelText('Text of segment 2'), { target: { value: to } });
      await act(async () => fireEvent.keyDown(screen.getByLabelText('Text of segment 2'), { key: 'Enter' }));
      await screen.findByText(to);
    };
    await edit('Secnd passage.', 'Second passage.');
    await edit('Second passage.', 'Second passage, reworded.');

    fireEvent.click(screen.getByText('Second passage, reworded.'));
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'History of segment 2' })));
    const revisions = await screen.findByRole('region', { name: 'Revisions of segment 2' });
    const items = Array.from(revisions.querySelectorAll('li')).map((li) => li.textContent);
    expect(items).toHaveLength(3);
    expect(items[0]).toMatch(/^Version 2 · ada · .* · now Second passage, reworded\. $/);
    expect(items[2]).toMatch(/^Original · .*Secnd passage\. Restore$/);
    expect(calls.at(-1)?.path).toBe('/api/v1/jobs/job_d/result/segments/1/revisions');

    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Restore version 1 of segment 2' })));
    await screen.findByText('Second passage.');
    expect(calls.at(-1)?.body).toEqual({ edits: [{ segment: 1, version: 2, text: 'Second passage.' }] });
    expect(screen.queryByRole('region', { name: 'Revisions of segment 2' })).toBeNull();

    fireEvent.click(screen.getByText('Second passage.'));
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'History of segment 2' })));
    await act(async () =>
      fireEvent.click(await screen.findByRole('button', { name: 'Restore version 0 of segment 2' })),
    );
    await screen.findByText('Secnd passage.');
    expect(calls.at(-1)?.body).toEqual({ edits: [{ segment: 1, version: 3, restore: true }] });
  });

  it('says so when the line changed elsewhere before the restore, and keeps the history open', async () => {
    const { client, otherUserWrites } = fakeServer();
    render(<DocumentText client={client} job={job} href="/api/v1/jobs/job_d/result" />);
    fireEvent.click(await screen.findByText('Secnd passage.'));
    fireEvent.change(screen.getByLabelText('Text of segment 2'), { target: { value: 'Mine.' } });
    await act(async () => fireEvent.keyDown(screen.getByLabelText('Text of segment 2'), { key: 'Enter' }));
    fireEvent.click(await screen.findByText('Mine.'));
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'History of segment 2' })));
    otherUserWrites('Theirs.');
    await act(async () =>
      fireEvent.click(await screen.findByRole('button', { name: 'Restore version 0 of segment 2' })),
    );
    expect((await screen.findByRole('alert')).textContent).toMatch(/Line 2 was changed elsewhere/);
    expect(screen.getByRole('region', { name: 'Revisions of segment 2' })).toBeTruthy();
  });
});

describe('undoing a restored revision', () => {
  it('puts back the speaker it changed, not only the text', async () => {
    const loaded = [{ id: 0, version: 2, text: 'Later.', speaker: 'SPEAKER_01', edited: true }];
    const { client, calls } = fakeClient((call) => {
      const { edits } = call.body as { edits: EditRequest[] };
      const { version, text, speaker } = edits[0];
      return json({ segments: [{ id: 0, version: version + 1, text, speaker, edited: true }] });
    });
    const { result } = renderHook(() => useEditing(client.http, 'job_t', loaded));
    const mine: Revision = { version: 1, text: 'Mine.', speaker: 'SPEAKER_00', edited: true };
    await act(() => result.current.revisions.restore(loaded[0], mine));
    expect(result.current.segments?.[0]).toMatchObject({ text: 'Mine.', speaker: 'SPEAKER_00' });

    await act(() => result.current.undo());
    expect(calls.at(-1)?.body).toEqual({ edits: [{ segment: 0, version: 3, text: 'Later.', speaker: 'SPEAKER_01' }] });
    expect(result.current.segments?.[0]).toMatchObject({ text: 'Later.', speaker: 'SPEAKER_01' });
  });
});

describe('undo pressed again before the first is answered', () => {
  /** A line edited twice, whose PATCHes the test answers one by one (an edit stored as sent, a restore as the engine's). */
  async function twiceEdited() {
    const held: { body: { edits: EditRequest[] }; answer(ok: boolean): void }[] = [];
    const { client, calls } = fakeClient(
      (call) =>
        new Promise<Response>((resolve) =>
          held.push({
            body: call.body as { edits: EditRequest[] },
            answer: (ok) => {
              const { segment, version, text, restore } = (call.body as { edits: EditRequest[] }).edits[0];
              resolve(
                ok
                  ? json({ segments: [line(segment, restore ? 'Engine.' : text!, version + 1, !restore)] })
                  : json({ code: 'internal', detail: 'Disk full.' }, 500),
              );
            },
          }),
        ),
    );
    const loaded = [line(0, 'Engine.')];
    const { result } = renderHook(() => useEditing(client.http, 'job_u', loaded));
    for (const text of ['Once.', 'Twice.']) {
      const saving = act(() => result.current.save(result.current.segments![0], text));
      held.shift()!.answer(true);
      await saving;
    }
    expect(result.current.segments?.[0]).toMatchObject({ text: 'Twice.', version: 2 });
    const patches = () => calls.filter((c) => c.method === 'PATCH').map((c) => c.body);
    return { result, held, patches };
  }

  it('undoes the step before once the first is answered, from the version it answered, one write at a time', async () => {
    const { result, held, patches } = await twiceEdited();
    let first!: Promise<void>;
    await act(async () => {
      first = result.current.undo();
      void result.current.undo();
    });
    expect(held).toHaveLength(1); // the second waits: sent now, it would undo the same edit again
    expect(held[0].body).toEqual({ edits: [{ segment: 0, version: 2, text: 'Once.', speaker: undefined }] });

    await act(async () => held.shift()!.answer(true));
    await waitFor(() => expect(held).toHaveLength(1));
    expect(held[0].body).toEqual({ edits: [{ segment: 0, version: 3, restore: true }] });
    await act(async () => {
      held.shift()!.answer(true);
      await first;
    });
    expect(result.current.segments?.[0]).toMatchObject({ text: 'Engine.', version: 4 });
    expect(result.current.undoable).toBeUndefined();
    expect(patches()).toHaveLength(4);
  });

  it('drops the waiting press when the first fails, and both edits stay undoable', async () => {
    const { result, held, patches } = await twiceEdited();
    let first!: Promise<void>;
    await act(async () => {
      first = result.current.undo().catch(() => undefined);
      void result.current.undo();
    });
    await act(async () => {
      held.shift()!.answer(false);
      await first;
    });
    expect(held).toHaveLength(0);
    expect(patches()).toHaveLength(3);
    expect(result.current.problem?.message).toBe('Not saved: Disk full.');
    expect(result.current.segments?.[0]).toMatchObject({ text: 'Twice.', version: 2 });
    expect(result.current.undoable).toBe('line 1');

    // Undo again undoes the newest edit, then the one before: nothing was lost from the history.
    const again = act(() => result.current.undo());
    expect(held).toHaveLength(1);
    expect(held[0].body.edits[0]).toMatchObject({ version: 2, text: 'Once.' });
    held.shift()!.answer(true);
    await again;
    expect(result.current.undoable).toBe('line 1');
  });
});

describe('a long list', () => {
  it('renders only the rows in view, and again only the row whose segment changed', async () => {
    const { SegmentList } = await import('./SegmentList');
    const segments = Array.from({ length: 10_000 }, (_, i) => line(i, `Line ${i}`));
    const lead = vi.fn((s: Segment) => `${s.id}: `);
    const { rerender } = render(<SegmentList segments={segments} renderLead={lead} label="Lines" />);
    const shown = screen.getAllByRole('listitem').length;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(100);

    lead.mockClear();
    const one = withUpdated(segments, [line(2, 'Line two, corrected', 1, true)]);
    rerender(<SegmentList segments={one} renderLead={lead} label="Lines" />);
    expect(lead.mock.calls.map(([s]) => s.id)).toEqual([2]);
    expect(screen.getByText('Line two, corrected')).toBeTruthy();
  });

  it('keeps the line being corrected, and the text typed in it, when it scrolls out of view', async () => {
    const { SegmentList } = await import('./SegmentList');
    const segments = Array.from({ length: 1_000 }, (_, i) => line(i, `Line ${i}`));
    const save = vi.fn(() => Promise.resolve());
    render(<SegmentList segments={segments} onSave={save} label="Lines" />);
    fireEvent.click(screen.getByText('Line 3'));
    fireEvent.change(screen.getByLabelText('Text of segment 4'), { target: { value: 'Line three, half typed' } });

    const scrollTo = async (top: number) => {
      const scroller = screen.getByTestId('segments');
      await act(async () => {
        scroller.scrollTop = top;
        fireEvent.scroll(scroller);
      });
    };
    await scrollTo(20_000);
    await waitFor(() => expect(screen.queryByText('Line 10')).toBeNull());
    expect(screen.getByText('Line 460')).toBeTruthy();
    expect(screen.getByLabelText('Text of segment 4')).toHaveProperty('value', 'Line three, half typed');
    await scrollTo(0);
    await screen.findByText('Line 10');
    expect(screen.getByLabelText('Text of segment 4')).toHaveProperty('value', 'Line three, half typed');
    expect(save).not.toHaveBeenCalled();
  });
});

describe('a line reopened while its save is in flight', () => {
  it('opens only once the save answered, from the corrected text, and that save does not close it', async () => {
    const { SegmentList } = await import('./SegmentList');
    const sent: { text: string; answer: () => void }[] = [];
    function Page() {
      const [segments, setSegments] = useState(() => [line(0, 'Line 0'), line(1, 'Line 1'), line(2, 'Line 2')]);
      const save = useCallback(
        (segment: Segment, text: string) =>
          new Promise<void>((resolve) =>
            sent.push({
              text,
              answer: () => {
                setSegments((s) => withUpdated(s, [line(segment.id, text, segment.version + 1, true)]));
                resolve();
              },
            }),
          ),
        [],
      );
      return <SegmentList segments={segments} onSave={save} label="Lines" />;
    }
    render(<Page />);
    fireEvent.click(screen.getByText('Line 1'));
    fireEvent.change(screen.getByLabelText('Text of segment 2'), { target: { value: 'Line one' } });
    await act(async () => fireEvent.click(screen.getByText('Line 2')));
    expect(sent.map((s) => s.text)).toEqual(['Line one']);

    // Back to the line whose save has not answered: it does not open from the text before the correction.
    await act(async () => fireEvent.click(screen.getByText('Line 1')));
    expect(screen.queryByLabelText('Text of segment 2')).toBeNull();

    await act(async () => sent[0].answer());
    await act(async () => fireEvent.click(screen.getByText('Line one')));
    const field = screen.getByLabelText('Text of segment 2');
    expect(field).toHaveProperty('value', 'Line one');
    fireEvent.change(field, { target: { value: 'Line one, and more' } });
    await act(async () => {});
    expect(screen.getByLabelText('Text of segment 2')).toHaveProperty('value', 'Line one, and more');
    expect(sent).toHaveLength(1);
  });
});
