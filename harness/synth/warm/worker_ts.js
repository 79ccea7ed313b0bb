// A long-lived TypeScript synthesis worker: aws-cdk-lib loaded once, many apps.
//
// Usage: node --enable-source-maps worker_ts.js COMPILE_SCRIPT WARMUP_DIR REPLY_FD
// Jobs arrive as JSON lines on stdin and each reply is one JSON line on REPLY_FD,
// because the apps' own output goes to per-job files:
//   {"type": "compile", "job": "/abs/compile.json"}
//     -> {"report": <what compile_ts.js prints>} | {"error": "..."}
//   {"type": "run", "entry", "result", "cwd", "env", "stdout", "stderr"}
//     -> {"done": true, "leaks": [...], "rss": bytes, "seconds": {...}}
// A run writes the same result file as runner_ts.js. Each app runs in a fresh
// module scope: its files are dropped from the require cache afterwards, and
// the environment, working directory, process listeners, exit code and
// stack-trace formatter are restored. A leak is a change the app made to
// aws-cdk-lib, constructs, built-in prototypes, globals or the process
// object. The parent discards a worker that reports one. A timer or socket
// the app leaves open keeps its job waiting until the job's timeout, as it
// would keep a process alive.
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const Module = require('module');
const { performance } = require('perf_hooks');

const [, , COMPILE_SCRIPT, WARMUP_DIR, REPLY_FD_ARG] = process.argv;
const REPLY_FD = Number(REPLY_FD_ARG);
const LIBRARY_ROOTS = ['aws-cdk-lib', 'constructs'].map(
  (name) => path.dirname(require.resolve(`${name}/package.json`)) + path.sep,
);
const BUILTINS = {
  Object, Function, Array, String, Number, Boolean, Symbol, Error, TypeError,
  RangeError, SyntaxError, Promise, Map, Set, WeakMap, WeakSet, RegExp, Date,
  JSON, Math, Reflect, Buffer, BigInt, Proxy,
};
// Restored after every app instead of counted as leaks: source-map-support,
// which most TypeScript apps import, installs its own stack-trace formatter.
const RESTORED_GLOBALS = new Set(['Error.prepareStackTrace', 'Error.stackTraceLimit']);
// Properties of `process` that change as it runs or that every job restores;
// aws-cdk-lib's bundled graceful-fs wraps chdir and cwd.
const VOLATILE_PROCESS = new Set([
  '_events', '_eventsCount', '_maxListeners', 'exitCode', '_exiting', 'exit', 'emit',
  'domain', 'title', 'moduleLoadList', 'chdir', 'cwd',
]);
const SETTLE_POLL_MS = 2;

function isLibrary(filename) {
  return LIBRARY_ROOTS.some((root) => filename.startsWith(root));
}

// ---- snapshots: property path -> value, compared by identity

function addOwn(prefix, target, out) {
  for (const key of Reflect.ownKeys(target)) {
    const name = prefix + String(key);
    const desc = Object.getOwnPropertyDescriptor(target, key);
    if ('value' in desc) {
      out.set(name, desc.value);
    } else {
      out.set(`${name}@get`, desc.get);
      out.set(`${name}@set`, desc.set);
    }
  }
}

