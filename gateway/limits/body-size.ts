/**
 * Request body size limit: refused from `content-length` before reading, and counted while
 * reading for chunked bodies. Refuses with `REQUEST_TOO_LARGE` and HTTP 413.
 */
import type { IncomingMessage } from 'node:http';
import { LimitRefusal } from './limit-refusal.js';

export const requestBodyBytesMaxDefault = 256 * 1024;

export type BodyResult = { ok: true; body: string } | { ok: false; refusal: LimitRefusal };

function tooLarge(requestBodyBytesMax: number): BodyResult {
  return { ok: false, refusal: new LimitRefusal('bodySize', `Request body exceeds the limit of ${requestBodyBytesMax} bytes.`) };
}

/** Reads the body as UTF-8. Requires: the body has not been read yet. */
export async function readBodyWithLimit(request: IncomingMessage, requestBodyBytesMax: number): Promise<BodyResult> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > requestBodyBytesMax) {
    request.resume();
    return tooLarge(requestBodyBytesMax);
  }
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    received += buffer.byteLength;
    if (received > requestBodyBytesMax) {
      request.resume();
      return tooLarge(requestBodyBytesMax);
    }
    chunks.push(buffer);
  }
  return { ok: true, body: Buffer.concat(chunks).toString('utf8') };
}
