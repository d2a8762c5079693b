/**
 * podtop only reads, and never inside a container: checked on the system calls it really makes (strace),
 * not on its source:
 * it never reaches into a container through /proc/<pid>/root or cwd, it opens nothing for writing,
 * changes nothing under /proc, /sys, /run or /var, and writes only to the terminal (fds 1 and 2) and to
 * the eventfds libuv wakes its threads with.
 */
import assert from 'node:assert/strict';
import {execFile, spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, test, type TestContext} from 'node:test';
import {setTimeout as sleep} from 'node:timers/promises';
import {promisify} from 'node:util';
import {cgroupProcsFiles, createCgroup, removeCgroupTree, setMemoryLimit, spawnInCgroups, uniqueRigName} from '../helpers/cgroups.js';
import {cliPath} from '../helpers/podtop.js';
import {childPids, commandExists, killAndWait, readComm, spawnedPid, waitFor, waitForExit} from '../helpers/processes.js';
import {isRoot, requireOrSkip} from '../helpers/require.js';
import {withRig} from '../helpers/rigs.js';
import {envWithoutCi, hasTmux, TmuxTerminal} from '../helpers/tmux-terminal.js';
import {createHostileRig} from './hostile-rig.js';
import {hostileSpecs} from './hostile-payloads.js';

const execFileAsync = promisify(execFile);

const traced = 'trace=%file,write,pwrite64,writev,pwritev,pwritev2,ftruncate,eventfd2,pipe,pipe2,sendfile,copy_file_range,splice';

export type Syscall = {pid: number; name: string; args: string; result: string};

/** strace -f output, with `<unfinished ...>` calls joined to their `<... resumed>` halves. */
export function parseStrace(text: string): Syscall[] {
	const calls: Syscall[] = [];
	const pending = new Map<string, {pid: number; name: string; args: string}>();
	for (const line of text.split('\n')) {
		const resumed = /^(\d+) +<\.\.\. (\w+) resumed>(.*)$/.exec(line);
		if (resumed) {
			const key = `${resumed[1]} ${resumed[2]}`;
			const start = pending.get(key);
			pending.delete(key);
			if (!start) continue;
			const [rest, result = ''] = splitResult(resumed[3]);
			calls.push({...start, args: start.args + rest, result});
			continue;
		}
		const call = /^(\d+) +(\w+)\((.*)$/.exec(line);
		if (!call) continue;
		const [, pid, name, tail] = call;
		if (tail.endsWith('<unfinished ...>')) {
			pending.set(`${pid} ${name}`, {pid: Number(pid), name, args: tail.slice(0, -'<unfinished ...>'.length)});
			continue;
		}
		const [args, result = ''] = splitResult(tail);
		calls.push({pid: Number(pid), name, args, result});
	}
	return calls;
}

function splitResult(tail: string): [string, string] {
	const match = /\)\s+=\s+(.*)$/.exec(tail);
	return match ? [tail.slice(0, match.index), match[1]] : [tail, ''];
}

const writeModeFlags = /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/;
const mutating = new Set(['unlink', 'unlinkat', 'mkdir', 'mkdirat', 'rmdir', 'rename', 'renameat', 'renameat2', 'truncate', 'creat', 'link', 'linkat', 'symlink', 'symlinkat', 'chmod', 'fchmodat', 'chown', 'fchownat', 'lchown', 'mknod', 'mknodat', 'utimensat', 'setxattr', 'lsetxattr', 'removexattr', 'lremovexattr']);

