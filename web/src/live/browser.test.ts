import { afterEach, describe, expect, it, vi } from 'vitest';
import { browserVisibility } from './browser';

afterEach(() => vi.unstubAllGlobals());

describe('browserVisibility', () => {
  it("reads the document's visibilityState: only a tab known to be hidden is hidden", () => {
    const document = { visibilityState: 'visible' };
    vi.stubGlobal('document', document);
    expect(browserVisibility.isVisible()).toBe(true);
    document.visibilityState = 'hidden';
    expect(browserVisibility.isVisible()).toBe(false);
    vi.stubGlobal('document', undefined); // no document (the tests' own environment): shown
    expect(browserVisibility.isVisible()).toBe(true);
  });
});
