/**
 * Fetches QC'd block records from peers for catch-up and repair. What a peer says is never trusted:
 * the caller checks the QC against the consortium and the record against its own chain.
 */
import { canonicalBytes } from '../chain/canonical.js';
import { decodeBlockRecord, type BlockRecord } from '../execution/build-block.js';

export interface Peer {
  readonly name: string;
  /** Base URL, e.g. http://127.0.0.1:7001 */
  readonly url: string;
}

export interface FetchedBlock {
  readonly peer: string;
  readonly hash: string;
  readonly record: BlockRecord;
  readonly qc: string;
}

/** Largest block answer read from a peer, in bytes: a block record's limit plus room for the QC. */
export const peerAnswerBytesMax = 40 * 1024 * 1024;

/**
 * Block `height` with its QC from the first peer that has both, trying peers in order. Undefined when
 * none answers with a QC'd record; a peer that answers garbage is skipped. `onPeerError` hears why.
 */
export async function fetchBlockFromPeers(
  peers: readonly Peer[],
  height: number,
  timeoutMs: number,
  onPeerError?: (peer: string, reason: string) => void,
): Promise<FetchedBlock | undefined> {
  for (const peer of peers) {
    try {
      const response = await fetch(`${peer.url}/v1/blocks/${height}`, { signal: AbortSignal.timeout(timeoutMs) });
      if (response.status === 404) {
        await response.body?.cancel();
        continue;
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        onPeerError?.(peer.name, `status ${response.status}`);
        continue;
      }
      const declared = Number(response.headers.get('content-length') ?? '0');
      if (declared > peerAnswerBytesMax) {
        await response.body?.cancel();
        onPeerError?.(peer.name, `answer of ${declared} bytes`);
        continue;
      }
      // Parsed here rather than by `response.json()`: the objects must come from this realm for the canonical checks.
      const answer = JSON.parse(await response.text()) as { hash?: unknown; record?: unknown; qc?: unknown };
      if (typeof answer.qc !== 'string' || typeof answer.hash !== 'string') continue;
      const record = decodeBlockRecord(canonicalBytes(answer.record));
      return { peer: peer.name, hash: answer.hash, record, qc: answer.qc };
    } catch (error: unknown) {
      onPeerError?.(peer.name, error instanceof Error ? error.message : String(error));
    }
  }
  return undefined;
}

/** A peer's `/status`, or undefined if it does not answer in time. */
export async function fetchPeerStatus(peer: Peer, timeoutMs: number): Promise<{ height: number } | undefined> {
  try {
    const response = await fetch(`${peer.url}/status`, { signal: AbortSignal.timeout(timeoutMs) });
    if (response.status !== 200) {
      await response.body?.cancel();
      return undefined;
    }
    const status = (await response.json()) as { height?: unknown };
    return typeof status.height === 'number' ? { height: status.height } : undefined;
  } catch {
    return undefined;
  }
}
