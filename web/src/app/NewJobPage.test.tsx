// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NewJobPage } from './NewJobPage';
import type { ProcessorInfo } from './processors';
import { fakeClient } from './testClient';
import { UploadQueue } from './uploadQueue';

afterEach(cleanup);

const processor = (name: string, accepts: string[]): ProcessorInfo => ({
  name,
  description: '',
  accepts,
  params: { type: 'object', properties: {} },
  resultFormats: ['json'],
  shape: null,
  details: {},
});

describe('New job with files', () => {
  it('takes a file out of the selection, and the processors, the form and its button follow', () => {
    const { client } = fakeClient(() => undefined);
    render(
      <NewJobPage
        client={client}
        processors={[processor('transcribe', ['audio/*']), processor('extract', ['application/pdf'])]}
        uploads={new UploadQueue(client.http)}
        refreshProcessors={() => {}}
      />,
    );
    const files = [
      new File(['a'], 'talk.wav', { type: 'audio/wav' }),
      new File(['b'], 'interview.wav', { type: 'audio/wav' }),
      new File(['c'], 'slides.pdf', { type: 'application/pdf' }),
    ];
    fireEvent.change(screen.getByTestId('file-input'), { target: { files } });
    expect(screen.getByRole('alert').textContent).toBe(
      'No processor here takes all of these files: remove those of another kind.',
    );
    expect(screen.queryByRole('form', { name: 'A job for these files' })).toBeNull();

    const chosen = screen.getByRole('list', { name: 'Chosen files' });
    expect(
      within(chosen)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['talk.wav (1 B) Remove', 'interview.wav (1 B) Remove', 'slides.pdf (1 B) Remove']);
    fireEvent.click(screen.getByRole('button', { name: 'Remove slides.pdf' }));

    expect(screen.queryByRole('alert')).toBeNull();
    const form = screen.getByRole('form', { name: 'A job for these files' });
    expect(
      within(form)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['transcribe']);
    expect(within(form).getByRole('combobox')).toHaveProperty('value', 'transcribe');
    expect(within(form).getByRole('button', { name: 'Upload and start a batch of 2' })).toBeTruthy();
    // Focus stays in the list (on the Remove now where the removed one was, or the last), not lost to the page.
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Remove interview.wav' }));

    fireEvent.click(screen.getByRole('button', { name: 'Remove talk.wav' }));
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Remove interview.wav' }));
    expect(within(form).getByRole('button', { name: 'Upload and start' })).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Remove interview.wav' }));
    expect(screen.queryByRole('list', { name: 'Chosen files' })).toBeNull();
    expect(screen.queryByRole('form', { name: 'A job for these files' })).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Choose files' }));
  });

  it('keeps saying an earlier batch was not started while files are chosen or removed, until the next start', async () => {
    const { client } = fakeClient(() => undefined);
    const uploads = new UploadQueue(client.http);
    uploads.addForBatch = () => Promise.reject(new Error('Disk full.'));
    uploads.add = () => {};
    render(
      <NewJobPage
        client={client}
        processors={[processor('transcribe', ['audio/*'])]}
        uploads={uploads}
        refreshProcessors={() => {}}
      />,
    );
    const wav = (name: string) => new File(['a'], name, { type: 'audio/wav' });
    fireEvent.change(screen.getByTestId('file-input'), { target: { files: [wav('a.wav'), wav('b.wav')] } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Upload and start a batch of 2' })));
    const said = 'The batch was not started: Disk full.';
    expect(screen.getByText(said)).toBeTruthy();

    fireEvent.change(screen.getByTestId('file-input'), { target: { files: [wav('c.wav'), wav('d.wav')] } });
    expect(screen.getByText(said)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Remove d.wav' }));
    expect(screen.getByText(said)).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Upload and start' }));
    expect(screen.queryByText(said)).toBeNull();
  });
});

describe('New job', () => {
  it('reads the processors every 15 s, but not while the client is paused in a hidden tab', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const { client } = fakeClient(() => undefined);
      const hidden = client as unknown as { paused: boolean };
      let reads = 0;
      render(
        <NewJobPage
          client={client}
          processors={[]}
          uploads={new UploadQueue(client.http)}
          refreshProcessors={() => reads++}
        />,
      );
      vi.advanceTimersByTime(15_000);
      expect(reads).toBe(2); // at once and after 15 s

      hidden.paused = true;
      vi.advanceTimersByTime(60_000);
      expect(reads).toBe(2);

      hidden.paused = false; // shown again: at the next turn
      vi.advanceTimersByTime(15_000);
      expect(reads).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
