import { describe, expect, it } from 'vitest';
import { accepts, isTranscriptShaped, presence, takesNoFile, workerSummary, type ProcessorInfo } from './processors';

function processor(change: Partial<ProcessorInfo>): ProcessorInfo {
  return {
    name: 'transcribe',
    description: 'speech',
    accepts: ['audio/*', 'video/*', 'application/ogg'],
    params: { type: 'object', properties: {} },
    resultFormats: ['json', 'srt'],
    shape: null,
    details: {},
    ...change,
  };
}

const transcribe = processor({});
const optimize = processor({
  name: 'optimize',
  accepts: ['none'],
  details: { servedBy: 'workers', workers: 0, lastSeenAt: '2026-11-23T10:00:00Z' },
});

describe('processors', () => {
  it('offers a processor only for the file types it takes, and one that takes no file for none', () => {
    expect(accepts(transcribe, 'audio/mpeg')).toBe(true);
    expect(accepts(transcribe, 'application/ogg')).toBe(true);
    expect(accepts(transcribe, 'application/pdf')).toBe(false);
    expect(accepts(transcribe, '')).toBe(true);
    expect(takesNoFile(optimize)).toBe(true);
    expect(takesNoFile(transcribe)).toBe(false);
    expect(accepts(optimize, '')).toBe(false);
    expect(takesNoFile(processor({ accepts: ['none', 'text/plain'] }))).toBe(false);
  });

  it('tells the processors workers serve, how many are there and since when none is', () => {
    expect(presence(transcribe)).toBeNull();
    expect(presence(optimize)).toEqual({ workers: 0, lastSeenAt: '2026-11-23T10:00:00Z' });
    expect(presence(processor({ details: { servedBy: 'workers', workers: 2, lastSeenAt: null } }))).toEqual({
      workers: 2,
      lastSeenAt: null,
    });
    const now = Date.parse('2026-11-23T10:05:00Z');
    expect(workerSummary({ workers: 2, lastSeenAt: null }, now)).toBe('Served by external workers: 2 connected now.');
    expect(workerSummary({ workers: 0, lastSeenAt: '2026-11-23T10:00:00Z' }, now)).toContain(
      'none connected now (last seen 5 min ago)',
    );
    expect(workerSummary({ workers: 0, lastSeenAt: null }, now)).toContain('(no worker has connected yet)');
  });

  it('reads the built-in transcriber and a worker processor shaped as a transcript alike', () => {
    expect(isTranscriptShaped(transcribe, 'transcribe')).toBe(true);
    expect(isTranscriptShaped(processor({ name: 'diarize', shape: 'transcript' }), 'diarize')).toBe(true);
    expect(isTranscriptShaped(processor({ name: 'extract', shape: 'document' }), 'extract')).toBe(false);
    expect(isTranscriptShaped(undefined, 'transcribe')).toBe(true);
  });
});
