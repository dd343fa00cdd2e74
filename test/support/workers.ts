import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const repoRoot = resolve(__dirname, '..', '..');

export type WorkerApp = 'relay' | 'projector' | 'api';

/**
 * A relay, projector or api as its own OS process, run from source (swc), so a test can kill -9 it
 * at any instruction and start it again - the failure mode a container orchestrator produces.
 */
export class WorkerProcess {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  output = '';

  constructor(
    readonly app: WorkerApp,
    private readonly env: Record<string, string>,
  ) {}

  start(): void {
    if (this.child) throw new Error(`${this.app} is already running`);
    const child = spawn(process.execPath, ['-r', '@swc-node/register', `apps/${this.app}/src/main.ts`], {
      cwd: repoRoot,
      env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      // The tail is what explains a failure; the whole log of a long run is not.
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((done) => child.once('exit', () => done()));
    this.child = child;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed or released. */
  async kill9(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM: a clean shutdown; SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    const escalate = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.signal('SIGTERM');
    clearTimeout(escalate);
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill(signal);
    await this.exited;
    this.child = undefined;
  }
}
