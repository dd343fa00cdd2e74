import { PassThrough } from 'node:stream';
import { progressLine, terminalProgress } from './terminalProgress';

/** A stream that says it is a terminal, keeping what is drawn on it. */
const fakeTerminal = (isTTY: boolean) => {
  const stream = Object.assign(new PassThrough(), {
    isTTY,
    columns: 120,
    cursorTo: (_x: number, _y?: number, done?: () => void) => (done?.(), true),
    clearLine: (_dir: number, done?: () => void) => (done?.(), true),
    moveCursor: (_dx: number, _dy: number, done?: () => void) => (done?.(), true),
  }) as unknown as NodeJS.WriteStream & PassThrough;
  let written = '';
  stream.on('data', (chunk: Buffer) => (written += chunk.toString()));
  return { stream, written: () => written };
};

const progress = {
  phase: 'verify',
  done: 420_000,
  unit: 'events' as const,
  position: 420_000,
  until: 1_000_000,
  rate: 95_000,
  secondsLeft: 75,
};

describe('terminal progress', () => {
  it('draws events done, the share, the rate and the time left on one line', () => {
    expect(progressLine(progress)).toBe(
      'verify [##########--------------] 42% 420,000 events | 95,000/s | 1 min 15 s left',
    );
    expect(progressLine({ phase: 'compare wallets', done: 12, unit: 'documents', rate: 6 })).toBe(
      'compare wallets 12 documents | 6/s',
    );
  });

  it('draws on a terminal', () => {
    const terminal = fakeTerminal(true);
    const display = terminalProgress({ stream: terminal.stream });
    expect(display.active).toBe(true);
    display.show(progress);
    display.show({ ...progress, phase: 'replay', done: 10, position: 10 });
    display.stop();
    expect(terminal.written()).toContain('verify [##########');
    expect(terminal.written()).toContain('replay [');
  });

  it('stays quiet with --json, and when the stream is not a terminal', () => {
    for (const [terminal, json] of [
      [fakeTerminal(true), true],
      [fakeTerminal(false), false],
    ] as const) {
      const display = terminalProgress({ stream: terminal.stream, json });
      expect(display.active).toBe(false);
      display.show(progress);
      display.stop();
      expect(terminal.written()).toBe('');
    }
  });
});
