import { type ChildProcess, spawn } from 'node:child_process';
import { type WriteStream, createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { apiNodeFlags } from './apiNodeFlags';

const repoRoot = resolve(__dirname, '..');

export type WorkerApp = 'relay' | 'projector' | 'api';

export type WorkerOptions = {
  /** Every line the process writes is also appended here (the in-memory tail is kept either way). */
  logFile?: string;
  /** Called whenever the process exits, whoever ended it. */
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
};

/**
 * A relay, projector or api as its own OS process, run from source (swc), so a test can kill -9 it
 * at any instruction and start it again - the failure mode a container orchestrator produces. The
 * topology script (scripts/topology.ts) runs its processes with it too.
 */
export class WorkerProcess {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private log?: WriteStream;
  output = '';

  constructor(
    readonly app: WorkerApp,
    private readonly env: Record<string, string>,
    private readonly options: WorkerOptions = {},
  ) {}

  start(): void {
    if (this.running) throw new Error(`${this.app} is already running`);
    // An api runs with the Node flags it ships with (npm start).
    const flags = this.app === 'api' ? apiNodeFlags() : [];
    const child = spawn(
      process.execPath,
      [...flags, '-r', '@swc-node/register', `apps/${this.app}/src/main.ts`],
      {
        cwd: repoRoot,
        env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...this.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    if (this.options.logFile && !this.log) this.log = createWriteStream(this.options.logFile, { flags: 'a' });
    const keep = (chunk: Buffer) => {
      // The tail is what explains a failure; the whole log of a long run is not.
      this.output = (this.output + chunk.toString()).slice(-20_000);
      this.log?.write(chunk);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((done) =>
      child.once('exit', (code, signal) => {
        this.options.onExit?.(code, signal);
        done();
      }),
    );
    this.child = child;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Started and not exited since (a process that crashed on its own is not running). */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed or released. */
  async kill9(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /**
   * SIGSTOP: frozen between two instructions, as in a long GC pause or a stalled VM; whatever it holds
   * (a lease) lapses meanwhile. `resume` (SIGCONT) lets it carry on as if no time had passed.
   */
  pause(): void {
    if (this.running) this.child!.kill('SIGSTOP');
  }

  resume(): void {
    if (this.running) this.child!.kill('SIGCONT');
  }

  /** SIGTERM: a clean shutdown; SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    const escalate = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.signal('SIGTERM');
    clearTimeout(escalate);
  }

  /** Stops the process (if running) and closes its log file. */
  async close(graceMs?: number): Promise<void> {
    await this.stop(graceMs);
    const log = this.log;
    this.log = undefined;
    if (log) await new Promise((done) => log.end(done));
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (this.running) child.kill(signal);
    await this.exited;
    this.child = undefined;
  }
}
