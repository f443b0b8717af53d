/**
 * What a subgraph process writes through when started with `--redis` and `--custody`: the
 * commands queue and the custodial key store. On start, every consortium member whose organisation key
 * lies in the consortium folder (`<member>/organization.key`, as the default deployment creates it) and
 * is not in custody yet is imported, so members' partners can write from the first start; a member that
 * keeps its key elsewhere signs its own transactions and sends them with `submitSignedTransaction`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConsortium, organizationKeyFileName } from '@twinledger/ledger-core/node/bootstrap';
import { CustodyKeyStore, listenForProjectedHeights } from '@twinledger/workers';
import { connectCommandSubmitter } from './write-path.js';
import { projectionWaitMsDefault, receiptWaitMsDefault, type WritePath } from './commit.js';

/** Largest organisation key file read, in bytes; signer key text is under 200. */
const organizationKeyFileBytesMax = 4_096;

export interface WriteSetupOptions {
  readonly redisUrl: string;
  readonly custodyDir: string;
  readonly consortiumDir: string;
}

/** Imports the members' keys found in the consortium folder into `custody`; returns the organisation ids imported now. */
export async function importMemberKeys(custody: Pick<CustodyKeyStore, 'has' | 'importKey'>, consortiumDir: string): Promise<string[]> {
  const { genesis } = loadConsortium(consortiumDir);
  const imported: string[] = [];
  for (const member of genesis.members) {
    if (custody.has(member.organizationId)) continue;
    const file = path.join(consortiumDir, member.name, organizationKeyFileName);
    if (!fs.existsSync(file)) continue;
    if (fs.statSync(file).size > organizationKeyFileBytesMax) throw new RangeError(`${file} is larger than ${organizationKeyFileBytesMax} bytes`);
    const info = await custody.importKey(member.organizationId, fs.readFileSync(file, 'utf8').trim());
    // A key that is not the one the genesis names would sign transactions every node rejects.
    if (info.did !== member.organizationDid) throw new RangeError(`${file} is not the key of ${member.organizationDid}`);
    imported.push(member.organizationId);
  }
  return imported;
}

/** A write path a process opened, with what it holds open. */
export interface OpenedWritePath extends WritePath {
  close(): Promise<void>;
}

/** Opens the custody store, imports the members' keys, connects to the commands queue and listens for the projector's height notices. */
export async function openWritePath(options: WriteSetupOptions): Promise<OpenedWritePath> {
  const custody = new CustodyKeyStore({ dir: options.custodyDir });
  await importMemberKeys(custody, options.consortiumDir);
  const { genesis } = loadConsortium(options.consortiumDir);
  const commands = await connectCommandSubmitter(options.redisUrl);
  const projectionListener = await listenForProjectedHeights(options.redisUrl).catch(async (error: unknown) => {
    await commands.close();
    throw error;
  });
  return {
    custody,
    commands,
    members: genesis.members,
    receiptWaitMs: receiptWaitMsDefault,
    projectionWaitMs: projectionWaitMsDefault,
    projectionNotices: projectionListener.notices,
    async close() {
      await Promise.all([commands.close(), projectionListener.close()]);
    },
  };
}
