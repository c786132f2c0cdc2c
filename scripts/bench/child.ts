// One engine process (worker or API) run as a child under tsx: started, awaited until ready, RSS sampled, stopped or SIGKILLed.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** A port nobody listens on right now (bound and released on 127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in MB (Linux /proc), or 0 when unknown. */
export function rssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

export class ChildPart {
  proc: ChildProcess | undefined;
  peakRssMb = 0;
  private log: WriteStream | undefined;
  private sampler: NodeJS.Timeout | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    private readonly cwd: string,
    private readonly script: string,
    private readonly env: Record<string, string>,
    private readonly logDir: string,
    private readonly isReady: (line: string) => boolean,
    /** Node's own arguments before the script (default: tsx's loader). */
    private readonly nodeArgs: readonly string[] = ['--import', 'tsx'],
  ) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Starts the process and resolves once it logs its ready line (fails after 90 s or on exit). */
  async start(timeoutMs = 90_000): Promise<void> {
    mkdirSync(this.logDir, { recursive: true });
    this.log ??= createWriteStream(path.join(this.logDir, `${this.name}.log`), { flags: 'a' });
    // BENCH_CPU_PROF=<dir>: each child writes a V8 CPU profile there when it exits (where a phase's CPU went).
    const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    const proc = spawn(process.execPath, [...prof, ...this.nodeArgs, this.script], { cwd: this.cwd, env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    let onEarlyExit: (code: number | null, signal: NodeJS.Signals | null) => void = () => undefined;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} not ready after ${timeoutMs} ms (log: ${this.logDir}/${this.name}.log)`)), timeoutMs);
      let buf = '';
      const onData = (chunk: Buffer) => {
        this.log?.write(chunk);
        buf += chunk.toString('utf8');
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        if (lines.some((l) => this.isReady(l))) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', (c: Buffer) => this.log?.write(c));
      onEarlyExit = (code: number | null, signal: NodeJS.Signals | null) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited before ready (${code ?? signal}); log: ${this.logDir}/${this.name}.log`));
      };
      proc.once('exit', onEarlyExit);
    });
    proc.off('exit', onEarlyExit);
    this.sampler = setInterval(() => this.sample(), 500);
    this.sampler.unref();
  }

  sample(): number {
    const mb = rssMb(this.proc?.pid);
    if (mb > this.peakRssMb) this.peakRssMb = mb;
    return mb;
  }

  /** SIGKILL: no shutdown at all, as a crashed machine. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.proc?.kill('SIGKILL');
    await this.exited;
    clearInterval(this.sampler);
  }

  /** SIGTERM and wait (SIGKILL after 20 s). */
  async stop(): Promise<void> {
    clearInterval(this.sampler);
    if (!this.running) return;
    this.proc?.kill('SIGTERM');
    const t = setTimeout(() => this.proc?.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(t);
  }
}
