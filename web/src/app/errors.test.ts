import { describe, expect, it } from 'vitest';
import { HttpError } from '../live';
import { messageOf } from './errors';

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
