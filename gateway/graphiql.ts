/**
 * GraphiQL for development, served entirely by the gateway: the page, React and GraphiQL's prebuilt
 * browser builds come from this process's own `node_modules`, so the IDE works with no network and
 * the Content-Security-Policy can forbid every other origin. Served only outside production.
 *
 * GraphiQL 3 is used because it ships a ready-to-run browser build (one script and one stylesheet
 * that expect React and ReactDOM as globals); later majors ship only ES modules that need a bundler.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const graphiqlPagePath = '/graphiql';
export const graphiqlAssetsPath = '/graphiql/assets/';

/**
 * Same origin only, and nothing inline:
 * - script-src 'self': every script is one of the assets below; the page has no inline script, and
 *   no 'unsafe-eval' is needed (the bundle's one `new Function` is an unused fallback).
 * - style-src 'self': GraphiQL's styles are its stylesheet; it sets element styles through the DOM,
 *   which the policy does not govern. The one thing refused is a <style> element its dialogs insert
 *   to hide the page's scroll bars; this page never scrolls, so nothing changes but a console report.
 * - font-src and img-src data: the stylesheet embeds its fonts and a few icons as data URLs.
 * - connect-src 'self': the page talks only to this gateway's /graphql.
 */
export const graphiqlContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  'font-src data:',
  'img-src data:',
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const javascript = 'text/javascript; charset=utf-8';
const css = 'text/css; charset=utf-8';

/** The page's own script: mounts GraphiQL on #graphiql with a fetcher for the endpoint it names. */
const mountScript = `'use strict';
(function () {
  var root = document.getElementById('graphiql');
  var endpoint = new URL(root.getAttribute('data-endpoint'), window.location.href).href;
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      // Headers typed in the header editor are sent with every request, schema introspection included.
      fetcher: GraphiQL.createFetcher({ url: endpoint }),
      defaultHeaders: JSON.stringify({ 'x-api-key': '' }, null, 2),
      defaultEditorToolsVisibility: 'headers',
      // Credentials stay in the tab: never written to localStorage.
      shouldPersistHeaders: false,
    }),
  );
})();
`;

const pageStyle = `html, body { height: 100%; margin: 0; }
#graphiql { height: 100vh; }
`;

type AssetSource = { kind: 'module'; packageName: string; file: string } | { kind: 'inline'; body: string };

/** The only files served under `graphiqlAssetsPath`; a request names one of these keys, never a path. */
const assetSources: ReadonlyMap<string, { source: AssetSource; contentType: string }> = new Map([
  ['react.js', { source: { kind: 'module', packageName: 'react', file: 'umd/react.production.min.js' }, contentType: javascript }],
  ['react-dom.js', { source: { kind: 'module', packageName: 'react-dom', file: 'umd/react-dom.production.min.js' }, contentType: javascript }],
  ['graphiql.js', { source: { kind: 'module', packageName: 'graphiql', file: 'graphiql.min.js' }, contentType: javascript }],
  ['graphiql.css', { source: { kind: 'module', packageName: 'graphiql', file: 'graphiql.min.css' }, contentType: css }],
  ['mount.js', { source: { kind: 'inline', body: mountScript }, contentType: javascript }],
  ['page.css', { source: { kind: 'inline', body: pageStyle }, contentType: css }],
]);

export interface GraphiqlAsset {
  contentType: string;
  /** A strong validator of `body`, quoted as the ETag header wants it. */
  etag: string;
  body: Buffer;
}

// Promises are cached so that concurrent first requests read each file once; the files are read
// only when first asked for, so a production process never loads them.
const loaded = new Map<string, Promise<GraphiqlAsset>>();

async function load(source: AssetSource, contentType: string): Promise<GraphiqlAsset> {
  let body: Buffer;
  if (source.kind === 'inline') {
    body = Buffer.from(source.body, 'utf8');
  } else {
    // Resolved through package.json because React's export map hides its browser builds.
    const packageDir = dirname(require.resolve(`${source.packageName}/package.json`));
    body = await readFile(join(packageDir, source.file));
  }
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { contentType, etag, body };
}

/** The asset named `name` (the part of the path after `graphiqlAssetsPath`), or null if there is none. */
export function graphiqlAsset(name: string): Promise<GraphiqlAsset> | null {
  const entry = assetSources.get(name);
  if (entry === undefined) return null;
  let asset = loaded.get(name);
  if (asset === undefined) {
    asset = load(entry.source, entry.contentType);
    // A failed read is not cached, so a later request can succeed once the file is there.
    asset.catch(() => loaded.delete(name));
    loaded.set(name, asset);
  }
  return asset;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function graphiqlPage(graphqlPath: string): string {
  const asset = (name: string): string => `${graphiqlAssetsPath}${name}`;
  // `defer` runs the scripts in this order once the document is parsed, after #graphiql exists.
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Twinledger GraphQL</title>
<link rel="stylesheet" href="${asset('graphiql.css')}">
<link rel="stylesheet" href="${asset('page.css')}">
<script defer src="${asset('react.js')}"></script>
<script defer src="${asset('react-dom.js')}"></script>
<script defer src="${asset('graphiql.js')}"></script>
<script defer src="${asset('mount.js')}"></script>
</head><body><div id="graphiql" data-endpoint="${escapeAttribute(graphqlPath)}">Loading GraphiQL…</div></body></html>`;
}
