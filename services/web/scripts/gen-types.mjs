// Generates the web app's wire types from the documents the Rust types produce: the schemas of
// the REST services' OpenAPI snapshots and of the WebSocket protocol, merged into one set (a type
// two documents share, such as Message, must be the same in both, or this fails) and written as
// one file, src/generated/wire.ts. `--check` fails (exit 1) when the checked-in file differs
// from what the documents give, which is how CI catches a Rust type changed without the app.
//
//   node scripts/gen-types.mjs           # write src/generated/wire.ts
//   node scripts/gen-types.mjs --check   # compare only
import openapiTS, { astToString } from 'openapi-typescript';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const root = new URL('../../../', import.meta.url);
const target = new URL('../src/generated/wire.ts', import.meta.url);
const sources = ['services/auth/openapi.json', 'services/rooms/openapi.json', 'proto/protocol.schema.json'];

const schemas = {};
for (const source of sources) {
  const doc = JSON.parse(await readFile(new URL(source, root), 'utf8'));
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    if (name in schemas && !isDeepStrictEqual(schemas[name].schema, schema)) {
      console.error(`${name} differs between ${schemas[name].source} and ${source}`);
      process.exit(1);
    }
    schemas[name] = { source, schema };
  }
}
const merged = {
  openapi: '3.1.0',
  info: { title: 'chat wire types', version: '1' },
  paths: {},
  components: { schemas: Object.fromEntries(Object.entries(schemas).map(([n, s]) => [n, s.schema])) },
};
const ast = await openapiTS(merged, { alphabetize: true });
const text = `// Generated from ${sources.join(', ')} by scripts/gen-types.mjs. Do not edit.\n\n${astToString(ast)}`;

if (process.argv.includes('--check')) {
  const current = await readFile(target, 'utf8').catch(() => '');
  if (current !== text) {
    console.error(`${fileURLToPath(target)} is out of date: run npm run gen:types`);
    process.exit(1);
  }
} else {
  await writeFile(target, text);
}