function isPlainObject(value) {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function addExport(name, value, out) {
  if (typeof value === 'function') {
    addOwn(`${name}.`, value, out);
    const proto = value.prototype;
    if (proto && typeof proto === 'object') addOwn(`${name}.prototype.`, proto, out);
  } else if (isPlainObject(value)) {
    addOwn(`${name}.`, value, out);
  }
}

function snapshotModule(mod) {
  const out = new Map();
  const exported = mod.exports;
  out.set('<exports>', exported);
  if (exported === null || (typeof exported !== 'object' && typeof exported !== 'function')) {
    return out;
  }
  addOwn('', exported, out);
  if (typeof exported === 'function' && exported.prototype) {
    addOwn('prototype.', exported.prototype, out);
  }
  for (const key of Reflect.ownKeys(exported)) {
    const desc = Object.getOwnPropertyDescriptor(exported, key);
    if ('value' in desc) addExport(String(key), desc.value, out);
  }
  return out;
}

function snapshotGlobals() {
  const out = new Map();
  addOwn('globalThis.', globalThis, out);
  for (const [name, builtin] of Object.entries(BUILTINS)) {
    addOwn(`${name}.`, builtin, out);
    if (builtin.prototype) addOwn(`${name}.prototype.`, builtin.prototype, out);
  }
  const processProps = new Map();
  addOwn('process.', process, processProps);
  for (const [key, value] of processProps) {
    const name = key.slice('process.'.length).replace(/@[gs]et$/, '');
    if (!VOLATILE_PROCESS.has(name)) out.set(key, value);
  }
  for (const name of RESTORED_GLOBALS) out.delete(name);
  return out;
}

// Returns the paths whose values differ. A lazy export getter that replaced
// itself with its value (aws-cdk-lib's barrels do this) is not a change when
// the getter still returns that same value.
function differences(before, after, target) {
  const changed = [];
  for (const [key, value] of before) {
    if (after.has(key) && Object.is(after.get(key), value)) continue;
    if (key.endsWith('@get') || key.endsWith('@set')) {
      if (memoized(key, before, after, target)) continue;
    }
    changed.push(key);
  }
  for (const key of after.keys()) {
    if (before.has(key)) continue;
    // The members of a memoized export belong to the module that defines it.
    const owner = key.split('.')[0];
    if (before.has(`${owner}@get`) && memoized(`${owner}@get`, before, after, target)) continue;
    changed.push(key);
  }
  return changed;
}

function memoized(accessorKey, before, after, target) {
  const name = accessorKey.slice(0, -4);
  if (!after.has(name) || name.includes('.') || target === undefined) return false;
  const getter = before.get(`${name}@get`);
  if (typeof getter !== 'function') return false;
  try {
    return Object.is(getter.call(target), after.get(name));
  } catch {
    return false;
  }
}

// ---- a fast check that the objects of a snapshot are unchanged

const DATA = Symbol('data property');

// Returns the objects a module snapshot covers: the exports, their prototype,
// and each exported class, its prototype and each exported plain object.
function watchedObjects(exported) {
  if (exported === null || (typeof exported !== 'object' && typeof exported !== 'function')) {
    return [];
  }
  const objects = [exported];
  if (typeof exported === 'function' && exported.prototype) objects.push(exported.prototype);
  for (const key of Reflect.ownKeys(exported)) {
    const desc = Object.getOwnPropertyDescriptor(exported, key);
    if (!('value' in desc)) continue;
    const value = desc.value;
    if (typeof value === 'function') {
      objects.push(value);
      if (value.prototype && typeof value.prototype === 'object') objects.push(value.prototype);
    } else if (isPlainObject(value)) {
      objects.push(value);
    }
  }
  return objects;
}

function shapeOf(target) {
  const keys = Reflect.ownKeys(target);
  const slots = new Array(keys.length * 2);
  for (let i = 0; i < keys.length; i++) {
    const desc = Object.getOwnPropertyDescriptor(target, keys[i]);
    slots[2 * i] = 'value' in desc ? desc.value : desc.get;
    slots[2 * i + 1] = 'value' in desc ? DATA : desc.set;
  }
  return { target, keys, slots };
}

function sameShape(shape) {
  const keys = Reflect.ownKeys(shape.target);
  if (keys.length !== shape.keys.length) return false;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] !== shape.keys[i]) return false;
    const desc = Object.getOwnPropertyDescriptor(shape.target, keys[i]);
    const first = 'value' in desc ? desc.value : desc.get;
    const second = 'value' in desc ? DATA : desc.set;
    if (!Object.is(first, shape.slots[2 * i]) || second !== shape.slots[2 * i + 1]) return false;
  }
  return true;
}

// ---- library modules: a snapshot per module, taken when it finishes loading

const librarySnapshots = new Map();

function watchModule(filename, mod) {
  librarySnapshots.set(filename, {
    exports: mod.exports,
    paths: snapshotModule(mod),
    shapes: watchedObjects(mod.exports).map(shapeOf),
  });
}

const originalLoad = Module.prototype.load;
Module.prototype.load = function load(filename) {
  originalLoad.call(this, filename);
  if (isLibrary(filename) && !librarySnapshots.has(filename)) watchModule(filename, this);
};

function libraryLeaks() {
  const leaks = [];
  for (const [filename, before] of librarySnapshots) {
    const mod = require.cache[filename];
    if (mod === undefined || !Object.is(mod.exports, before.exports)) {
      leaks.push(`${relativeLibrary(filename)} was removed or replaced in the require cache`);
      continue;
    }
    if (before.shapes.every(sameShape)) continue;
    const changed = differences(before.paths, snapshotModule(mod), mod.exports);
    if (changed.length) {
      leaks.push(`${relativeLibrary(filename)}: ${changed.slice(0, 5).join(', ')} changed`);
    }
    // A memoized export now reads as its value, which later checks compare.
    watchModule(filename, mod);
  }
  return leaks;
}

function relativeLibrary(filename) {
  const root = LIBRARY_ROOTS.find((r) => filename.startsWith(r)) || '';
  return path.basename(root) + '/' + filename.slice(root.length);
}

// ---- the current job's failure record, as runner_ts.js keeps it

const EXIT_REQUEST = Symbol('process.exit called by the app');
let current = null;

