/**
 * A leaderboard period is a label computed from a UTC timestamp, so the same event always lands in the
 * same period, on any machine and in any replay.
 *   never   -> "all"
 *   daily   -> "2026-11-21"
 *   weekly  -> "2026-W47"   (ISO 8601 week: starts Monday 00:00 UTC)
 *   monthly -> "2026-11"
 *   every   -> the period's start instant, "2026-11-21T06:00:00.000Z" (a fixed duration from an anchor)
 *   window  -> the window's start instant; before or after the window there is no period
 */
export type CalendarSchedule = 'never' | 'daily' | 'weekly' | 'monthly';
export const CALENDAR_SCHEDULES: readonly CalendarSchedule[] = ['never', 'daily', 'weekly', 'monthly'];

export type RepeatUnit = 'minutes' | 'hours' | 'days';
export const REPEAT_UNITS: readonly RepeatUnit[] = ['minutes', 'hours', 'days'];

/** Periods of `count` units each, one of which starts at `anchor` (an ISO instant). */
export type RepeatingSchedule = Readonly<{ type: 'every'; count: number; unit: RepeatUnit; anchor: string }>;
/** One period, from `start` (inclusive) to `end` (exclusive), ISO instants. */
export type WindowSchedule = Readonly<{ type: 'window'; start: string; end: string }>;

export type ResetSchedule = CalendarSchedule | RepeatingSchedule | WindowSchedule;

/** A period's bounds: `start` inclusive, `end` exclusive. */
export type PeriodBounds = Readonly<{ start: Date; end: Date }>;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const UNIT_MS: Record<RepeatUnit, number> = { minutes: MINUTE_MS, hours: 60 * MINUTE_MS, days: DAY_MS };
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

const durationMs = (schedule: RepeatingSchedule): number => schedule.count * UNIT_MS[schedule.unit];

/** The start of the repeating period holding `at`. */
const repeatingStart = (schedule: RepeatingSchedule, at: Date): number => {
  const anchor = Date.parse(schedule.anchor);
  const length = durationMs(schedule);
  return anchor + Math.floor((at.getTime() - anchor) / length) * length;
};

/** Monday 00:00 UTC of the ISO week holding `at`, and its ISO week-year and number. */
const isoWeek = (at: Date): { monday: number; year: number; week: number } => {
  // ISO week-year is the year of the week's Thursday; week 1 holds the year's first Thursday.
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const mondayBased = (new Date(day).getUTCDay() + 6) % 7;
  const thursday = new Date(day + (3 - mondayBased) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS / 7);
  return { monday: day - mondayBased * DAY_MS, year, week };
};

/** The period holding `at`, or undefined when the schedule has none then (outside a window). */
export const periodOf = (schedule: ResetSchedule, at: Date): string | undefined => {
  if (typeof schedule === 'object') {
    const bounds = boundsAt(schedule, at);
    return bounds && bounds.start.toISOString();
  }
  switch (schedule) {
    case 'never':
      return 'all';
    case 'daily':
      return `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}`;
    case 'monthly':
      return `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}`;
    case 'weekly': {
      const { year, week } = isoWeek(at);
      return `${year}-W${pad(week)}`;
    }
  }
};

/** The bounds of the period holding `at`; undefined for `never` and outside a window. */
export const boundsAt = (schedule: ResetSchedule, at: Date): PeriodBounds | undefined => {
  const span = (start: number, end: number): PeriodBounds => ({ start: new Date(start), end: new Date(end) });
  if (typeof schedule === 'object') {
    if (schedule.type === 'window') {
      const start = Date.parse(schedule.start);
      const end = Date.parse(schedule.end);
      return at.getTime() >= start && at.getTime() < end ? span(start, end) : undefined;
    }
    const start = repeatingStart(schedule, at);
    return span(start, start + durationMs(schedule));
  }
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  switch (schedule) {
    case 'never':
      return undefined;
    case 'daily': {
      const start = Date.UTC(year, month, at.getUTCDate());
      return span(start, start + DAY_MS);
    }
    case 'monthly':
      return span(Date.UTC(year, month, 1), Date.UTC(year, month + 1, 1));
    case 'weekly': {
      const { monday } = isoWeek(at);
      return span(monday, monday + 7 * DAY_MS);
    }
  }
};

/** The bounds of the period labelled `label` (a well-formed one: see isPeriodOf). */
export const periodBounds = (schedule: ResetSchedule, label: string): PeriodBounds | undefined => {
  if (typeof schedule === 'object') return boundsAt(schedule, new Date(label));
  switch (schedule) {
    case 'never':
      return undefined;
    case 'daily':
      return boundsAt(schedule, new Date(`${label}T00:00:00.000Z`));
    case 'monthly':
      return boundsAt(schedule, new Date(`${label}-01T00:00:00.000Z`));
    case 'weekly': {
      // Week 1 holds January 4th; its Monday plus (week - 1) weeks.
      const [year, week] = label.split('-W').map(Number);
      const { monday } = isoWeek(new Date(Date.UTC(year, 0, 4)));
      return boundsAt(schedule, new Date(monday + (week - 1) * 7 * DAY_MS));
    }
  }
};

/** When the next period after the one holding `at` starts; undefined when there is none. */
export const nextPeriodStart = (schedule: ResetSchedule, at: Date): Date | undefined => {
  if (typeof schedule === 'object' && schedule.type === 'window') {
    return at.getTime() < Date.parse(schedule.start) ? new Date(schedule.start) : undefined;
  }
  return boundsAt(schedule, at)?.end;
};

/** Whether the schedule's periods end (and so are closed and can pay rewards): all but `never`. */
export const periodsEnd = (schedule: ResetSchedule): boolean => schedule !== 'never';

const PERIOD_PATTERNS: Record<CalendarSchedule, RegExp> = {
  never: /^all$/,
  daily: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
  weekly: /^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/,
  monthly: /^\d{4}-(0[1-9]|1[0-2])$/,
};
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Whether `label` is a period of this schedule (for query parameters). */
export const isPeriodOf = (schedule: ResetSchedule, label: string): boolean => {
  if (typeof schedule !== 'object') {
    if (!PERIOD_PATTERNS[schedule].test(label)) return false;
    return schedule === 'never' || periodOf(schedule, periodBounds(schedule, label)!.start) === label;
  }
  if (!INSTANT.test(label) || Number.isNaN(Date.parse(label))) return false;
  return periodOf(schedule, new Date(label)) === label;
};

/** A schedule as one line for messages: `daily`, `every 6 hours from …`, `window … to …`. */
export const describeSchedule = (schedule: ResetSchedule): string =>
  typeof schedule !== 'object'
    ? schedule
    : schedule.type === 'every'
      ? `every ${schedule.count} ${schedule.unit} from ${schedule.anchor}`
      : `window ${schedule.start} to ${schedule.end}`;
