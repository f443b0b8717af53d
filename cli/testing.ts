/**
 * Fixtures for the command-line tests: a three-member consortium (quorum 2) and a two-block ledger,
 * written as the files a partner would hold. Keys come from fixed seeds so every run sees the same
 * bytes. Test support only; nothing in the command imports it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatConsortiumFile } from '@twinledger/ledger-core';
import { consortium } from '@twinledger/ledger-core/chain/testing/fixture-ledger';

// The same consortium and ledger the client's tests use, so both read the same bytes.
export {
  buildLedger,
  bundleFor,
  checkpointNote,
  consortium,
  members,
  origin,
  outsider,
  txIdOf,
  type FixtureLedger as Ledger,
} from '@twinledger/ledger-core/chain/testing/fixture-ledger';

/** A fresh temporary folder holding `files` (name → contents); the caller removes it. */
export function writeFixtureFolder(files: Readonly<Record<string, string>>): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'twinledger-cli-'));
  for (const [name, contents] of Object.entries(files)) fs.writeFileSync(path.join(folder, name), contents);
  return folder;
}

/** The consortium file text. */
export function consortiumFile(): string {
  return formatConsortiumFile(consortium);
}