function checkTrace(calls: Syscall[]): void {
	assert.ok(calls.length > 100, `the trace holds podtop's calls (${calls.length})`);
	// Descriptors of podtop's own: libuv's eventfds and self-pipes, and the terminal (Node reopens the tty).
	const isTerminal = (call: Syscall) => /^AT_FDCWD, "\/dev\/(pts\/\d+|tty)",/.test(call.args);
	const own = new Set<number>();
	const terminals = new Set([1, 2]);
	for (const call of calls) {
		if ((call.name === 'openat' || call.name === 'open') && isTerminal(call) && /^\d+/.test(call.result)) terminals.add(Number.parseInt(call.result, 10));
		if (call.name === 'eventfd2' && /^\d+/.test(call.result)) own.add(Number.parseInt(call.result, 10));
		const pipe = /^\[(\d+), (\d+)\]/.exec(call.args);
		if ((call.name === 'pipe2' || call.name === 'pipe') && pipe) own.add(Number(pipe[2]));
	}
	const intoContainers = calls.filter((call) => /"\/proc\/(\d+|self|thread-self)(\/task\/\d+)?\/(root|cwd)(\/|")/.test(call.args));
	assert.deepEqual(intoContainers.map((call) => `${call.name}(${call.args})`), [], 'nothing read through /proc/<pid>/root or cwd');
	// The tools systeminformation runs once at start (lscpu, dmidecode) send their errors to /dev/null.
	const isNull = (call: Syscall) => /^AT_FDCWD, "\/dev\/null",/.test(call.args);
	const writeOpens = calls.filter((call) => (call.name === 'open' || call.name === 'openat' || call.name === 'openat2') && writeModeFlags.test(call.args) && !isTerminal(call) && !isNull(call));
	assert.deepEqual(writeOpens.map((call) => `${call.name}(${call.args}) = ${call.result}`), [], 'nothing but the terminal opened for writing');
	const changes = calls.filter((call) => mutating.has(call.name));
	assert.deepEqual(changes.map((call) => `${call.name}(${call.args}) = ${call.result}`), [], 'no file created, removed, renamed or changed');
	const writes = calls.filter((call) => ['write', 'pwrite64', 'writev', 'pwritev', 'pwritev2', 'ftruncate', 'sendfile', 'copy_file_range', 'splice'].includes(call.name));
	const elsewhere = writes.filter((call) => {
		const descriptor = Number.parseInt(call.args, 10);
		return !(terminals.has(descriptor) || own.has(descriptor));
	});
	assert.deepEqual(elsewhere.map((call) => `${call.name}(${call.args.slice(0, 80)})`), [], 'writes only to the terminal and libuv\'s own eventfds and pipes');
	assert.ok(writes.some((call) => terminals.has(Number.parseInt(call.args, 10)) && Number.parseInt(call.result, 10) > 100), 'the output went to the terminal');
}

function canTrace(t: TestContext, tmux = false): boolean {
	const missing = ['strace', 'unshare', 'bash', ...(tmux ? ['tmux'] : [])].filter((tool) => !commandExists(tool));
	return requireOrSkip(t, isRoot && missing.length === 0 && (!tmux || hasTmux()), isRoot ? `missing ${missing.join(', ')}` : 'needs root');
}

