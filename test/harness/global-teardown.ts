/** Stops what global-setup started and fails the run if any service process outlived its stop. */
import * as fs from 'node:fs';
import { isProcessAlive } from '@twinledger/tools';

export default async function globalTeardown(): Promise<void> {
  const harness = globalThis.twinledgerHarness;
  if (harness === undefined) return;
  const children = harness.platform.children();
  await harness.platform.stop();
  const survivors = children.filter((child) => isProcessAlive(child.pid));
  if (harness.ownsDataDir) fs.rmSync(harness.dataDir, { recursive: true, force: true });
  if (survivors.length > 0) {
    throw new Error(`service processes still running after the test run: ${survivors.map((c) => `${c.name}=${c.pid}`).join(', ')}`);
  }
}
