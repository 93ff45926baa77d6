// Generates the web app's wire types from the documents the Rust types produce: the REST
// services' OpenAPI snapshots and the WebSocket protocol schema. They are checked in under
// src/generated/; `--check` fails (exit 1) when a checked-in file differs from what the
// documents give, which is how CI catches a Rust type changed without the web app.
//
//   node scripts/gen-types.mjs           # write src/generated/*.ts
//   node scripts/gen-types.mjs --check   # compare only
import openapiTS, { astToString } from 'openapi-typescript';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = new URL('../../../', import.meta.url);
const out = new URL('../src/generated/', import.meta.url);
const sources = {
  'rooms.ts': 'services/rooms/openapi.json',
  'auth.ts': 'services/auth/openapi.json',
  'protocol.ts': 'proto/protocol.schema.json',
};
const check = process.argv.includes('--check');

let drifted = 0;
for (const [file, source] of Object.entries(sources)) {
  const doc = JSON.parse(await readFile(new URL(source, root), 'utf8'));
  const ast = await openapiTS(doc, { alphabetize: true });
  const text = `// Generated from ${source} by scripts/gen-types.mjs. Do not edit.\n\n${astToString(ast)}`;
  const target = new URL(file, out);
  if (check) {
    const current = await readFile(target, 'utf8').catch(() => '');
    if (current !== text) {
      console.error(`${fileURLToPath(target)} is out of date: run npm run gen:types`);
      drifted += 1;
    }
  } else {
    await writeFile(target, text);
  }
}
process.exit(drifted ? 1 : 0);
