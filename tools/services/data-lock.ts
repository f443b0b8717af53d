import * as fs from 'node:fs';
import * as path from 'node:path';
import { isProcessAlive } from './child.js';
import { DataFolderInUseError } from './errors.js';

export interface DataFolderLock {
  readonly dataDir: string;
  release(): void;
}

const lockFileName = 'twinledger.lock';

/**
 * Claims `dataDir` for this process: services on one data folder must not be started twice, since two
 * Redis or etcd processes on the same files corrupt them. The lock file holds the owner's pid; a lock
 * left by a process that no longer exists is taken over.
 */
export function lockDataFolder(dataDir: string): DataFolderLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, lockFileName);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx' });
      return {
        dataDir,
        release: () => {
          if (readHolderPid(lockPath) === process.pid) fs.rmSync(lockPath, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holderPid = readHolderPid(lockPath);
      if (holderPid !== undefined && holderPid !== process.pid && isProcessAlive(holderPid)) {
        throw new DataFolderInUseError(dataDir, holderPid);
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new DataFolderInUseError(dataDir, readHolderPid(lockPath) ?? -1);
}

function readHolderPid(lockPath: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
