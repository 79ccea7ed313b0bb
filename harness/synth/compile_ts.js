// Compile a TypeScript or JavaScript CDK app to CommonJS, file by file.
//
// Usage: node compile_ts.js JOB.json   (esbuild must be resolvable, e.g. NODE_PATH)
// JOB: {"project": "/abs/copy", "entry": "bin/tap.ts"}
// Prints one JSON line: {"ok": true, "inputs": [...], "outputs": {...}} or
// {"ok": false, "errors": [{"text", "file", "line", "column", "lineText"}]}.
//
// A first pass bundles the entry in memory to find the files it reaches and
// any syntax or resolution error in them. Files the entry never imports are
// not compiled, so a broken test file does not fail the app. The second pass
// writes `x.js` beside each reached `x.ts` with an inline source map, so that
// `__dirname` and relative paths behave as under ts-node and stack traces map
// to the .ts lines.
'use strict';
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const SOURCE_EXTS = new Set(['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs']);

function describe(messages) {
  return messages.map((m) => ({
    text: m.text,
    file: m.location ? m.location.file : null,
    line: m.location ? m.location.line : null,
    column: m.location ? m.location.column : null,
    lineText: m.location ? m.location.lineText : '',
  }));
}

async function reachedInputs(project, entry) {
  const result = await esbuild.build({
    absWorkingDir: project,
    entryPoints: [entry],
    bundle: true,
    write: false,
    packages: 'external',
    platform: 'node',
    format: 'cjs',
    metafile: true,
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs).filter((file) => {
    return SOURCE_EXTS.has(path.extname(file)) && !file.split('/').includes('node_modules');
  });
}

function outputName(file) {
  const ext = path.extname(file);
  return file.slice(0, file.length - ext.length) + '.js';
}

async function compileEach(project, inputs) {
  const outputs = {};
  for (const file of inputs) {
    const out = outputName(file);
    await esbuild.build({
      absWorkingDir: project,
      entryPoints: [file],
      outfile: path.join(project, out),
      allowOverwrite: true,
      bundle: false,
      platform: 'node',
      format: 'cjs',
      sourcemap: 'inline',
      logLevel: 'silent',
    });
    outputs[file] = out;
  }
  return outputs;
}

async function main() {
  const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  let inputs;
  try {
    inputs = await reachedInputs(job.project, job.entry);
  } catch (err) {
    if (!err.errors) throw err;
    return { ok: false, errors: describe(err.errors) };
  }
  try {
    return { ok: true, inputs, outputs: await compileEach(job.project, inputs) };
  } catch (err) {
    if (!err.errors) throw err;
    return { ok: false, errors: describe(err.errors) };
  }
}

main().then(
  (report) => process.stdout.write(JSON.stringify(report) + '\n'),
  (err) => {
    process.stderr.write(String((err && err.stack) || err) + '\n');
    process.exit(70);
  },
);
