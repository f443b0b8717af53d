/** Reading an HTTP request body under a size bound, for the subgraph servers and the EPCIS service. */
import type * as http from 'node:http';

/**
 * The request body as text, or undefined when it is longer than `bytesMax`: refused by its declared
 * length before reading, or as soon as the bytes read pass the bound (the rest is not read).
 */
export async function readRequestBody(request: http.IncomingMessage, bytesMax: number): Promise<string | undefined> {
  const declared = Number(request.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > bytesMax) return undefined;
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    bytes += buffer.length;
    if (bytes > bytesMax) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