describe('podtop under strace, with containers on the node', {concurrency: false}, () => {
	test('--once --json: read-only, never through /proc/<pid>/root or cwd, output only to the terminal', async (t) => {
		if (!canTrace(t)) return;
		await withRig(t, () => createHostileRig(hostileSpecs));
		const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-strace-'));
		t.after(() => fs.rmSync(directory, {recursive: true, force: true}));
		const tracePath = path.join(directory, 'trace');
		const {stdout} = await execFileAsync('strace', ['-f', '-qq', '-s', '256', '-o', tracePath, '-e', traced, process.execPath, cliPath, '--once', '--json'], {maxBuffer: 64 << 20});
		assert.ok(JSON.parse(stdout).pods.length >= 3, 'the hostile containers were seen');
		const calls = parseStrace(fs.readFileSync(tracePath, 'utf8'));
		checkTrace(calls);
		// It did read what it needs: proof the trace is podtop's.
		assert.ok(calls.some((call) => /"\/proc\/\d+\/stat"/.test(call.args)), 'read /proc/<pid>/stat');
		assert.ok(calls.some((call) => /"\/sys\/fs\/cgroup\/memory\/podtop-test-/.test(call.args)), 'read the containers\' cgroup files');
	});

	test('the live view: read-only over several refreshes and key presses', async (t) => {
		if (!canTrace(t, true)) return;
		await withRig(t, () => createHostileRig(hostileSpecs));
		const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-strace-'));
		t.after(() => fs.rmSync(directory, {recursive: true, force: true}));
		const tracePath = path.join(directory, 'trace');
		const terminal = new TmuxTerminal(120, 30, ['strace', '-f', '-qq', '-s', '256', '-o', tracePath, '-e', traced, process.execPath, cliPath, '--interval', '100'], {env: envWithoutCi, recordExit: true});
		t.after(() => terminal.close());
		await terminal.waitForScreen((screen) => /^podtop /.test(screen) && screen.includes('every 100ms'), 'the first frame', {timeoutMs: 30_000});
		for (const key of ['j', 'j', 'Enter', 'n', 'n', 'd', 'd', '?', '?']) {
			terminal.type(key);
			await sleep(150);
		}
		await sleep(1000);
		terminal.type('q');
		assert.equal(await terminal.exitStatus(20_000), 0);
		const calls = parseStrace(fs.readFileSync(tracePath, 'utf8'));
		checkTrace(calls);
		const statReads = calls.filter((call) => /"\/proc\/\d+\/stat"/.test(call.args)).length;
		assert.ok(statReads > 0, 'read /proc/<pid>/stat');
	});

	test('a cgroup made in the memory hierarchy alone is never looked for in the others', async (t) => {
		if (!canTrace(t)) return;
		const cgroup = `/${uniqueRigName()}/app`;
		let sleeper: number | null = null;
		t.after(async () => {
			if (sleeper !== null) await killAndWait([sleeper]);
			await removeCgroupTree(path.dirname(cgroup));
		});
		await createCgroup(cgroup, ['memory']);
		await setMemoryLimit(cgroup, 64 << 20);
		const wrapper = spawnInCgroups(cgroupProcsFiles(cgroup, ['memory']), ['sleep', 'infinity']);
		sleeper = spawnedPid(wrapper);
		const pid = sleeper;
		await waitFor(async () => (await readComm(pid)) === 'sleep', 5000, 'the sleeper to exec');
		const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-strace-'));
		t.after(() => fs.rmSync(directory, {recursive: true, force: true}));
		const tracePath = path.join(directory, 'trace');
		// 25 refreshes: past two of the retries of absent files, however long they take here.
		const refreshes = 25;
		const tracer = spawn('strace', ['-f', '-qq', '-s', '256', '-o', tracePath, '-e', 'trace=openat', process.execPath, cliPath, '--json', '--interval', '200'], {stdio: ['ignore', 'pipe', 'ignore']});
		const tracerPid = spawnedPid(tracer);
		let lines = 0;
		tracer.stdout.on('data', (chunk: Buffer) => {
			for (const byte of chunk) if (byte === 0x0A) lines++;
		});
		try {
			await waitFor(() => lines >= refreshes, 120_000, `${refreshes} refreshes of podtop under strace`);
			const podtop = await waitFor(async () => (await childPids(tracerPid))[0], 5000, 'podtop under strace');
			process.kill(podtop, 'SIGTERM');
			await waitForExit([podtop, tracerPid], 20_000);
		} finally {
			await killAndWait([tracerPid]);
		}
		const cgroupOpens = parseStrace(fs.readFileSync(tracePath, 'utf8')).filter((call) => call.args.includes(`${cgroup}/`));
		assert.ok(cgroupOpens.some((call) => call.args.includes(`/memory${cgroup}/memory.limit_in_bytes`) && !call.result.startsWith('-1')), 'read the memory cgroup\'s limit');
		const elsewhere = cgroupOpens.filter((call) => !call.args.includes(`/memory${cgroup}/`)).map((call) => call.args.split(',')[1]);
		assert.deepEqual(elsewhere, [], 'no file of the cgroup opened in a hierarchy it is not in');
		const failed = cgroupOpens.filter((call) => call.result.startsWith('-1'));
		t.diagnostic(`failed opens of the cgroup's files over ${refreshes} refreshes: ${failed.length} (${failed.map((call) => path.basename(call.args.split('"')[1])).join(', ')})`);
		const names = failed.map((call) => call.args.split('"')[1]);
		assert.equal(new Set(names).size, names.length, 'a file missing from a cgroup that exists is tried once, not on every retry');
	});

	test('parseStrace joins unfinished calls', () => {
		const calls = parseStrace('10 openat(AT_FDCWD, "/proc/1/stat", O_RDONLY <unfinished ...>\n11 write(1, "x", 1) = 1\n10 <... openat resumed>) = 5\n');
		assert.deepEqual(calls, [
			{pid: 11, name: 'write', args: '1, "x", 1', result: '1'},
			{pid: 10, name: 'openat', args: 'AT_FDCWD, "/proc/1/stat", O_RDONLY ', result: '5'},
		]);
	});
});
