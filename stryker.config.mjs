// Mutation testing of the core: `npm run test:mutation`, described in docs/mutation-testing.md.
// The tap runner runs each test file in its own node process; node:test prints TAP when a file is run
// directly (not under `node --test`, whose child processes would hide the coverage Stryker collects).

/** Test files that need no root, rig, container runtime or built dist/, and make no timing assertions. */
const testFiles = [
	'test/model/*.test.ts',
	'test/collect/cgroup-reader.test.ts',
	'test/collect/events-watcher.test.ts',
	'test/collect/file-reader.test.ts',
	'test/collect/fixture-trees.test.ts',
	'test/collect/host-description-fixtures.test.ts',
	'test/collect/host-figures.test.ts',
	'test/collect/kmsg-reader.test.ts',
	'test/collect/node-memory.test.ts',
	'test/collect/non-utf8-cgroups.test.ts',
	'test/collect/parsers.test.ts',
	'test/collect/process-scanner.test.ts',
	'test/collect/reread-policy.test.ts',
	'test/collect/runtime-names.test.ts',
	'test/view/key-map.test.ts',
	'test/view/keys.test.tsx',
	'test/view/readme-keys.test.ts',
	'test/view/app-views.test.tsx',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
	mutate: ['source/model/**/*.ts', 'source/collect/**/*.ts', 'source/view/key-map.ts', 'source/view/key-bindings.ts'],
	testRunner: 'tap',
	tap: {
		testFiles,
		nodeArgs: ['--import', 'tsx', '--import', './test/helpers/patched-ink.ts', '--test-reporter=tap', '-r', '{{hookFile}}', '{{testFile}}'],
	},
	checkers: ['typescript'],
	tsconfigFile: 'tsconfig.json',
	coverageAnalysis: 'perTest',
	// Two cores, shared with root rig tests: one test process at a time by default (`-c 2` to go faster).
	concurrency: 1,
	timeoutMS: 10_000,
	reporters: ['clear-text', 'progress', 'html', 'json'],
	htmlReporter: {fileName: 'reports/mutation/index.html'},
	jsonReporter: {fileName: 'reports/mutation/mutation.json'},
	tempDirName: '.stryker-tmp',
	ignorePatterns: ['/.stryker-tmp', '/reports', '/dist'],
	cleanTempDir: true,
	incremental: true,
	incrementalFile: 'reports/mutation/stryker-incremental.json',
};
