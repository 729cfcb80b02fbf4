import { describe, expect, it } from 'vitest';
import { age, bytes, duration, lastSeen, timestamp } from './format';

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

  it('says when a worker was last seen, or that none ever was', () => {
    const now = Date.parse('2026-11-23T10:05:00Z');
    expect(lastSeen('2026-11-23T10:00:00Z', now)).toBe('last seen 5 min ago');
    expect(lastSeen('2026-11-23T10:04:50Z', now)).toBe('last seen just now');
    expect(lastSeen('2026-11-23T07:05:00Z', now)).toBe('last seen 3 h ago');
    expect(lastSeen(null, now)).toBe('no worker has connected yet');
  });
});
