/**
 * Errors a person starting the platform can act on. Each carries one line that says what is wrong and
 * what to do; the supervisor prints that line and exits non-zero instead of printing a stack trace.
 */
export class ServiceStartError extends Error {
  override readonly name: string = 'ServiceStartError';
}

/** A program the platform needs is not installed; names the Debian package that provides it. */
export class MissingDependencyError extends ServiceStartError {
  override readonly name = 'MissingDependencyError';
  constructor(
    readonly program: string,
    readonly debianPackage: string,
  ) {
    super(`${program} not found on PATH: install the Debian package ${debianPackage} (apt-get install ${debianPackage})`);
  }
}

/** Another running platform holds the data folder. */
export class DataFolderInUseError extends ServiceStartError {
  override readonly name = 'DataFolderInUseError';
  constructor(
    readonly dataDir: string,
    readonly holderPid: number,
  ) {
    super(`data folder ${dataDir} is in use by process ${holderPid}: stop it first or set TWINLEDGER_DATA_DIR to another folder`);
  }
}