function record(err) {
  if (current === null || current.failure !== null) return;
  if (err instanceof Error) {
    current.failure = {
      name: err.name, message: err.message, stack: String(err.stack), code: err.code || null,
    };
  } else {
    current.failure = { name: 'NonError', message: String(err), stack: '', code: null };
  }
}

function onFatal(err) {
  if (err === EXIT_REQUEST) return;
  if (current === null) {
    fs.writeSync(2, `worker: error outside a job: ${(err && err.stack) || err}\n`);
    return;
  }
  record(err);
  process.exitCode = 1;
}

process.on('uncaughtException', onFatal);
process.on('unhandledRejection', onFatal);

function requestExit(code) {
  if (current !== null && current.exitCode === null) {
    current.exitCode = code === undefined ? (process.exitCode ?? 0) : Number(code);
  }
  throw EXIT_REQUEST;
}

// ---- per-job state that is saved and restored

function saveState() {
  const listeners = new Map();
  for (const name of process.eventNames()) listeners.set(name, process.rawListeners(name));
  return {
    env: { ...process.env },
    cwd: process.cwd(),
    exit: process.exit,
    emit: process.emit,
    chdir: process.chdir,
    processCwd: process.cwd,
    prepareStackTrace: Error.prepareStackTrace,
    stackTraceLimit: Error.stackTraceLimit,
    stdoutWrite: process.stdout.write,
    stderrWrite: process.stderr.write,
    listeners,
    cacheKeys: new Set(Object.keys(require.cache)),
    globals: snapshotGlobals(),
  };
}

function replaceEnv(values) {
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, values);
}

function redirect(stdoutPath, stderrPath) {
  const out = fs.openSync(stdoutPath, 'w');
  const err = fs.openSync(stderrPath, 'w');
  const writer = (fd) => function write(chunk, encoding, callback) {
    const cb = typeof encoding === 'function' ? encoding : callback;
    try {
      fs.writeSync(fd, typeof chunk === 'string' ? chunk : Buffer.from(chunk));
    } catch {
      // A full disk or the output size limit must not end the job here.
    }
    if (typeof cb === 'function') process.nextTick(cb);
    return true;
  };
  process.stdout.write = writer(out);
  process.stderr.write = writer(err);
  return [out, err];
}

function addedListeners(saved, name) {
  const before = saved.listeners.get(name) || [];
  return process.rawListeners(name).filter((listener) => !before.includes(listener));
}

function restoreState(saved, fds) {
  for (const fd of fds) fs.closeSync(fd);
  process.stdout.write = saved.stdoutWrite;
  process.stderr.write = saved.stderrWrite;
  for (const name of process.eventNames()) {
    for (const listener of addedListeners(saved, name)) process.removeListener(name, listener);
  }
  process.exit = saved.exit;
  process.emit = saved.emit;
  process.chdir = saved.chdir;
  process.cwd = saved.processCwd;
  process.exitCode = undefined;
  Error.prepareStackTrace = saved.prepareStackTrace;
  Error.stackTraceLimit = saved.stackTraceLimit;
  replaceEnv(saved.env);
  process.chdir(saved.cwd);
  for (const key of Object.keys(require.cache)) {
    if (!saved.cacheKeys.has(key) && !isLibrary(key)) delete require.cache[key];
  }
}

// ---- running one app

function countResources(names) {
  const counts = new Map();
  for (const name of names) counts.set(name, (counts.get(name) || 0) + 1);
  return counts;
}

function pendingWork(baseline) {
  const now = countResources(process.getActiveResourcesInfo());
  const pending = [];
  for (const [name, count] of now) {
    if (count > (baseline.get(name) || 0)) pending.push(name);
  }
  return pending;
}

// Waits until the app's timers and sockets are done, as a process waits for
// its event loop to empty. The parent's timeout bounds the wait.
async function settle(baseline) {
  await new Promise((resolve) => setImmediate(resolve));
  while (pendingWork(baseline).length) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }
}

function runExitSynths(saved) {
  const code = process.exitCode ?? 0;
  for (const listener of addedListeners(saved, 'beforeExit')) {
    process.removeListener('beforeExit', listener);
    if (current.failure !== null || current.exitCode !== null) continue;
    try {
      listener.call(process, code);
    } catch (err) {
      onFatal(err);
    }
  }
}

