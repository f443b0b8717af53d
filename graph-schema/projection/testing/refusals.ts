/** For handler tests that expect a refusal: what a projection call threw, as the code callers branch on. */
import { ProjectionError } from '../types.js';

/** The ProjectionError code `run` throws, or 'NO_ERROR' when it returns; any other throw propagates. */
export function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error: unknown) {
    if (error instanceof ProjectionError) return error.code;
    throw error;
  }
  return 'NO_ERROR';
}
