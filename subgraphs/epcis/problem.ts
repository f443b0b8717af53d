/**
 * The EPCIS service's refusals as RFC 9457 problem details (`application/problem+json`), typed with the
 * exception names of the EPCIS 2.0 REST binding so a standard client can branch on `type`. Every
 * refusal carries `type`, `title`, `status`, `detail`, and `errors` when there is more than one thing
 * to say (one entry per problem, each naming where it is); never a stack trace.
 */
import type * as http from 'node:http';

export const EpcisProblemType = {
  validation: 'epcisException:ValidationException',
  queryParameter: 'epcisException:QueryParameterException',
  security: 'epcisException:SecurityException',
  captureLimit: 'epcisException:CaptureLimitExceededException',
  noSuchResource: 'epcisException:NoSuchResourceException',
  implementation: 'epcisException:ImplementationException',
  /** The ledger or the projection did not answer in time: the same capture may be sent again. */
  serviceUnavailable: 'epcisException:ServiceUnavailableException',
} as const;

export type EpcisProblemType = (typeof EpcisProblemType)[keyof typeof EpcisProblemType];

/** One entry of `errors`: where (a JSON pointer into the document, or a query parameter) and what. */
export interface ProblemEntry {
  readonly pointer?: string;
  readonly parameter?: string;
  readonly message: string;
}

export interface Problem {
  readonly type: EpcisProblemType;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly errors?: readonly ProblemEntry[];
  /** Ledger facts a client can act on (the rejecting contract's code, a transaction id). */
  readonly ledgerCode?: string;
  readonly txId?: string;
}

/** A refusal raised inside a handler and answered by the server loop. */
export class EpcisProblem extends Error {
  override readonly name = 'EpcisProblem';
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
}

export function problem(type: EpcisProblemType, status: number, title: string, detail: string, extra: Partial<Pick<Problem, 'errors' | 'ledgerCode' | 'txId'>> = {}): EpcisProblem {
  return new EpcisProblem({ type, title, status, detail, ...extra });
}

export function sendJson(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': `${contentType}; charset=utf-8`, 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store', ...headers });
  response.end(text);
}

export function sendProblem(response: http.ServerResponse, refusal: Problem, headers: Record<string, string> = {}): void {
  sendJson(response, refusal.status, refusal, headers, 'application/problem+json');
}
