import * as fs from 'node:fs';
import * as path from 'node:path';
import { MissingDependencyError } from './errors.js';

/** The programs the embedded services run, each with the Debian package that provides it. */
export const requiredPrograms = {
  java: 'openjdk-17-jdk-headless',
  mvn: 'maven',
  'redis-server': 'redis-server',
  etcd: 'etcd-server',
} as const;

export type RequiredProgram = keyof typeof requiredPrograms;

/** The absolute path of `program` on PATH, or undefined. */
export function findOnPath(program: string, searchPath: string = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, program);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // Not in this folder; keep looking.
    }
  }
  return undefined;
}

/** Throws MissingDependencyError for the first of `programs` that is not on PATH. */
export function requirePrograms(programs: readonly RequiredProgram[]): void {
  for (const program of programs) {
    if (findOnPath(program) === undefined) throw new MissingDependencyError(program, requiredPrograms[program]);
  }
}
