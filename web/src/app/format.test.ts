import { describe, expect, it } from 'vitest';
import { age, bytes, duration, timestamp } from './format';

describe('format', () => {
  it('reads sizes, durations and timestamps as people write them', () => {
    expect(bytes(512)).toBe('512 B');
    expect(bytes(1536)).toBe('1.5 KB');
    expect(bytes(250 * 1024 * 1024)).toBe('250 MB');
    expect(duration(75)).toBe('1 min 15 s');
    expect(duration(4000)).toBe('1 h 6 min');
    expect(timestamp(83.5)).toBe('1:23');
    expect(timestamp(3723)).toBe('1:02:03');
    expect(age('2026-11-23T10:00:00Z', Date.parse('2026-11-23T10:05:00Z'))).toBe('5 min ago');
  });
});
