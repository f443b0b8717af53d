/**
 * One node process per data folder: two writers on one block store and LMDB environment would corrupt
 * both. The lock file holds the owner's pid; a lock left by a process that no longer exists is taken
 * over. Within one process, a second open of a locked folder is refused as well.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const dataLockFileName = 'ledger-node.lock';

/** The data folder is held by another node (or by another open node in this process). */
export class DataFolderLockedError extends Error {
  override readonly name = 'DataFolderLockedError';
  readonly code = 'DATA_FOLDER_LOCKED';
  constructor(
    readonly dataDir: string,
    readonly holderPid: number,
  ) {
    super(`data folder ${dataDir} is in use by process ${holderPid}`);
  }
}

export interface DataFolderLock {
  release(): void;
}

const heldInThisProcess = new Set<string>();

/**
 * Claims `dataDir` (created if missing) through the lock file `lockFileName` in it, so a node and the
 * platform that started it can each hold their own folder lock. Throws DataFolderLockedError when
 * another live holder has it.
 */
export function lockDataFolder(dataDir: string, lockFileName: string = dataLockFileName): DataFolderLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(fs.realpathSync(dataDir), lockFileName);
  if (heldInThisProcess.has(lockPath)) throw new DataFolderLockedError(dataDir, process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx' });
      heldInThisProcess.add(lockPath);
      let released = false;
      return {
        release: () => {
          if (released) return;
          released = true;
          heldInThisProcess.delete(lockPath);
          if (readHolderPid(lockPath) === process.pid) fs.rmSync(lockPath, { force: true });
        },
      };
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holderPid = readHolderPid(lockPath);
      // Our own pid without an entry in this process: a lock left by an earlier run that had our pid.
      if (holderPid !== undefined && holderPid !== process.pid && isAlive(holderPid)) throw new DataFolderLockedError(dataDir, holderPid);
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new DataFolderLockedError(dataDir, readHolderPid(lockPath) ?? -1);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolderPid(lockPath: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
