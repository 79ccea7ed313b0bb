// Run one compiled CDK app and record how it ended.
//
// Usage: node --enable-source-maps runner_ts.js JOB.json
// JOB: {"entry": "/abs/copy/bin/tap.js", "result": "/abs/result.json"}
// The parent process sets the CDK environment (CDK_OUTDIR, CDK_CONTEXT_JSON,
// CDK_DEFAULT_ACCOUNT, CDK_DEFAULT_REGION) and the working directory. An App
// created with CDK_OUTDIR set synthesizes itself when the event loop empties,
// so errors thrown then are caught by the process handlers below.
// RESULT: {"ok": bool, "exitCode": int, "error": null | {"name", "message",
// "stack", "code"}} written when the process exits, however it exits.
'use strict';
const fs = require('fs');

const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
let failure = null;

function record(err) {
  if (failure !== null) return;
  if (err instanceof Error) {
    failure = { name: err.name, message: err.message, stack: String(err.stack), code: err.code || null };
  } else {
    failure = { name: 'NonError', message: String(err), stack: '', code: null };
  }
}

function onFatal(err) {
  record(err);
  process.exitCode = 1;
}

process.on('uncaughtException', onFatal);
process.on('unhandledRejection', onFatal);
process.on('exit', (code) => {
  const report = { ok: failure === null && code === 0, exitCode: code, error: failure };
  fs.writeFileSync(job.result, JSON.stringify(report));
});

try {
  require(job.entry);
} catch (err) {
  onFatal(err);
}