async function runApp(job) {
  const started = performance.now();
  const saved = saveState();
  const baseline = countResources(process.getActiveResourcesInfo());
  replaceEnv(job.env);
  process.chdir(job.cwd);
  const fds = redirect(job.stdout, job.stderr);
  current = { failure: null, exitCode: null };
  process.exit = requestExit;
  try {
    require(job.entry);
  } catch (err) {
    onFatal(err);
  }
  await settle(baseline);
  runExitSynths(saved);
  await settle(baseline);
  const code = current.exitCode ?? process.exitCode ?? 0;
  const report = { ok: current.failure === null && code === 0, exitCode: code, error: current.failure };
  fs.writeFileSync(job.result, JSON.stringify(report));
  current = null;
  restoreState(saved, fds);
  const checked = performance.now();
  const leaks = globalLeaks(saved.globals);
  leaks.push(...libraryLeaks());
  const seconds = { app: (checked - started) / 1000, check: (performance.now() - checked) / 1000 };
  return { done: true, leaks, rss: process.memoryUsage().rss, seconds };
}

function globalLeaks(before) {
  const changed = differences(before, snapshotGlobals(), undefined);
  return changed.length ? [`globals changed: ${changed.slice(0, 5).join(', ')}`] : [];
}

// ---- compiling with the cold path's own compile script, in this process

const compileSource = fs.readFileSync(COMPILE_SCRIPT, 'utf8');
const compileScript = new vm.Script(
  `(function (exports, require, module, __filename, __dirname, process) {${compileSource}\n})`,
  { filename: COMPILE_SCRIPT },
);
const compileRequire = Module.createRequire(COMPILE_SCRIPT);

function compile(job) {
  return new Promise((resolve) => {
    let output = '';
    const shim = Object.create(process, {
      argv: { value: [process.argv[0], COMPILE_SCRIPT, job.job] },
      stdout: { value: { write: (text) => { output += text; if (output.endsWith('\n')) resolve({ report: JSON.parse(output) }); return true; } } },
      stderr: { value: { write: (text) => { output += text; return true; } } },
      exit: { value: (code) => resolve({ error: `compile script exited ${code}: ${output}` }) },
    });
    const run = compileScript.runInThisContext();
    const mod = { exports: {} };
    try {
      run(mod.exports, compileRequire, mod, COMPILE_SCRIPT, path.dirname(COMPILE_SCRIPT), shim);
    } catch (err) {
      resolve({ error: String((err && err.stack) || err) });
    }
  });
}

// ---- start-up and the job loop

// Library modules that change other library modules' exports when they load
// (metric methods added to prototypes, a global queue symbol), so they load
// before the first snapshot instead of looking like an app's change.
const SELF_PATCHING = [
  'aws-ec2/lib/ec2-augmentations.generated.js',
  'aws-lambda/lib/lambda-augmentations.generated.js',
  'aws-rds/lib/rds-augmentations.generated.js',
  'aws-sns/lib/sns-augmentations.generated.js',
  'aws-sqs/lib/sqs-augmentations.generated.js',
  'node_modules/fs-extra',
];

function preloadSelfPatching() {
  // The package's exports map hides these files, so they load by path.
  for (const name of SELF_PATCHING) {
    try {
      require(path.join(LIBRARY_ROOTS[0], name));
    } catch (err) {
      fs.writeSync(2, `worker: could not preload ${name}: ${err.message}\n`);
    }
  }
}

function warmUp() {
  preloadSelfPatching();
  const cdk = require('aws-cdk-lib');
  const ec2 = require('aws-cdk-lib/aws-ec2');
  require('aws-cdk-lib/aws-logs');
  require('aws-cdk-lib/aws-iam');
  require('aws-cdk-lib/aws-s3');
  require('aws-cdk-lib/aws-kms');
  const app = new cdk.App({ outdir: path.join(WARMUP_DIR, 'cdk.out'), autoSynth: false });
  const stack = new cdk.Stack(app, 'Warm', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
  vpc.addFlowLog('FlowLog');
  cdk.Tags.of(stack).add('Warm', 'yes');
  new cdk.CfnOutput(stack, 'VpcId', { value: vpc.vpcId });
  app.synth();
  fs.rmSync(path.join(WARMUP_DIR, 'cdk.out'), { recursive: true, force: true });
  for (const [filename, mod] of Object.entries(require.cache)) {
    if (isLibrary(filename)) watchModule(filename, mod);
  }
}

function reply(message) {
  fs.writeSync(REPLY_FD, JSON.stringify(message) + '\n');
}

async function handle(line) {
  const job = JSON.parse(line);
  if (job.type === 'compile') return compile(job);
  if (job.type === 'run') return runApp(job);
  return { error: `unknown job type ${JSON.stringify(job.type)}` };
}

function main() {
  warmUp();
  reply({ ready: true, pid: process.pid, rss: process.memoryUsage().rss });
  let buffered = '';
  let queue = Promise.resolve();
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      queue = queue.then(() => handle(line)).then(reply, (err) => reply({ error: String((err && err.stack) || err) }));
    }
  });
  process.stdin.on('end', () => queue.then(() => process.exit(0)));
}

main();
