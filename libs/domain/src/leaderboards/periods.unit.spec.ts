import { boundsAt, isPeriodOf, nextPeriodStart, periodBounds, periodOf, periodsEnd } from './periods';

describe('leaderboard periods', () => {
  it.each([
    ['never', '2026-11-21T12:00:00Z', 'all'],
    ['daily', '2026-11-21T23:59:59.999Z', '2026-11-21'],
    ['daily', '2026-11-22T00:00:00Z', '2026-11-22'],
    ['monthly', '2026-02-28T23:59:59Z', '2026-02'],
    // Weeks start Monday 00:00 UTC: Sunday night and Monday morning fall in different weeks.
    ['weekly', '2026-11-22T23:59:59.999Z', '2026-W47'],
    ['weekly', '2026-11-23T00:00:00Z', '2026-W48'],
    // ISO week-years: 2027-01-01 is a Friday, still in 2026's last week; 2024-12-30 is in 2025-W01.
    ['weekly', '2027-01-01T10:00:00Z', '2026-W53'],
    ['weekly', '2024-12-30T00:00:00Z', '2025-W01'],
    ['weekly', '2026-01-01T00:00:00Z', '2026-W01'],
  ] as const)('%s at %s is %s', (schedule, at, period) => {
    expect(periodOf(schedule, new Date(at))).toBe(period);
    expect(isPeriodOf(schedule, period)).toBe(true);
  });

  it('ignores the local time zone of the machine', () => {
    // Just before midnight UTC is already "tomorrow" east of Greenwich; the label must not care.
    expect(periodOf('daily', new Date('2026-11-21T23:30:00-00:00'))).toBe('2026-11-21');
  });

  it.each([
    ['daily', '2026-13-01'],
    ['weekly', '2026-W54'],
    ['monthly', '2026-11-01'],
    ['never', '2026'],
  ] as const)('%s does not accept %s', (schedule, label) => {
    expect(isPeriodOf(schedule, label)).toBe(false);
  });
});

describe('repeating and window schedules', () => {
  const sixHours = { type: 'every', count: 6, unit: 'hours', anchor: '2026-01-01T01:00:00.000Z' } as const;
  const window = {
    type: 'window',
    start: '2026-12-01T10:00:00.000Z',
    end: '2026-12-08T10:00:00.000Z',
  } as const;

  it('labels a repeating period by its start, counted from the anchor in both directions', () => {
    expect(periodOf(sixHours, new Date('2026-12-07T06:59:59.999Z'))).toBe('2026-12-07T01:00:00.000Z');
    expect(periodOf(sixHours, new Date('2026-12-07T07:00:00.000Z'))).toBe('2026-12-07T07:00:00.000Z');
    expect(periodOf(sixHours, new Date('2025-12-31T20:00:00.000Z'))).toBe('2025-12-31T19:00:00.000Z');
  });

  it('gives the bounds of the current period and the start of the next', () => {
    const at = new Date('2026-12-07T08:30:00.000Z');
    expect(boundsAt(sixHours, at)).toEqual({
      start: new Date('2026-12-07T07:00:00.000Z'),
      end: new Date('2026-12-07T13:00:00.000Z'),
    });
    expect(nextPeriodStart(sixHours, at)).toEqual(new Date('2026-12-07T13:00:00.000Z'));
    expect(periodBounds('weekly', '2026-W53')).toEqual({
      start: new Date('2026-12-28T00:00:00.000Z'),
      end: new Date('2027-01-04T00:00:00.000Z'),
    });
    expect(periodBounds('monthly', '2026-12')!.end).toEqual(new Date('2027-01-01T00:00:00.000Z'));
    expect(periodBounds('never', 'all')).toBeUndefined();
  });

  it('has one period inside a window and none before or after it', () => {
    expect(periodOf(window, new Date('2026-12-01T09:59:59.999Z'))).toBeUndefined();
    expect(periodOf(window, new Date('2026-12-01T10:00:00.000Z'))).toBe(window.start);
    expect(periodOf(window, new Date('2026-12-08T10:00:00.000Z'))).toBeUndefined();
    expect(nextPeriodStart(window, new Date('2026-11-30T00:00:00.000Z'))).toEqual(new Date(window.start));
    expect(nextPeriodStart(window, new Date('2026-12-02T00:00:00.000Z'))).toBeUndefined();
  });

  it.each([
    [sixHours, '2026-12-07T07:00:00.000Z', true],
    [sixHours, '2026-12-07T08:00:00.000Z', false],
    [sixHours, '2026-12-07', false],
    [window, '2026-12-01T10:00:00.000Z', true],
    [window, '2026-12-02T10:00:00.000Z', false],
    ['daily', '2026-02-30', false],
  ] as const)('%p takes %s as a period: %s', (schedule, label, valid) => {
    expect(isPeriodOf(schedule, label)).toBe(valid);
  });

  it('only never has periods that do not end', () => {
    expect(periodsEnd('never')).toBe(false);
    expect([sixHours, window, 'daily', 'weekly', 'monthly'].every((s) => periodsEnd(s as never))).toBe(true);
  });
});
