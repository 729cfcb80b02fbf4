import { describe, expect, it } from 'vitest';
import { HttpError } from '../live';
import { messageOf, whyNoRetry } from './errors';

describe('messageOf', () => {
  it("says Kiln could not be reached for a request that got no answer, in each browser's wording", () => {
    for (const words of ['Failed to fetch', 'NetworkError when attempting to fetch resource.', 'Load failed']) {
      expect(messageOf(new TypeError(words))).toBe('Kiln could not be reached; check your connection and try again.');
    }
  });

  it("gives a problem's detail, another error's message, and anything else as text", () => {
    expect(messageOf(new HttpError(409, 'edit_conflict', 'Line 2 changed.'))).toBe('Line 2 changed.');
    expect(messageOf(new TypeError('x is not a function'))).toBe('x is not a function');
    expect(messageOf('plain')).toBe('plain');
  });
});

describe('whyNoRetry', () => {
  const failed = (code: string) => ({ state: 'failed' as const, error: { code, message: 'x', retryable: false } });

  it('offers no Retry for a failure of the file itself', () => {
    expect(whyNoRetry(failed('document_encrypted'), false)).toBe(
      'Running it again would fail the same way: the problem is in the file itself.',
    );
  });

  it('offers Retry for a document too large, which may be over a limit an administrator can raise', () => {
    expect(whyNoRetry(failed('document_too_large'), false)).toBeUndefined();
  });

  it('offers Retry for content missing from storage while the file is there, which an administrator can put right', () => {
    expect(whyNoRetry(failed('input_missing'), false)).toBeUndefined();
    expect(whyNoRetry(failed('input_missing'), true)).toContain('its file was deleted');
  });
});
