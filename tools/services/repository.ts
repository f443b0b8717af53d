import * as fs from 'node:fs';
import * as path from 'node:path';

/** The checkout's root folder, found from this file whether it runs compiled (dist/) or as source. */
export function repositoryRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'tools', 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no repository root above ${__dirname}`);
    dir = parent;
  }
  return dir;
}
