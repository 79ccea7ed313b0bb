// A long-lived TypeScript type checker: the compiler API with library files cached.
//
// Usage: node typecheck_ts.js WARMUP_DIR REPLY_FD   (NODE_PATH finds typescript)
// Requests arrive as JSON lines on stdin, each reply is one JSON line on REPLY_FD:
//   {"type": "check", "project": "/abs/copy", "entry": "bin/tap.ts"}
//     -> {"ok": bool, "errors": [{"file", "line", "column", "code", "message"}]}
// Like ts-node, it checks the files the entry reaches with the project's
// tsconfig.json and reports diagnostics of the project's own files only, so
// declaration files of packages and options it cannot honour here (a missing
// `types` package) do not fail an app. Packages resolve from the toolchain's
// node_modules, as the app's imports do at run time. Declaration and library
// files are parsed once and reused by every later check.
'use strict';
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

const [, , WARMUP_DIR, REPLY_FD_ARG] = process.argv;
const REPLY_FD = Number(REPLY_FD_ARG);
const TOOLCHAIN = path.dirname(path.dirname(require.resolve('aws-cdk-lib/package.json')));
const TYPE_ROOTS = [path.join(TOOLCHAIN, '@types')];
// The codes ts-node ignores by default: files that are not modules and
// empty or missing inputs.
const IGNORED_CODES = new Set([6059, 18002, 18003]);
const DEFAULT_OPTIONS = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  strict: true,
  esModuleInterop: true,
};

const sharedFiles = new Map();
// Imports of a package's files resolve the same way in every check.
const sharedResolutions = new Map();
// Package imports that a project cannot resolve itself, resolved from the toolchain.
const fallbackResolutions = new Map();
// package.json lookups, which decide each file's module format, are the same
// in every check; without this cache every check parses them again.
// NOTE: it also keeps the lookup of the stage's own package.json from an
// earlier project, which matters only under module node16 or nodenext.
const resolutionCache = ts.createModuleResolutionCache(TOOLCHAIN, (name) => name, DEFAULT_OPTIONS);

function isShared(fileName) {
  return fileName.startsWith(TOOLCHAIN) || fileName.includes('/typescript/lib/');
}

function compilerOptions(project) {
  const configPath = path.join(project, 'tsconfig.json');
  let options = { ...DEFAULT_OPTIONS };
  if (fs.existsSync(configPath)) {
    const read = ts.readConfigFile(configPath, ts.sys.readFile);
    if (!read.error) {
      const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, project);
      options = parsed.options;
    }
  }
  const installed = (name) => fs.existsSync(path.join(TYPE_ROOTS[0], name));
  return {
    ...options,
    noEmit: true,
    typeRoots: TYPE_ROOTS,
    types: options.types ? options.types.filter(installed) : undefined,
    incremental: false,
    composite: false,
    declaration: false,
  };
}

function createHost(options) {
  const host = ts.createCompilerHost(options, true);
  host.getModuleResolutionCache = () => resolutionCache;
  const readSource = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (!isShared(fileName)) return readSource(fileName, languageVersion, onError, shouldCreate);
    const version = typeof languageVersion === 'object'
      ? `${languageVersion.languageVersion}:${languageVersion.impliedNodeFormat}`
      : String(languageVersion);
    const key = `${fileName}\0${version}`;
    let source = sharedFiles.get(key);
    if (source === undefined) {
      source = readSource(fileName, languageVersion, onError, shouldCreate);
      sharedFiles.set(key, source);
    }
    return source;
  };
  const fallback = path.join(TOOLCHAIN, '..', 'index.ts');
  const resolve = (name, containingFile) => {
    const own = ts.resolveModuleName(name, containingFile, options, host).resolvedModule;
    if (own) return own;
    if (!fallbackResolutions.has(name)) {
      fallbackResolutions.set(name, ts.resolveModuleName(name, fallback, options, host).resolvedModule);
    }
    return fallbackResolutions.get(name);
  };
  host.resolveModuleNames = (names, containingFile) => names.map((name) => {
    if (!isShared(containingFile)) return resolve(name, containingFile);
    const key = `${containingFile}\0${name}`;
    if (!sharedResolutions.has(key)) sharedResolutions.set(key, resolve(name, containingFile));
    return sharedResolutions.get(key);
  });
  return host;
}

function describe(diagnostic, project) {
  const file = path.relative(project, diagnostic.file.fileName);
  const start = diagnostic.start ?? 0;
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(start);
  return {
    file,
    line: line + 1,
    column: character + 1,
    code: diagnostic.code,
    message: ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'),
  };
}

function check(request) {
  const project = fs.realpathSync(request.project);
  const options = compilerOptions(project);
  const host = createHost(options);
  const entry = path.join(project, request.entry);
  const program = ts.createProgram({ rootNames: [entry], options, host });
  const errors = [];
  for (const source of program.getSourceFiles()) {
    if (!source.fileName.startsWith(project + path.sep) || isShared(source.fileName)) continue;
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ];
    for (const diagnostic of diagnostics) {
      if (diagnostic.category !== ts.DiagnosticCategory.Error) continue;
      if (IGNORED_CODES.has(diagnostic.code) || !diagnostic.file) continue;
      errors.push(describe(diagnostic, project));
    }
  }
  return { ok: errors.length === 0, errors };
}

function warmUp() {
  const project = path.join(WARMUP_DIR, 'project');
  fs.mkdirSync(path.join(project, 'bin'), { recursive: true });
  fs.writeFileSync(
    path.join(project, 'bin', 'app.ts'),
    "import * as cdk from 'aws-cdk-lib';\nimport * as ec2 from 'aws-cdk-lib/aws-ec2';\n" +
      "import * as logs from 'aws-cdk-lib/aws-logs';\nimport { Construct } from 'constructs';\n" +
      "const app = new cdk.App();\nconst stack = new cdk.Stack(app, 'Warm');\n" +
      "new ec2.Vpc(stack, 'Vpc', { maxAzs: process.env.X ? 2 : 3 });\n" +
      "new logs.LogGroup(stack as Construct, 'Logs');\n",
  );
  check({ project, entry: 'bin/app.ts' });
}

function reply(message) {
  fs.writeSync(REPLY_FD, JSON.stringify(message) + '\n');
}

function main() {
  warmUp();
  reply({ ready: true, pid: process.pid, rss: process.memoryUsage().rss });
  let buffered = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      try {
        const request = JSON.parse(line);
        reply(request.type === 'check' ? check(request) : { error: `unknown request ${request.type}` });
      } catch (err) {
        reply({ error: String((err && err.stack) || err) });
      }
    }
  });
  process.stdin.on('end', () => process.exit(0));
}

main();
