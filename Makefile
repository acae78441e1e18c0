# quiltkit: `make demo` shows the toolkit, `make test` runs every test. Both set themselves up.
SHELL := /bin/bash
.DEFAULT_GOAL := help
ROOT := $(CURDIR)
export PATH := $(ROOT)/.cache/bin:$(ROOT)/.venv/bin:$(PATH)
export SOLCX_BINARY_PATH := $(ROOT)/.cache/solcx
export APE_DATA_FOLDER ?= $(ROOT)/.cache/ape
export FOUNDRY_DISABLE_NIGHTLY_WARNING := 1
PY_DIRS := sdk scripts tests relayer

.PHONY: help setup build abi demo test lint typecheck forge-test storage-layout pytest pytest-anvil slither soroban-test soroban-harness soroban-pytest relayer-test indexer-test symbolic fuzz-deep clock-shift postgres bench bench-relayer bench-indexer snapshot clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

setup: ## create .venv, install pinned Python and npm dependencies, make solc reachable (idempotent)
	@scripts/toolchain/setup.sh

build: setup ## compile contracts with forge, check the SDK's shipped ABIs and that benchmarks/*-gas.md match the snapshots
	forge build
	python scripts/export_abis.py --check
	python scripts/gas_table.py --check

abi: setup ## regenerate the SDK's shipped ABIs from a fresh forge build
	forge build
	python scripts/export_abis.py

demo: setup soroban-harness ## the bounty story on the embedded chain, then on the local Soroban host (DEMO_ARGS=--anvil for anvil)
	quiltkit demo $(DEMO_ARGS)

test: setup lint typecheck build forge-test storage-layout pytest pytest-anvil relayer-test indexer-test slither symbolic soroban-test soroban-pytest ## every test a release needs
	@echo "make test: all suites passed"

lint: setup ## ruff over the Python code
	ruff check $(PY_DIRS)
	ruff format --check $(PY_DIRS)

typecheck: setup ## mypy --strict over the SDK, the relayer and the Python scripts
	mypy --strict sdk/quiltkit relayer/quiltkit_relayer scripts/*.py scripts/gas_families/*.py scripts/toolchain/*.py

forge-test: setup ## forge unit, fuzz and invariant suites (CI profile)
	forge test

storage-layout: setup ## GovernanceToken V1 -> V2 storage layout with @openzeppelin/upgrades-core (ERC-7201 namespaces included); a broken V2 must be rejected
	python -m pytest -p no:ape_test tests/storage_layout -q

pytest: setup ## pytest through ape on the embedded EthTester chain
	ape test tests --network ethereum:local:test --ignore=tests/soroban --ignore=tests/relayer --ignore=tests/storage_layout --ignore=tests/indexer

pytest-anvil: setup ## the same pytest suites on anvil
	ape test tests --network ethereum:local:foundry --ignore=tests/soroban --ignore=tests/relayer --ignore=tests/storage_layout --ignore=tests/indexer

postgres: ## start the throwaway PostgreSQL cluster on 127.0.0.1 (installs it with apt if missing)
	scripts/toolchain/postgres.sh start

relayer-test: setup build soroban-harness ## relayer suites on anvil, SQLite and PostgreSQL, fault tests included (bounded: 15 min)
	QUILTKIT_TEST_PG_URL=$$(scripts/toolchain/postgres.sh start) \
	  timeout --signal=INT 900 pytest -p no:ape_test tests/relayer -q --durations=10

indexer-test: setup build soroban-harness ## indexer suites on anvil and the Soroban harness, SQLite and PostgreSQL, every projected family: reorgs, SIGKILL/restart, verify (bounded: 10 min)
	QUILTKIT_TEST_PG_URL=$$(scripts/toolchain/postgres.sh start) \
	  timeout --signal=INT 600 pytest -p no:ape_test tests/indexer -q --durations=5

slither: setup ## static analysis of contracts/ (triage in slither.triage.json)
	scripts/toolchain/slither.sh

symbolic: setup ## halmos: the check_ properties of the *SymbolicTest suites, for every input
	scripts/toolchain/halmos.sh

fuzz-deep: setup ## the audit profile (about 80 min on 2 cores): forge fuzz 20,000 runs, invariants 2,000 x 256, Soroban proptest 5,000 cases
	FOUNDRY_PROFILE=deep forge test --show-progress
	PROPTEST_CASES=5000 $(MAKE) soroban-test

clock-shift: setup ## the Python suites and the demo with the clock moved +400d and +1830d (libfaketime; not in make test)
	scripts/toolchain/clock_shift.sh

soroban-test: ## cargo tests of the Soroban escrow and harness
	cd soroban && cargo test --locked -j 2

soroban-harness: ## build the local Soroban harness (debug profile: the harness needs unwinding)
	cd soroban && cargo build -j 2 --locked -p quiltkit-soroban-harness

soroban-pytest: setup soroban-harness ## the Python Soroban client on the local harness (plain pytest, no ape)
	python -m pytest -p no:ape_test tests/soroban

bench: setup ## gas snapshot (full-transaction gas, --isolate) and the comparison table; relayer throughput
	forge test --isolate --match-path 'tests/forge/escrow/MilestoneEscrow.gas.t.sol'
	forge test --isolate --match-path 'tests/forge/auction/AuctionHouse.gas.t.sol'
	forge test --isolate --match-path 'tests/forge/governance/Governance.gas.t.sol'
	forge test --isolate --match-path 'tests/forge/badges/Badges.gas.t.sol'
	forge test --isolate --match-path 'tests/forge/staking/Staking.gas.t.sol'
	forge test --isolate --match-path 'tests/forge/funding/Funding.gas.t.sol'
	python scripts/gas_table.py
	$(MAKE) bench-relayer
	$(MAKE) bench-indexer

bench-indexer: setup ## indexer backfill of 100,000 escrow events into SQLite and PostgreSQL vs a naive loop (writes benchmarks/indexer.md)
	QUILTKIT_BENCH_PG_URL=$$(scripts/toolchain/postgres.sh start) python scripts/bench_indexer.py

bench-relayer: setup ## relayer throughput, latency and gas vs a naive loop (writes benchmarks/relayer.md)
	QUILTKIT_BENCH_PG_URL=$$(scripts/toolchain/postgres.sh start) python scripts/bench_relayer.py

clean: ## remove build outputs (keeps .venv and node_modules)
	rm -rf .build soroban/target
