/**
 * Runs every case of a vector corpus and gathers each failure into one report ("N out of M failed")
 * instead of stopping at the first, so one run shows the whole extent of a regression.
 * Used by tests; it has no test-runner dependency so scripts can use it too.
 */
export interface VectorReport {
  readonly total: number;
  readonly failures: readonly string[];
  /** `N out of M failed`, followed by one line per failure. */
  readonly text: string;
}

/**
 * Applies `check` to every case; `check` returns undefined when the case passes, or a sentence saying
 * what differed. A thrown error counts as a failure of that case, not of the run.
 */
export function runVectors<Case>(
  cases: readonly Case[],
  nameOf: (testCase: Case) => string,
  check: (testCase: Case) => string | undefined,
): VectorReport {
  const failures: string[] = [];
  for (const testCase of cases) {
    let failure: string | undefined;
    try {
      failure = check(testCase);
    } catch (error: unknown) {
      failure = `threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    }
    if (failure !== undefined) failures.push(`${nameOf(testCase)}: ${failure}`);
  }
  const text = [`${failures.length} out of ${cases.length} failed`, ...failures].join('\n');
  return { total: cases.length, failures, text };
}

/** The line a passing report prints, to compare against in tests. */
export function allPassed(total: number): string {
  return `0 out of ${total} failed`;
}
