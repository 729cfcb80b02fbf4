import { describe, expect, it } from 'vitest';
import { accepts, defaults, type ProcessorInfo } from './processors';

const transcribe: ProcessorInfo = {
  name: 'transcribe',
  description: 'speech',
  accepts: ['audio/*', 'video/*', 'application/ogg'],
  params: {
    properties: {
      model: { type: 'string', default: 'en-us', enum: ['en-us'] },
      words: { type: 'boolean', default: false },
    },
  },
  resultFormats: ['json', 'srt'],
  details: {},
};

describe('processors', () => {
  it('offers a processor only for the file types it takes', () => {
    expect(accepts(transcribe, 'audio/mpeg')).toBe(true);
    expect(accepts(transcribe, 'application/ogg')).toBe(true);
    expect(accepts(transcribe, 'application/pdf')).toBe(false);
    expect(accepts(transcribe, '')).toBe(true);
  });

  it('starts a params form from the schema defaults', () => {
    expect(defaults(transcribe)).toEqual({ model: 'en-us', words: false });
  });
});
