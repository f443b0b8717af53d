/**
 * The projector's command line: `--ledger <url,url,…> --neo4j <uri> --consortium <consortium.json or
 * its folder> [--redis <url>]`; the genesis is read from the same folder. With `--redis` the projector
 * announces each height it commits, so that waits for the projection end at once. Pure, so it is unit tested.
 */
export interface ProjectorArgs {
  readonly ledgerUrls: string[];
  readonly neo4jUri: string;
  readonly consortiumPath: string;
  /** Where to announce projected heights; none announced when absent. */
  readonly redisUrl: string | undefined;
}

export class ProjectorArgsError extends Error {
  override readonly name = 'ProjectorArgsError';
}

const usage = 'usage: --ledger <url,url,…> --neo4j <uri> --consortium <consortium.json or folder> [--redis <url>]';

/** Parses `argv` (without node and script). Throws ProjectorArgsError for a missing, repeated or unknown flag. */
export function parseProjectorArgs(argv: readonly string[]): ProjectorArgs {
  const values = new Map<string, string>();
  for (let index = 0; index < argv.length; index += 2) {
    const flag = argv[index];
    const value = argv[index + 1];
    if (flag === undefined || !['--ledger', '--neo4j', '--consortium', '--redis'].includes(flag)) throw new ProjectorArgsError(`unknown argument ${String(flag)}; ${usage}`);
    if (value === undefined || value.startsWith('--')) throw new ProjectorArgsError(`${flag} needs a value; ${usage}`);
    if (values.has(flag)) throw new ProjectorArgsError(`${flag} given twice`);
    values.set(flag, value);
  }
  const ledger = values.get('--ledger');
  const neo4jUri = values.get('--neo4j');
  const consortiumPath = values.get('--consortium');
  if (ledger === undefined || neo4jUri === undefined || consortiumPath === undefined) throw new ProjectorArgsError(usage);
  const ledgerUrls = ledger.split(',').filter((url) => url.length > 0);
  if (ledgerUrls.length === 0) throw new ProjectorArgsError('--ledger names no URL');
  const redisUrl = values.get('--redis');
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) throw new ProjectorArgsError('--redis takes a redis:// or rediss:// URL');
  return { ledgerUrls, neo4jUri, consortiumPath, redisUrl };
}
