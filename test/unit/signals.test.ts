import { describe, expect, it } from 'vitest';
import { parseSignal, signalName } from '../../src/linux/signals';

describe('signals', () => {
  it.each([
    ['9', 9],
    ['KILL', 9],
    ['SIGKILL', 9],
    ['kill', 9],
    ['TERM', 15],
    ['15', 15],
    ['SIGUSR1', 10],
    ['HUP', 1],
    ['RTMIN', 34],
    ['SIGRTMIN+3', 37],
    ['RTMAX-1', 63],
    ['0', 0],
  ])('%s → %d', (s, n) => expect(parseSignal(s)).toBe(n));
  it.each(['65', 'SIGFOO', 'RTMIN+40', ''])('%s is not a signal', (s) => expect(parseSignal(s)).toBeUndefined());
  it('names numbers', () => {
    expect(signalName(9)).toBe('SIGKILL');
    expect(signalName(35)).toBe('SIGRTMIN+1');
  });
});
