// @vitest-environment jsdom
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { EditRequest, Segment } from './edits';
import { fakeClient, json } from './testClient';
import { useEditing } from './useEditing';

afterEach(cleanup);

const line = (id: number, text: string, version = 0, edited?: boolean): Segment => ({
  id,
  version,
  text,
  ...(edited ? { edited } : {}),
});

/** Kiln's result: applies edits, refusing a stale version; the test holds PATCHes when `hold` is set. */
function server() {
  const segments = [line(0, 'zero'), line(1, 'one'), line(2, 'two')];
  const engine = segments.map((s) => s.text);
  const held: (() => void)[] = [];
  const state = { hold: false };
  const { client, calls } = fakeClient((call) => {
    if (call.method !== 'PATCH') return undefined;
    const apply = () => {
      const e = (call.body as { edits: EditRequest[] }).edits[0];
      const now = segments[e.segment];
      if (now.version !== e.version)
        return json({ code: 'edit_conflict', detail: 'x', segment: e.segment, version: now.version }, 409);
      segments[e.segment] = e.restore
        ? line(e.segment, engine[e.segment], now.version + 1)
        : line(e.segment, e.text!, now.version + 1, true);
      return json({ segments: [segments[e.segment]] });
    };
    if (!state.hold) return apply();
    return new Promise<Response>((resolve) => held.push(() => resolve(apply())));
  });
  const patches = () =>
    calls.filter((c) => c.method === 'PATCH').map((c) => (c.body as { edits: EditRequest[] }).edits[0]);
  return { client, segments, held, state, patches };
}

describe('undos pressed while one is on its way', () => {
  it('the second press undoes the edit before the first, not an edit saved after both presses', async () => {
    const s = server();
    const loaded = s.segments.slice();
    const { result } = renderHook(() => useEditing(s.client.http, 'job_u', loaded));
    await act(() => result.current.save(result.current.segments![0], 'ZERO'));
    await act(() => result.current.save(result.current.segments![1], 'ONE'));
    expect(result.current.undoable).toBe('line 2');

    s.state.hold = true;
    let first!: Promise<void>;
    await act(async () => {
      first = result.current.undo().catch(() => undefined); // undoes line 2 (held)
      void result.current.undo(); // pressed at once: should undo line 1 next
    });
    // The owner now corrects line 3; its save is answered before the first undo.
    s.state.hold = false;
    await act(() => result.current.save(result.current.segments![2], 'TWO'));
    expect(result.current.segments![2].text).toBe('TWO');
    await act(async () => {
      s.held.shift()!();
      await first;
    });
    await waitFor(() => expect(s.patches()).toHaveLength(5));
    // Both presses came before the edit of line 3: they undo lines 2 and 1; line 3 keeps the owner's new text.
    expect(s.patches()[4].segment).toBe(0);
    expect(result.current.segments![2].text).toBe('TWO');
  });

  it('the second undo sends the version an edit answered just before the first undo (no false conflict)', async () => {
    const s = server();
    const loaded = s.segments.slice();
    const { result } = renderHook(() => useEditing(s.client.http, 'job_u', loaded));
    await act(() => result.current.save(result.current.segments![0], 'ZERO'));
    await act(() => result.current.save(result.current.segments![1], 'ONE'));

    s.state.hold = true;
    let first!: Promise<void>;
    let edit!: Promise<void>;
    await act(async () => {
      first = result.current.undo().catch(() => undefined);
      void result.current.undo();
    });
    await act(async () => {
      edit = result.current.save(result.current.segments![0], 'ZERO again');
    });
    expect(s.held).toHaveLength(2);
    // Both answers come in before React renders (two responses in a row).
    await act(async () => {
      s.state.hold = false;
      s.held.pop()!(); // the edit of line 1 (version 1 -> 2)
      s.held.shift()!(); // the first undo (line 2)
      await edit;
      await first;
    });
    await waitFor(() => expect(s.patches().length).toBeGreaterThanOrEqual(5));
    expect(s.patches().at(-1)).toMatchObject({ segment: 0, version: 2, restore: true });
    expect(result.current.problem).toBeUndefined();
  });
});
