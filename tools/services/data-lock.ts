import { DataFolderLockedError, lockDataFolder as lockFolder } from '@twinledger/ledger-core/node/data-lock';
import { DataFolderInUseError } from './errors.js';

export interface DataFolderLock {
  readonly dataDir: string;
  release(): void;
}

const lockFileName = 'twinledger.lock';

/**
 * Claims `dataDir` for this process: services on one data folder must not be started twice, since two
 * Redis or etcd processes on the same files corrupt them. The ledger node's pid lock does the claiming
 * (a lock left by a process that no longer exists is taken over); this adds the supervisor's one-line
 * error that says what to do.
 */
export function lockDataFolder(dataDir: string): DataFolderLock {
  try {
    const lock = lockFolder(dataDir, lockFileName);
    return { dataDir, release: () => lock.release() };
  } catch (error) {
    if (error instanceof DataFolderLockedError) throw new DataFolderInUseError(dataDir, error.holderPid);
    throw error;
  }
}
