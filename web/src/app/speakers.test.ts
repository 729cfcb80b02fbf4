import { describe, expect, it } from 'vitest';
import { HttpError, KilnHttp } from '../live';
import { asTranscript, displayName, isUtterance, renameSpeaker } from './speakers';

describe('speakers', () => {
  it('names a speaker by the name given, else by the engine id', () => {
    const names = { SPEAKER_00: 'Ana', SPEAKER_02: ' ' };
    expect(displayName('SPEAKER_00', names)).toBe('Ana');
    expect(displayName('SPEAKER_01', names)).toBe('SPEAKER_01');
    expect(displayName('SPEAKER_02', names)).toBe('SPEAKER_02');
  });

  it('reads a stored transcript with its speaker names, and nothing else as one', () => {
    const segment = { text: 'hello', start: 0, end: 1.5, speaker: 'SPEAKER_00' };
    expect(asTranscript({ segments: [segment], speakerNames: { SPEAKER_00: 'Ana' } })).toEqual({
      segments: [segment],
      speakerNames: { SPEAKER_00: 'Ana' },
    });
    expect(asTranscript({ segments: [segment] })?.speakerNames).toEqual({});
    expect(asTranscript({ segments: [segment], speakerNames: { SPEAKER_00: 7 } })?.speakerNames).toEqual({});
    expect(asTranscript({ best: 3 })).toBeNull();
    expect(asTranscript([segment])).toBeNull();
    expect(isUtterance({ ...segment, speaker: 1 })).toBe(false);
  });

  it('renames through the API and answers every name; a refusal keeps its code', async () => {
    const sent: { method?: string; url: string; body: unknown }[] = [];
    const http = (status: number, answer: unknown) =>
      new KilnHttp({
        fetch: async (input, init) => {
          sent.push({ method: init?.method, url: String(input), body: JSON.parse(String(init?.body)) });
          return new Response(JSON.stringify(answer), { status, headers: { 'Content-Type': 'application/json' } });
        },
      });
    const names = await renameSpeaker(
      http(200, { names: { SPEAKER_00: 'Ana', SPEAKER_01: 'Ben' } }),
      'job_1',
      'SPEAKER_00',
      'Ana',
    );
    expect(names).toEqual({ SPEAKER_00: 'Ana', SPEAKER_01: 'Ben' });
    expect(sent[0]).toEqual({
      method: 'PUT',
      url: '/api/v1/jobs/job_1/speakers',
      body: { names: { SPEAKER_00: 'Ana' } },
    });
    const refused = renameSpeaker(
      http(409, { code: 'no_speakers', detail: 'This result has no speakers.' }),
      'job_1',
      'SPEAKER_00',
      'Ana',
    );
    await expect(refused).rejects.toBeInstanceOf(HttpError);
    await expect(refused).rejects.toMatchObject({ code: 'no_speakers', message: 'This result has no speakers.' });
  });
});
