/**
 * A small offline query page for development: no script, style or font is loaded from anywhere but
 * this response, and the Content-Security-Policy forbids any other origin. Served only outside
 * production. (The full GraphiQL IDE ships as ES modules that need a bundler; this page keeps the
 * gateway free of a browser build.)
 */
export const graphiqlContentSecurityPolicy =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'";

export function graphiqlPage(graphqlPath: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Twinledger GraphQL</title>
<style>
body{font:14px system-ui,sans-serif;margin:0;display:grid;grid-template-columns:1fr 1fr;height:100vh}
section{display:flex;flex-direction:column;padding:8px;gap:6px;min-height:0}
textarea,pre{font:13px ui-monospace,monospace;border:1px solid #ccc;padding:6px;margin:0}
#query{flex:3}#variables{flex:1}pre{flex:1;overflow:auto;background:#f7f7f7}
</style></head><body>
<section>
<label>API key or bearer token <input id="credential" type="password" autocomplete="off" size="60"></label>
<textarea id="query" spellcheck="false">{ __typename }</textarea>
<textarea id="variables" spellcheck="false" placeholder="variables (JSON)"></textarea>
<button id="run">Run (Ctrl+Enter)</button>
</section>
<section><pre id="result"></pre></section>
<script>
const endpoint = ${JSON.stringify(graphqlPath)};
const byId = (id) => document.getElementById(id);
byId('credential').value = sessionStorage.getItem('credential') || '';
async function run() {
  const credential = byId('credential').value.trim();
  sessionStorage.setItem('credential', credential);
  let variables;
  try { variables = byId('variables').value.trim() ? JSON.parse(byId('variables').value) : undefined; }
  catch (error) { byId('result').textContent = 'Variables are not valid JSON: ' + error.message; return; }
  const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
  if (credential) headers.authorization = 'Bearer ' + credential;
  const response = await fetch(endpoint, { method: 'POST', headers, body: JSON.stringify({ query: byId('query').value, variables }) });
  const text = await response.text();
  try { byId('result').textContent = JSON.stringify(JSON.parse(text), null, 2); } catch { byId('result').textContent = text; }
}
byId('run').addEventListener('click', run);
document.addEventListener('keydown', (event) => { if (event.ctrlKey && event.key === 'Enter') run(); });
</script></body></html>`;
}
