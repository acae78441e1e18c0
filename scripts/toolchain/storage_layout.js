#!/usr/bin/env node
// Storage-layout check of upgradeable contracts with @openzeppelin/upgrades-core (npm, pinned).
//
//   node scripts/toolchain/storage_layout.js            # every pair in PAIRS: each must meet its expectation
//   node scripts/toolchain/storage_layout.js REF NEW    # one pair (fully qualified names); exit 1 if incompatible
//
// What upgrades-core needs to see OpenZeppelin 5 upgradeable storage: its state lives in ERC-7201
// namespaces (structs at hashed slots, not state variables), which solc's `storageLayout` output
// does not describe. upgrades-core gets a namespace's detailed layout (slots, offsets, sizes) only
// from a second, "namespaced" compilation of modified sources (`makeNamespacedInput`: each
// namespace struct becomes a state variable); its Hardhat plugin runs it, its 1.46 CLI does not
// (cli/validate/validations.js calls `validate(output, decodeSrc, version, input)` and compares
// namespaces from the AST alone), and forge's build-info holds no such compilation. The CLI also
// needs build-info files with the `storageLayout` output (foundry.toml: build_info and
// extra_output, absent here) and compares against a reference only when one is named (NatSpec
// `@custom:oz-upgrades-from` or --reference): without one, "you will not receive an error".
// This script does what the plugins do: it compiles the sources with the pinned solc (npm,
// WebAssembly), runs the namespaced compilation, and hands upgrades-core output, source decoder,
// version, input and namespaced output; each pair names its reference explicitly.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');
const core = require('@openzeppelin/upgrades-core');
const { getStorageUpgradeReport } = require('@openzeppelin/upgrades-core/dist/storage');
const { getContractVersion, getStorageLayout, getErrors } = require('@openzeppelin/upgrades-core/dist/validate/query');

const ROOT = path.resolve(__dirname, '..', '..');
const REMAPPINGS = [
  ['@openzeppelin/contracts-upgradeable/', 'node_modules/@openzeppelin/contracts-upgradeable/'],
  ['@openzeppelin/contracts/', 'node_modules/@openzeppelin/contracts/'],
];
const V1 = 'contracts/governance/GovernanceToken.sol:GovernanceToken';
// reference -> candidate, and whether upgrades-core must accept the upgrade.
const PAIRS = [
  { reference: V1, candidate: 'tests/forge/governance/mocks/GovernanceMocks.sol:GovernanceTokenV2', compatible: true },
  { reference: V1, candidate: 'tests/storage_layout/BrokenGovernanceTokenV2.sol:BrokenGovernanceTokenV2', compatible: false },
];

function read(unit) {
  for (const [prefix, target] of REMAPPINGS) {
    if (unit.startsWith(prefix)) return fs.readFileSync(path.join(ROOT, target, unit.slice(prefix.length)), 'utf8');
  }
  return fs.readFileSync(path.join(ROOT, unit), 'utf8');
}

function compile(input, loaded) {
  const imports = (unit) => {
    try {
      const contents = read(unit);
      if (loaded) loaded[unit] = contents;
      return { contents };
    } catch (err) {
      return { error: `${unit}: ${err.message}` };
    }
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: imports }));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  return output;
}

function analyse(units, wanted) {
  const selection = { '*': { '*': ['storageLayout'], '': ['ast'] } };
  for (const name of wanted) {
    const [unit, contract] = name.split(':');
    selection[unit] = { ...(selection[unit] || { '': ['ast'], '*': ['storageLayout'] }), [contract]: ['storageLayout', 'evm.bytecode.object', 'evm.bytecode.linkReferences'] };
  }
  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(units.map((u) => [u, { content: read(u) }])),
    settings: { optimizer: { enabled: false }, evmVersion: 'cancun', outputSelection: selection },
  };
  const loaded = {};
  const output = compile(input, loaded);
  // Bytecode is generated only for the contracts compared (the slow part of a solcjs compilation);
  // the others get the empty bytecode abstract contracts and interfaces have anyway.
  for (const contracts of Object.values(output.contracts)) {
    for (const c of Object.values(contracts)) c.evm = c.evm || { bytecode: { object: '', linkReferences: {} } };
  }
  for (const [unit, content] of Object.entries(loaded)) input.sources[unit] = { content };
  const version = solc.version().split('+')[0];
  const namespacedInput = core.makeNamespacedInput(input, output, version);
  const namespacedOutput = compile(namespacedInput);
  const decodeSrc = core.solcInputOutputDecoder(input, output);
  return core.validate(output, decodeSrc, version, input, namespacedOutput);
}

function check(validation, reference, candidate) {
  const refLayout = getStorageLayout(validation, getContractVersion(validation, reference));
  const newVersion = getContractVersion(validation, candidate);
  // A V2 adds at most a `reinitializer(n)`, which upgrades-core leaves out of its initializer
  // checks by default ("Reinitializers are not included in validations"), so it would call the V2
  // initializer-less: allowed here, and only this one check.
  const opts = core.withValidationDefaults({ unsafeAllow: ['missing-initializer'] });
  const report = getStorageUpgradeReport(refLayout, getStorageLayout(validation, newVersion), opts);
  const unsafe = getErrors(validation, newVersion, opts);
  const namespaces = Object.keys(refLayout.namespaces || {});
  return { layoutOk: report.ok, ok: report.ok && unsafe.length === 0, report, unsafe, namespaces };
}

function main() {
  const args = process.argv.slice(2);
  const pairs = args.length === 2 ? [{ reference: args[0], candidate: args[1], compatible: undefined }] : PAIRS;
  const names = [...new Set(pairs.flatMap((p) => [p.reference, p.candidate]))];
  const validation = analyse([...new Set(names.map((n) => n.split(':')[0]))], names);
  let failed = false;
  for (const pair of pairs) {
    const { layoutOk, ok, report, unsafe, namespaces } = check(validation, pair.reference, pair.candidate);
    const verdict = ok ? 'compatible' : layoutOk ? 'UPGRADE-UNSAFE' : 'INCOMPATIBLE LAYOUT';
    console.log(`${pair.reference} -> ${pair.candidate}: ${verdict} (${namespaces.length} ERC-7201 namespaces compared)`);
    if (!report.ok) console.log(report.explain(false));
    for (const e of unsafe) console.log(`  upgrade-unsafe: ${e.kind} at ${e.src}`);
    if (namespaces.length === 0) {
      console.log('  no ERC-7201 namespace found in the reference: the namespaced compilation did not run');
      failed = true;
    }
    // an expected rejection must come from the layout report, not from another check
    if (pair.compatible === false ? layoutOk : !ok) {
      console.log(`  expected ${pair.compatible === false ? 'a rejection' : 'compatible'}`);
      failed = true;
    }
  }
  process.exit(failed ? 1 : 0);
}

main();
