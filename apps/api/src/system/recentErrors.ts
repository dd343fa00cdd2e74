/** One log line at warn or above, as the system page shows it. */
export type LoggedError = {
  time: string;
  level: 'warn' | 'error' | 'fatal';
  message: string;
  /** The Nest component that logged it, when it said. */
  context?: string;
  correlationId?: string;
  /** The message of the error that came with it, when one did. */
  error?: string;
};

const LEVELS: Record<number, LoggedError['level']> = { 40: 'warn', 50: 'error', 60: 'fatal' };
const WARN = 40;

/**
 * The api's last log lines at warn or above, newest last: what an operator looks at first on the system
 * page. Fed by the api logger's hook (http/requestLog), so it holds what the log holds: with LOG_LEVEL
 * above warn it stays empty.
 */
export class RecentErrors {
  private readonly lines: LoggedError[] = [];

  constructor(private readonly capacity = 50) {}

  /** Takes a pino log call's arguments: an optional object, then the message. */
  record(level: number, args: readonly unknown[]): void {
    if (level < WARN) return;
    const fields = (typeof args[0] === 'object' && args[0] !== null ? args[0] : {}) as Record<
      string,
      unknown
    >;
    const message = args.find((arg): arg is string => typeof arg === 'string');
    const cause = fields.err ?? (fields instanceof Error ? fields : undefined);
    const line: LoggedError = {
      time: new Date().toISOString(),
      level: LEVELS[level] ?? 'fatal',
      message: message ?? (cause instanceof Error ? cause.message : ''),
    };
    if (typeof fields.context === 'string') line.context = fields.context;
    if (typeof fields.correlationId === 'string') line.correlationId = fields.correlationId;
    if (cause instanceof Error) line.error = cause.message;
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.shift();
  }

  list(): LoggedError[] {
    return [...this.lines];
  }
}
