/**
 * The projected-height notices on Redis pub/sub: the projector announces the checkpoint height after
 * each committed batch, and every process that waits for the projection listens. Pub/sub delivers to
 * whoever listens at that moment and keeps nothing, which is all a hint needs (see height-notices.ts).
 */
import type { Redis } from 'ioredis';
import { redisConnection } from '../commands/queue.js';
import { heightOfNotice, noticeText, ProjectedHeightNotices } from './height-notices.js';

export const projectedHeightChannel = 'twinledger:projected-height';

/** Publishes that the checkpoint has reached `height` (an integer ≥ 1). */
export async function announceProjectedHeight(redis: Redis, height: number): Promise<void> {
  await redis.publish(projectedHeightChannel, noticeText(height));
}

export interface ProjectedHeightListener {
  readonly notices: ProjectedHeightNotices;
  close(): Promise<void>;
}

/**
 * Subscribes to the notices at `redisUrl`; resolves once subscribed. The connection reconnects and
 * resubscribes by itself after an outage; notices sent meanwhile are lost, and waits fall back to polling.
 */
export async function listenForProjectedHeights(redisUrl: string): Promise<ProjectedHeightListener> {
  const subscriber = redisConnection(redisUrl, 'worker');
  const notices = new ProjectedHeightNotices();
  subscriber.on('message', (channel: string, text: string) => {
    if (channel !== projectedHeightChannel) return;
    const height = heightOfNotice(text);
    if (height !== undefined) notices.notice(height);
  });
  try {
    await subscriber.subscribe(projectedHeightChannel);
  } catch (error: unknown) {
    subscriber.disconnect();
    throw error;
  }
  return {
    notices,
    async close() {
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
