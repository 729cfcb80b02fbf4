// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { HttpError, KilnHttp, type LiveClient } from '../live';
import { snapshot } from '../live/testSupport';
import { DocumentText } from './DocumentText';
import { conflictOf, editOf, segmentsOf, undoOf, withUpdated, type Segment } from './edits';
import { giveScrollersASize } from './testLayout';

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

interface Call {
  method: string;
  path: string;
  body?: unknown;
}

/** A server holding a three-passage document, applying edits as Kiln does, refusing a stale version. */
function fakeServer() {
  const calls: Call[] = [];
  let segments: Segment[] = [line(0, 'First passage.'), line(1, 'Secnd passage.'), line(2, 'Third passage.')];
  const originals = segments.map((s) => s.text);
  let othersWrite: string | undefined;
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  const http = new KilnHttp({
    csrf: () => 'csrf_1',
    fetch: async (input, init) => {
      const call = {
        method: init?.method ?? 'GET',
        path: String(input),
        body: init?.body && JSON.parse(String(init.body)),
      };
      calls.push(call);
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
      return json({ segments: [next] });
    },
  });
  const client = { http } as unknown as LiveClient;
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
});
