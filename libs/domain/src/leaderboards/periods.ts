/**
 * A leaderboard period is a label computed from a UTC timestamp, so the same event always lands in the
 * same period, on any machine and in any replay.
 *   never   -> "all"
 *   daily   -> "2026-11-21"
 *   weekly  -> "2026-W47"   (ISO 8601 week: starts Monday 00:00 UTC)
 *   monthly -> "2026-11"
 */
export type ResetSchedule = 'never' | 'daily' | 'weekly' | 'monthly';
export const RESET_SCHEDULES: readonly ResetSchedule[] = ['never', 'daily', 'weekly', 'monthly'];

const DAY_MS = 86_400_000;
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export const periodOf = (schedule: ResetSchedule, at: Date): string => {
  switch (schedule) {
    case 'never':
      return 'all';
    case 'daily':
      return `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}`;
    case 'monthly':
      return `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}`;
    case 'weekly': {
      // ISO week-year is the year of the week's Thursday; week 1 holds the year's first Thursday.
      const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
      const mondayBased = (new Date(day).getUTCDay() + 6) % 7;
      const thursday = new Date(day + (3 - mondayBased) * DAY_MS);
      const year = thursday.getUTCFullYear();
      const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS / 7);
      return `${year}-W${pad(week)}`;
    }
  }
};

const PERIOD_PATTERNS: Record<ResetSchedule, RegExp> = {
  never: /^all$/,
  daily: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
  weekly: /^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/,
  monthly: /^\d{4}-(0[1-9]|1[0-2])$/,
};

/** Whether `label` is a well-formed period of this schedule (for query parameters). */
export const isPeriodOf = (schedule: ResetSchedule, label: string): boolean =>
  PERIOD_PATTERNS[schedule].test(label);
