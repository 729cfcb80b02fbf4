import { describe, expect, it } from 'vitest';
import { isTerminal, parseServerMessage, shouldReconnect } from './protocol';
import { event, snapshot } from './testSupport';

describe('parseServerMessage', () => {
  it('accepts every message the server sends', () => {
    for (const message of [
      { type: 'welcome', user: 'ann', pingInterval: 25000 },
      { type: 'subscribed', job: 'job_a', recovered: true },
      { type: 'subscribed', mine: true },
      { type: 'ping', ts: 1 },
      { type: 'deleted', job: 'job_a' },
      { type: 'error', code: 'job_not_found', message: 'No job.', job: 'job_a' },
      { type: 'event', ...event('job_a', 3) },
      // A worker's partial result may be any JSON, and a job of a processor that takes no file has no input.
      { type: 'event', ...event('job_a', 4, 'partial', [1, 2]) },
      { type: 'event', ...event('job_a', 5, 'partial', 0.5) },
      { type: 'event', ...event('job_a', 6, 'partial', null) },
      { type: 'snapshot', job: { ...snapshot('job_a', 3), input: undefined } },
    ]) {
      expect(parseServerMessage(JSON.stringify(message))).toHaveProperty('message');
    }
  });

  it('rejects malformed and unknown messages without throwing', () => {
    for (const text of [
      '{not json',
      'null',
      '[1,2]',
      '{"no":"type"}',
      '{"type":"dance"}',
      '{"type":"event","job":"job_a","seq":"3","kind":"partial","data":{},"ts":"x"}',
      '{"type":"event","job":"job_a","seq":0,"kind":"partial","data":{},"ts":"x"}',
      '{"type":"event","job":"job_a","seq":2,"kind":"telepathy","data":{},"ts":"x"}',
      '{"type":"event","job":"job_a","seq":2,"kind":"progress","data":0.5,"ts":"x"}',
      '{"type":"event","job":"job_a","seq":2,"kind":"partial","ts":"x"}',
      '{"type":"snapshot","job":{"id":"job_a"}}',
      '{"type":"welcome"}',
      '{"type":"deleted"}',
    ]) {
      expect(parseServerMessage(text)).toHaveProperty('problem');
    }
  });

  it('knows which events end a job and which close codes to reconnect after', () => {
    expect(isTerminal(event('job_a', 9, 'state', { state: 'failed' }))).toBe(true);
    expect(isTerminal(event('job_a', 9, 'state', { state: 'running' }))).toBe(false);
    expect([1001, 1006, 1011, 4009, 4010].every(shouldReconnect)).toBe(true);
    expect([1008, 1009, 4001, 4003, 4008].some(shouldReconnect)).toBe(false);
  });
});
