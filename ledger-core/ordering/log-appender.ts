/**
 * Writes one batch to the ordering log. The put is a transaction "create the key if it does not exist,
 * else read it back", so a put the client retries after a lost reply (etcd3 retries recoverable errors
 * on its own) neither orders the batch twice nor loses its revision: the retry finds its own value and
 * answers with the revision of the first put.
 */
import type { Etcd3 } from 'etcd3';
import { OrderingError, OrderingErrorCode } from './errors.js';
import { invariant } from './invariant.js';

/** The only I/O the batcher does; tests drive the batcher with a fake. */
export interface LogAppender {
  /**
   * Creates `key` with `value` and resolves with the revision of that put.
   * Requires a key no other writer uses. Rejects with `OrderingError` code `ORDERING_BATCH_KEY_CONFLICT`
   * if the key holds another value; any other rejection leaves the outcome unknown.
   */
  append(key: string, value: string): Promise<number>;
}

export interface EtcdLogAppenderOptions {
  /** Deadline of one put, in milliseconds, retries included. Default 10,000. */
  readonly putTimeoutMs?: number;
}

const putTimeoutMsDefault = 10_000;

export function etcdLogAppender(client: Etcd3, options: EtcdLogAppenderOptions = {}): LogAppender {
  const putTimeoutMs = options.putTimeoutMs ?? putTimeoutMsDefault;
  return {
    async append(key, value) {
      const keyBytes = Buffer.from(key);
      const valueBytes = Buffer.from(value);
      const response = await client.kv.txn(
        {
          compare: [{ key: keyBytes, target: 'Create', result: 'Equal', create_revision: 0 }],
          success: [{ request_put: { key: keyBytes, value: valueBytes } }],
          failure: [{ request_range: { key: keyBytes } }],
        },
        { deadline: Date.now() + putTimeoutMs },
      );
      if (response.succeeded) {
        const revision = Number(response.header.revision);
        invariant(Number.isSafeInteger(revision) && revision > 0, `put of ${key} answered revision ${response.header.revision}`);
        return revision;
      }
      const existing = response.responses[0]?.response_range.kvs[0];
      invariant(existing !== undefined, `create of ${key} failed, yet the key is absent`);
      if (!Buffer.from(existing.value).equals(valueBytes)) {
        throw new OrderingError(OrderingErrorCode.batchKeyConflict, `batch key ${key} already holds another batch: node name and boot id are shared`);
      }
      return Number(existing.create_revision);
    },
  };
}
