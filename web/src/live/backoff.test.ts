import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff';

describe('Backoff', () => {
  it('doubles from 0.5 s to a 30 s cap, within ±20%', () => {
    for (const random of [0, 0.5, 0.999]) {
      const backoff = new Backoff({ random: () => random });
      for (let attempt = 0; attempt < 12; attempt++) {
        const base = Math.min(30_000, 500 * 2 ** attempt);
        const delay = backoff.next();
        expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
        expect(delay).toBeLessThanOrEqual(Math.ceil(base * 1.2));
      }
    }
  });

  it('spreads clients and starts over after a reset', () => {
    const delays = new Set(Array.from({ length: 20 }, () => new Backoff().next()));
    expect(delays.size).toBeGreaterThan(5);
    const backoff = new Backoff({ random: () => 0.5 });
    backoff.next();
    backoff.next();
    expect(backoff.attempts).toBe(2);
    backoff.reset();
    expect(backoff.next()).toBe(500);
  });
});
