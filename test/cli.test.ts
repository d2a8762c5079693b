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
	] as const) {
		test(`${args.join(' ')}: a one-line error and exit code 2`, async () => {
			const result = await runPodtop(args);
			assert.equal(result.code, 2);
			assert.match(result.stderr, message);
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

	test('--version and --help', async () => {
		const version = await runPodtop(['--version']);
		assert.equal(version.stdout.trim(), JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
		const help = await runPodtop(['--help']);
		for (const flag of ['--once', '--json', '--interval', '--proc', '--cgroup', '--root', '--no-color']) assert.ok(help.stdout.includes(flag), flag);
	});

	test('without a terminal and without --once, podtop prints the --once tree instead of failing', async () => {
		const tree = new FixtureTree();
		try {
			tree.write('cgroup/cgroup.controllers', 'memory pids cpu\n');
			tree.write('cgroup/cgroup.procs', '');
			tree.cgroupFiles('/docker/' + 'f'.repeat(64), v2MemoryFiles(48 * 1024 * 1024, 64 * 1024 * 1024));
			tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '0::/\n', kernelThread: true});
			tree.addProcess({pid: 31, comm: 'web\u001b[2Jserver', cmdline: ['web', '--port', '80'], cgroup: `0::/docker/${'f'.repeat(64)}\n`, namespaces: {pid: 4026532001, mnt: 4026532002}});
			const result = await runPodtop(['--proc', tree.proc, '--cgroup', tree.cgroup, '--interval', '100']);
			assert.equal(result.code, 0, result.stderr);
			const lines = result.stdout.split('\n');
			assert.equal(lines[0], 'fixture-node · kernel 6.1.0-fixture · cgroup v2 · host namespaces of /proc/2');
			assert.equal(lines[1], '1 pod · 1 container · 2 processes');
			assert.ok(lines.every((line) => line.length <= 80), 'piped output is 80 columns wide');
			const container = lines.find((line) => line.startsWith('└─ '));
			assert.match(container ?? '', /48M\/64M 75%$/);
			assert.ok(result.stdout.includes('31 web\\x1b[2Jserver  web --port 80'), 'the escape in comm is shown, not sent');
			assert.ok(!result.stdout.includes('\u001b'), 'no escape byte reaches the terminal');
		} finally {
			tree.remove();
		}
	});
});
