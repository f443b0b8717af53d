/**
 * An opt-in CPU profile of the node process, for finding where a block's time goes under load. Node
 * refuses `--cpu-prof` in NODE_OPTIONS, and the launchers start nodes with a fixed command line, so the
 * node starts the same V8 profiler itself when LEDGER_CPU_PROFILE_DIR names a folder, and writes
 * `<name>-<pid>.cpuprofile` there (readable by Chrome DevTools) when it stops.
 */
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as path from 'node:path';

export interface CpuProfile {
  /** Stops the profiler and writes the profile; resolves with its path. Never rejects. */
  stop(): Promise<string | undefined>;
}

/** Starts profiling when `dir` is a non-empty string; undefined otherwise. */
export function startCpuProfile(dir: string | undefined, name: string): CpuProfile | undefined {
  if (dir === undefined || dir.length === 0) return undefined;
  fs.mkdirSync(dir, { recursive: true });
  const session = new inspector.Session();
  session.connect();
  // Sampling every 1 ms (V8's default) is enough for blocks that take tens of milliseconds.
  session.post('Profiler.enable', () => session.post('Profiler.start'));
  return {
    stop: () =>
      new Promise((resolve) => {
        session.post('Profiler.stop', (error, result) => {
          session.disconnect();
          if (error !== null) {
            resolve(undefined);
            return;
          }
          const file = path.join(dir, `${name}-${process.pid}.cpuprofile`);
          try {
            fs.writeFileSync(file, JSON.stringify(result.profile));
            resolve(file);
          } catch {
            resolve(undefined);
          }
        });
      }),
  };
}
