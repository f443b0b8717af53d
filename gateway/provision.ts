/**
 * `node gateway/dist/provision.js --dir <folder> --organization <id>`: makes, once, what a gateway of the
 * default deployment needs in `<folder>`: its Ed25519 identity key (`identity.key`, PKCS#8 PEM, mode 0600)
 * and the public half the subgraphs verify with (`identity.pub`), and an API key store (`api-keys.json`,
 * hashes only) holding one demo key for `<organization>` whose clear text is kept in `demo-api-key`
 * (mode 0600) so every `npm start` can print it. Prints one JSON line with the paths and the demo key.
 * Existing files are kept, so a restart keeps the keys partners were given.
 */
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateApiKey } from './auth/api-key-store.js';

export interface GatewayFiles {
  identityKeyPath: string;
  identityPublicKeyPath: string;
  apiKeyStorePath: string;
  demoApiKey: string;
}

/** Requires a writable `dir`; `organizationId` names the demo key's organisation (role partner). */
export function provisionGatewayFiles(dir: string, organizationId: string): GatewayFiles {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const identityKeyPath = path.join(dir, 'identity.key');
  const identityPublicKeyPath = path.join(dir, 'identity.pub');
  if (!fs.existsSync(identityKeyPath)) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    fs.writeFileSync(identityPublicKeyPath, publicKey.export({ type: 'spki', format: 'pem' }));
    fs.writeFileSync(identityKeyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  }
  const apiKeyStorePath = path.join(dir, 'api-keys.json');
  const demoKeyPath = path.join(dir, 'demo-api-key');
  if (!fs.existsSync(apiKeyStorePath)) {
    const { apiKey, entry } = generateApiKey(organizationId, 'partner', `demo key of ${organizationId}`);
    fs.writeFileSync(demoKeyPath, `${apiKey}\n`, { mode: 0o600 });
    fs.writeFileSync(apiKeyStorePath, `${JSON.stringify({ keys: [entry] }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  }
  return { identityKeyPath, identityPublicKeyPath, apiKeyStorePath, demoApiKey: fs.readFileSync(demoKeyPath, 'utf8').trim() };
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const value = (flag: string): string | undefined => {
    const index = argv.indexOf(flag);
    return index < 0 ? undefined : argv[index + 1];
  };
  const dir = value('--dir');
  const organization = value('--organization');
  if (dir === undefined || organization === undefined) {
    process.stderr.write('usage: provision --dir <folder> --organization <id>\n');
    process.exit(2);
  }
  try {
    process.stdout.write(`${JSON.stringify(provisionGatewayFiles(dir, organization))}\n`);
  } catch (error) {
    process.stderr.write(`provision: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
