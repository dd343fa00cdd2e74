import { SqliteEventStore } from '@app/event-store/sqlite';
import { runAuditCli } from '@test/support/auditCli';
import { appendFillerEvents } from '@test/support/eventLog';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');

/**
 * The audit CLI's progress as an operator sees it: on a terminal (a pseudo-terminal from util-linux's
 * `script`) verify draws events done, the rate and the time left on stderr; with --json, or into a pipe,
 * nothing but the result.
 */
describe('audit CLI progress (e2e)', () => {
  jest.setTimeout(120_000);
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'audit-progress-'));
    const store = new SqliteEventStore(join(dataDir, 'events.db'), { synchronous: 'NORMAL' });
    try {
      await appendFillerEvents(store, { streams: 50, perStream: 1000 });
    } finally {
      await store.close();
    }
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** The CLI on a pseudo-terminal: what the terminal showed (stdout and stderr), and the exit code. */
  const onTerminal = (args: string) => {
    const command = `${process.execPath} -r @swc-node/register apps/audit/src/main.ts ${args}`;
    const run = spawnSync('script', ['-qefc', command, '/dev/null'], {
      cwd: root,
      env: { ...process.env, DATA_DIR: dataDir, COLUMNS: '120' },
      encoding: 'utf8',
    });
    return { status: run.status, screen: run.stdout };
  };

  it('draws the progress of verify on a terminal: events done, rate, time left', () => {
    const { status, screen } = onTerminal('verify');
    expect(status).toBe(0);
    expect(screen).toMatch(/verify \[#+-*\] \d+% [\d,]+ events \| [\d,]+\/s/);
    // The last drawing is the finished one, with nothing left.
    expect(screen).toMatch(/verify \[#{24}\] 100% 50,000 events \| [\d,]+\/s \| 0 s left/);
    expect(screen).toMatch(/ok: 50000 events in 50 streams/);
  });

  it('stays quiet with --json on a terminal', () => {
    const { status, screen } = onTerminal('verify --json');
    expect(status).toBe(0);
    expect(screen).not.toMatch(/events \|/);
    expect(JSON.parse(screen.trim())).toMatchObject({ ok: true, events: 50_000 });
  });

  it('stays quiet when stderr is not a terminal', () => {
    const run = runAuditCli(['verify'], { DATA_DIR: dataDir });
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^ok: 50000 events in 50 streams/);
  });
});
