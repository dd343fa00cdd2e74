import { isPeriodOf, periodOf } from './periods';

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
