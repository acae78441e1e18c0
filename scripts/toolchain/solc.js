#!/usr/bin/env node
// A `solc` executable backed by the npm `solc` package (WebAssembly), speaking the subset of the
// native CLI that ape-solidity (py-solc-x), forge and slither call: `--version` and
// `--standard-json [--base-path P] [--include-path P]... [--allow-paths P,Q]`.
// It exists because native solc binaries cannot be downloaded on these machines; only npm is reachable.
// stdout carries ONLY the JSON result (the solcjs CLI prints extra lines that break callers).
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const args = process.argv.slice(2);

function nativeVersionLine() {
  // solcjs reports "0.8.30+commit.73712a01.Emscripten.clang"; callers parse the native form.
  const [semver, rest] = solc.version().split('+');
  const commit = rest.split('.').slice(0, 2).join('.');
  return `${semver}+${commit}.Linux.g++`;
}

if (args.includes('--version') || args.includes('-v')) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${nativeVersionLine()}\n`);
  process.exit(0);
}

if (!args.includes('--standard-json')) {
  process.stderr.write('solc wrapper: only --version and --standard-json are supported\n');
  process.exit(2);
}

const searchRoots = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--base-path' || args[i] === '--include-path') {
    searchRoots.push(path.resolve(args[++i]));
  } else if (args[i] === '--allow-paths') {
    i++; // sources are read only from the roots above; nothing to enforce beyond that
  }
}
searchRoots.push(process.cwd());

function findImport(importPath) {
  const candidates = path.isAbsolute(importPath)
    ? [importPath]
    : searchRoots.map((root) => path.join(root, importPath));
  for (const candidate of candidates) {
    try {
      return { contents: fs.readFileSync(candidate, 'utf8') };
    } catch (_) {
      // try the next root
    }
  }
  return { error: `File not found: ${importPath} (searched ${searchRoots.join(', ')})` };
}

const input = fs.readFileSync(0, 'utf8');
process.stdout.write(solc.compile(input, { import: findImport }));
