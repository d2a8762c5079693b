import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, test} from 'node:test';
import {FixtureTree, v2MemoryFiles} from './helpers/fixture-tree.js';
import {runPodtop} from './helpers/podtop.js';

describe('the command line', () => {
	for (const [args, message] of [
		[['--interval', '-5'], /--interval must be a whole number/],
		[['--interval', '50'], /--interval must be between 100 and 3600000/],
		[['--interval', 'soon'], /--interval must be a whole number/],
		[['--frobnicate'], /unknown flag --frobnicate/],
		[['sideways'], /unknown command "sideways"/],
		[['--interval'], /^podtop: --interval needs a value: milliseconds$/],
		[['--interval', '--once'], /^podtop: --interval needs a value: milliseconds$/],
		[['--once', '--root', ''], /^podtop: --root needs a value, not an empty one: a directory$/],
		[['--once', '--proc='], /^podtop: --proc needs a value, not an empty one: a directory$/],
		[['--once', '--cgroup', '-x'], /^podtop: --cgroup needs a value: a directory$/],
		[['--once', '--width', 'wide'], /^podtop: --width must be a whole number of columns from 20, not "wide"$/],
		[['-x'], /^podtop: unknown flag -x \(see podtop --help\)$/],
	] as const) {
		test(`${args.join(' ')}: a one-line error and exit code 2`, async () => {
			const result = await runPodtop(args);
			assert.equal(result.code, 2);
			assert.match(result.stderr.trim(), message);
			assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
			assert.equal(result.stdout, '');
		});
	}

	test('--proc that is not a procfs: a one-line error and exit code 2', async () => {
		const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-not-proc-'));
		try {
			const result = await runPodtop(['--once', '--proc', empty]);
			assert.equal(result.code, 2);
			assert.equal(result.stderr.trim(), `podtop: ${empty} is not a procfs (no process directories with a stat file)`);
		} finally {
			fs.rmSync(empty, {recursive: true});
		}
	});

	test('--root without a proc directory: a one-line error and exit code 2; --proc overrides it', async () => {
		const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-no-root-'));
		try {
			const result = await runPodtop(['--once', '--root', empty]);
			assert.equal(result.code, 2);
			assert.equal(result.stderr, `podtop: --root ${empty} has no proc directory (${path.join(empty, 'proc')})\n`);
			assert.equal(result.stdout, '');
			const overridden = await runPodtop(['--once', '--root', empty, '--proc', empty]);
			assert.equal(overridden.code, 2);
			assert.equal(overridden.stderr.trim(), `podtop: ${empty} is not a procfs (no process directories with a stat file)`, 'the --proc given is read, not <root>/proc');
		} finally {
			fs.rmSync(empty, {recursive: true});
		}
	});

	test('--version and --help, -v and -h, alone or with other flags', async () => {
		const packageVersion = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
		for (const args of [['--version'], ['-v'], ['--once', '-v']]) {
			const version = await runPodtop(args);
			assert.deepEqual([version.code, version.stdout.trim()], [0, packageVersion], args.join(' '));
		}
		const help = await runPodtop(['--help']);
		assert.equal(help.code, 0);
		for (const flag of ['--once', '--json', '--interval', '--proc', '--cgroup', '--root', '--width', '--no-color', '-h, --help', '-v, --version']) assert.ok(help.stdout.includes(flag), flag);
		const wide = help.stdout.split('\n').filter((line) => line.length > 80);
		assert.deepEqual(wide, [], 'every line of the help fits an 80-column terminal');
		assert.match(help.stdout, /^ {4}m {14}memory pressure: node memory\.available vs the eviction\n {19}threshold, pods/m, 'a long key meaning goes on under its own column');
		for (const args of [['-h'], ['--once', '-h']]) {
			const short = await runPodtop(args);
			assert.deepEqual([short.code, short.stdout], [0, help.stdout], args.join(' '));
		}
	});

	test('without a terminal and without --once, podtop prints the --once tree with every line whole, as ps does to a pipe', async () => {
		const tree = new FixtureTree();
		try {
			tree.write('cgroup/cgroup.controllers', 'memory pids cpu\n');
			tree.write('cgroup/cgroup.procs', '');
			tree.cgroupFiles('/docker/' + 'f'.repeat(64), v2MemoryFiles(48 * 1024 * 1024, 64 * 1024 * 1024));
			tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '0::/\n', kernelThread: true});
			const longArguments = Array.from({length: 30}, (_, index) => `--option-${index}=value`);
			tree.addProcess({pid: 31, comm: 'web\u001b[2Jserver', cmdline: ['web', '--port', '80', ...longArguments], cgroup: `0::/docker/${'f'.repeat(64)}\n`, namespaces: {pid: 4026532001, mnt: 4026532002}});
			const fixtureArgs = ['--proc', tree.proc, '--cgroup', tree.cgroup, '--interval', '100'];
			const withoutColumns = {...process.env};
			delete withoutColumns.COLUMNS;
			const result = await runPodtop(fixtureArgs, {env: withoutColumns});
			assert.equal(result.code, 0, result.stderr);
			const lines = result.stdout.split('\n');
			assert.equal(lines[0], 'fixture-node · kernel 6.1.0-fixture · cgroup v2 · host namespaces of /proc/2');
			assert.equal(lines[1], '1 pod · 1 container · 2 processes');
			assert.match(lines[2], /^node memory\.available .* evicts below 100M \(kubelet default 100Mi\)/);
			assert.match(lines[3], /^POD \/ CONTAINER \/ PROCESS +PIDS +CPU cores MEMORY used\/limit % +COMMAND$/);
			const container = lines.find((line) => line.startsWith('└─ '));
			assert.match(container ?? '', /48M\/64M 75%$/);
			assert.match(result.stdout, new RegExp(`\\n {5}31 web\\\\x1b\\[2Jserver +[-0-9.]+ +\\S+ +web --port 80 ${longArguments.join(' ')}\\n`), 'its CPU and memory, then the whole command line last, as ps: no cut at 80 columns');
			assert.ok(!result.stdout.includes('\u001b'), 'no escape byte reaches the terminal');

			for (const [args, env, width] of [
				[[], {...withoutColumns, COLUMNS: '90'}, 90],
				[['--width', '100'], {...withoutColumns, COLUMNS: '90'}, 100],
			] as const) {
				const cut = await runPodtop([...fixtureArgs, ...args], {env});
				const widest = Math.max(...cut.stdout.split('\n').map((line) => [...line].length));
				assert.ok(widest <= width && widest > width - 5, `${args.join(' ')} COLUMNS=${env.COLUMNS}: cut to ${width} columns, not ${widest}`);
				assert.ok(cut.stdout.includes('web --port 80'), 'the start of the command line stays');
				assert.ok(!cut.stdout.includes('--option-29=value'), 'its end is cut');
			}
		} finally {
			tree.remove();
		}
	});
});
