import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {after, describe, test} from 'node:test';
import {requireOrSkip} from '../helpers/require.js';
import {runInVm, vmAvailable} from './harness.js';

const available = vmAvailable();

/** Descendants of this test process that are qemu or the timeout wrapping it. */
function leftoverQemuProcesses(): string[] {
	const processes = readdirSync('/proc').filter(entry => /^\d+$/.test(entry)).flatMap(pid => {
		try {
			// comm may contain spaces and parentheses; the fields after the last ')' are fixed.
			const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
			const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
			const parentPid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			return [{pid: Number(pid), comm, parentPid}];
		} catch {
			return []; // Exited while listing.
		}
	});
	const descendants = new Set([process.pid]);
	for (let grew = true; grew;) {
		grew = false;
		for (const {pid, parentPid} of processes) {
			if (descendants.has(parentPid) && !descendants.has(pid)) {
				descendants.add(pid);
				grew = true;
			}
		}
	}

	return processes
		.filter(({pid, comm}) => descendants.has(pid) && (comm.startsWith('qemu') || comm === 'timeout'))
		.map(({pid, comm}) => `${pid} ${comm}`);
}

/** "key value" lines, as in memory.events, into numbers by key. */
function parseCounters(text: string): Map<string, number> {
	return new Map(text.trim().split('\n').map(line => {
		const [key, value] = line.split(' ');
		return [key, Number(value)];
	}));
}

describe('the cgroup v2 VM', () => {
	after(() => {
		assert.deepEqual(leftoverQemuProcesses(), []);
	});

	test('mounts cgroup2 with the controllers, runs the host node at the given cwd and env', async t => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		const sections = ['cat /proc/self/mountinfo', 'cat /sys/fs/cgroup/cgroup.controllers', 'node -e "console.log(40 + 2)"', 'pwd', 'echo "$GREETING"'];
		const result = await runInVm(sections.join('; echo ---; '), {cwd: '/usr/share', env: {GREETING: 'hello from the host'}});
		assert.equal(result.code, 0, result.stderr);
		const [mountinfo, controllers, nodeOutput, cwd, greeting] = result.stdout.split('---\n');

		// mountinfo: "id parent major:minor root mount-point options [optional fields] - fstype source super-options"
		const cgroupMount = mountinfo.split('\n').find(line => line.split(' ')[4] === '/sys/fs/cgroup');
		assert.ok(cgroupMount, `no mount at /sys/fs/cgroup in:\n${mountinfo}`);
		assert.equal(cgroupMount.split(' - ')[1].split(' ')[0], 'cgroup2');
		for (const controller of ['memory', 'cpu', 'pids']) assert.ok(controllers.split(/\s+/).includes(controller), controllers);
		assert.equal(nodeOutput, '42\n');
		assert.equal(cwd, '/usr/share\n');
		assert.equal(greeting, 'hello from the host\n');
	});

	test('OOM-kills a node allocator in a child cgroup with memory.max=64M and counts it in memory.events', async t => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		const script = `
			cg=/sys/fs/cgroup/oom-test
			mkdir $cg
			echo 64M > $cg/memory.max
			echo 0 > $cg/memory.swap.max
			status=0
			sh -c 'echo $$ > /sys/fs/cgroup/oom-test/cgroup.procs && exec node -e "$ALLOCATE"' || status=$?
			echo "status $status"
			echo "memory.max $(cat $cg/memory.max)"
			echo "memory.swap.max $(cat $cg/memory.swap.max)"
			echo "memory.peak $(cat $cg/memory.peak)"
			cat $cg/memory.events`;
		const allocate = 'const kept = []; for (;;) kept.push(Buffer.alloc(1 << 20, 1));';
		const result = await runInVm(script, {env: {ALLOCATE: allocate}});
		assert.equal(result.code, 0, result.stderr);

		const counters = parseCounters(result.stdout);
		assert.equal(counters.get('status'), 128 + 9, 'the allocator should die of SIGKILL');
		assert.equal(counters.get('memory.max'), 64 * 1024 * 1024);
		assert.equal(counters.get('memory.swap.max'), 0);
		assert.ok(counters.get('memory.peak')! > 60 * 1024 * 1024 && counters.get('memory.peak')! <= 64 * 1024 * 1024, result.stdout);
		assert.ok(counters.get('max')! >= 1, result.stdout);
		assert.equal(counters.get('oom'), 1);
		assert.equal(counters.get('oom_kill'), 1);
	});

	test('stops a VM whose command outlives the timeout', async t => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		// Long enough for the emulated boot to reach the command on a busy host.
		const result = await runInVm('echo started; sleep 600', {timeoutMs: 25_000});
		assert.equal(result.timedOut, true);
		assert.equal(result.code, null);
		assert.equal(result.stdout, 'started\n');
	});
});
