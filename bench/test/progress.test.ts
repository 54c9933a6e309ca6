import { describe, expect, it } from 'vitest';
import { duration, eta, progress } from '../src/progress.js';

describe('progress', () => {
  it('says durations in seconds, minutes, hours', () => {
    expect(duration(42_400)).toBe('42s');
    expect(duration(185_000)).toBe('3m 05s');
    expect(duration(3_720_000)).toBe('1h 02m');
  });

  it('estimates the time left from the steps done so far, once there is one', () => {
    expect(eta(0, 1, 10)).toBeUndefined();
    // Two steps done in 20 s: the eight left, the current one included, take 80 s.
    expect(eta(20_000, 3, 10)).toBe('1m 20s');
  });

  it('writes a plain line per step where stderr is no terminal', () => {
    const lines: string[] = [];
    const stream = { isTTY: false, write: (s: string) => lines.push(s) };
    const p = progress(2, stream as unknown as NodeJS.WriteStream);
    p.step('sqlite list round 1/2');
    p.log('  2100 req/s');
    p.step('sqlite list round 2/2');
    p.done();
    expect(lines[0]).toBe('[1/2] sqlite list round 1/2\n');
    expect(lines[1]).toBe('  2100 req/s\n');
    expect(lines[2]).toMatch(/^\[2\/2\] sqlite list round 2\/2, about \d+s left\n$/);
    expect(lines[3]).toMatch(/^done in \d+s\n$/);
  });
});
