import assert from 'node:assert/strict';
import fs from 'node:fs';
import {describe, test} from 'node:test';
import {layoutFromDirectory} from '../../source/collect/cgroup-layout.js';
import {CgroupReader, wantedCgroupPaths} from '../../source/collect/cgroup-reader.js';
import {FileReader} from '../../source/collect/file-reader.js';
import type {ProcessCgroups} from '../../source/model/types.js';
import {makeProcess} from '../fixtures/models.js';
import {FixtureTree, v1MemoryFiles, v2MemoryFiles} from '../helpers/fixture-tree.js';
import {descriptorsOpenUnder} from '../helpers/processes.js';
import {FileReadLog} from '../helpers/file-read-log.js';

/** A FileReader that lists every file it tried to open and whether the open failed. */
class OpenLog extends FileReader {
	readonly opens: Array<{path: string; failed: boolean}> = [];

	override keep(filePath: string | Buffer): number {
		const descriptor = super.keep(filePath);
		this.opens.push({path: String(filePath), failed: descriptor < 0});
		return descriptor;
	}

	override readPath(filePath: string | Buffer, limit?: number): number {
		const length = super.readPath(filePath, limit);
		this.opens.push({path: String(filePath), failed: length < 0});
		return length;
	}

	failedSince(start: number): string[] {
		return this.opens.slice(start).filter((open) => open.failed).map((open) => open.path);
	}
}

function readerOver(tree: FixtureTree): {reader: CgroupReader; log: OpenLog} {
	const layout = layoutFromDirectory(tree.cgroup);
	assert.ok(layout, 'the fixture has a cgroup layout');
	const log = new OpenLog(tree.proc);
	return {reader: new CgroupReader(layout, log), log};
}

const cgroupsOf = (paths: Partial<ProcessCgroups>): ProcessCgroups => ({container: null, memory: null, cpu: null, cpuacct: null, pids: null, ...paths});

describe('which cgroup files are opened', () => {
	test('v1: a cgroup made in the memory hierarchy alone is never looked for in the cpu or pids ones', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		for (const hierarchy of ['memory', 'cpu,cpuacct', 'pids']) tree.write(`cgroup/${hierarchy}/cgroup.procs`, '');
		for (const [cgroupPath, limit] of [['/pod', 256], ['/pod/app', 64]] as const) {
			for (const [name, content] of Object.entries(v1MemoryFiles(10 << 20, limit << 20))) tree.write(`cgroup/memory${cgroupPath}/${name}`, content);
		}
		const wanted = wantedCgroupPaths([makeProcess({pid: 10, comm: 'app', cgroups: cgroupsOf({container: '/pod/app', memory: '/pod/app', cpu: '/', cpuacct: '/', pids: '/'})})]);
		assert.deepEqual([...wanted.keys()], ['/pod', '/pod/app']);
		const {reader, log} = readerOver(tree);
		t.after(() => reader.close());
		let stats = reader.read(wanted);
		for (let refresh = 1; refresh < 30; refresh++) stats = reader.read(wanted);
		assert.deepEqual(log.opens.filter((open) => !open.path.includes('/cgroup/memory/')).map((open) => open.path), [], 'nothing opened outside the memory hierarchy');
		assert.equal(stats.get('/pod/app')?.memory.max, 64 << 20, 'the memory files are read');
		assert.equal(stats.get('/pod')?.memory.max, 256 << 20);
		// memory.kmem.usage_in_bytes is not in the fixture, as on a kernel booted with cgroup.memory=nokmem.
		const kmem = log.opens.filter((open) => open.path.endsWith('memory.kmem.usage_in_bytes'));
		assert.deepEqual(kmem.map((open) => open.failed), [true, true], 'a file missing from a v1 cgroup that exists is tried once per cgroup, not every few refreshes');
	});

	test('v1: a cgroup that is not there yet is looked for again', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		tree.write('cgroup/memory/cgroup.procs', '');
		const wanted = wantedCgroupPaths([makeProcess({pid: 10, comm: 'app', cgroups: cgroupsOf({container: '/late', memory: '/late'})})]);
		const {reader} = readerOver(tree);
		t.after(() => reader.close());
		assert.equal(reader.read(wanted).get('/late')?.exists, false);
		for (const [name, content] of Object.entries(v1MemoryFiles(1 << 20, 32 << 20))) tree.write(`cgroup/memory/late/${name}`, content);
		let refreshes = 1;
		while (!reader.read(wanted).get('/late')?.exists && refreshes < 30) refreshes++;
		assert.ok(refreshes <= 11, `read within ten refreshes of appearing (took ${refreshes})`);
		assert.equal(reader.stats.get('/late')?.memory.max, 32 << 20);
	});

	test('v2: a controller enabled later is read once its files appear', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		tree.write('cgroup/cgroup.controllers', 'cpu memory pids\n');
		tree.cgroupFiles('/pod', {'memory.current': '1048576\n', 'memory.max': 'max\n'});
		const wanted = wantedCgroupPaths([makeProcess({pid: 10, comm: 'app', cgroups: cgroupsOf({container: '/pod', memory: '/pod', cpu: '/pod', cpuacct: '/pod', pids: '/pod'})})]);
		const {reader, log} = readerOver(tree);
		t.after(() => reader.close());
		assert.equal(reader.read(wanted).get('/pod')?.cpu.usageUsec, null);
		const start = log.opens.length;
		tree.cgroupFiles('/pod', {'cpu.stat': 'usage_usec 5000\n'});
		let refreshes = 1;
		while (reader.read(wanted).get('/pod')?.cpu.usageUsec !== 5000 && refreshes < 30) refreshes++;
		assert.ok(refreshes <= 10, `cpu.stat read within ten refreshes of appearing (took ${refreshes})`);
		assert.ok(log.failedSince(start).length > 0, 'absent v2 files are looked for again');
	});
});

describe('a cgroup none of whose tasks ran since the last read', () => {
	test('v1: its peak, failcnt and OOM counters are read once a task ran; usage and limit every refresh', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		for (const hierarchy of ['memory', 'cpu,cpuacct']) tree.write(`cgroup/${hierarchy}/cgroup.procs`, '');
		for (const [name, content] of Object.entries(v1MemoryFiles(10 << 20, 64 << 20))) tree.write(`cgroup/memory/app/${name}`, content);
		tree.write('cgroup/cpu,cpuacct/app/cgroup.procs', '');
		tree.write('cgroup/cpu,cpuacct/app/cpuacct.usage', '5000000\n');
		tree.write('cgroup/cpu,cpuacct/app/cpuacct.usage_user', '3000000\n');
		const wanted = wantedCgroupPaths([makeProcess({pid: 10, comm: 'app', cgroups: cgroupsOf({container: '/app', memory: '/app', cpu: '/app', cpuacct: '/app'})})]);
		const {reader} = readerOver(tree);
		t.after(() => reader.close());
		const read = () => {
			const stats = reader.read(wanted).get('/app');
			return [stats?.memory.failcnt, (stats?.memory.current ?? 0) >> 20, (stats?.memory.max ?? 0) >> 20, stats?.cpu.userUsec];
		};
		assert.deepEqual(read(), [0, 10, 64, 3000]);
		// Quiet: the CPU time has not moved. Reclaim can still shrink the usage, and anyone can set a limit. A counter
		// only a running task moves is not read, even at the detailed refresh (the sixth): none ran.
		tree.write('cgroup/memory/app/memory.failcnt', '3\n');
		tree.write('cgroup/memory/app/memory.usage_in_bytes', `${8 << 20}\n`);
		tree.write('cgroup/memory/app/memory.limit_in_bytes', `${32 << 20}\n`);
		tree.write('cgroup/cpu,cpuacct/app/cpuacct.usage_user', '3500000\n');
		assert.deepEqual([2, 3, 4, 5, 6].map(() => read()), [
			[0, 8, 32, 3000],
			[0, 8, 32, 3000],
			[0, 8, 32, 3000],
			[0, 8, 32, 3000],
			[0, 8, 32, 3000],
		]);
		// A task ran: what it moves is read at once; the user/system split, a detailed file, at the next detailed refresh.
		tree.write('cgroup/memory/app/memory.failcnt', '4\n');
		tree.write('cgroup/memory/app/memory.max_usage_in_bytes', `${32 << 20}\n`);
		tree.write('cgroup/cpu,cpuacct/app/cpuacct.usage', '6000000\n');
		tree.write('cgroup/cpu,cpuacct/app/cpuacct.usage_user', '4000000\n');
		const active = reader.read(wanted).get('/app');
		assert.deepEqual([active?.memory.failcnt, active?.memory.peak, active?.cpu.usageUsec, active?.cpu.userUsec], [4, 32 << 20, 6000, 3000]);
		// Quiet again by the detailed refresh (the eleventh): it ran since the last one, so it is read whole.
		assert.deepEqual([8, 9, 10, 11].map(() => read()[3]), [3000, 3000, 3000, 4000]);
	});

	test('v2: its peak and pids wait, its events do not; a watched events file that changed has it read whole at once', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		tree.write('cgroup/cgroup.controllers', 'cpu memory pids\n');
		tree.cgroupFiles('/app', v2MemoryFiles(10 << 20, 64 << 20));
		const wanted = wantedCgroupPaths([makeProcess({pid: 10, comm: 'app', cgroups: cgroupsOf({container: '/app', memory: '/app', cpu: '/app', cpuacct: '/app', pids: '/app'})})]);
		const {reader} = readerOver(tree);
		t.after(() => reader.close());
		reader.read(wanted);
		tree.cgroupFiles('/app', {'memory.peak': `${60 << 20}\n`, 'pids.current': '7\n', 'memory.current': `${12 << 20}\n`});
		const stats = reader.read(wanted).get('/app');
		assert.deepEqual([stats?.memory.peak, stats?.pids.current, stats?.memory.current], [10 << 20, 1, 12 << 20]);
		tree.cgroupFiles('/app', {'memory.events': 'low 0\nhigh 0\nmax 2\noom 1\noom_kill 1\noom_group_kill 0\n'});
		assert.equal(reader.read(wanted).get('/app')?.memory.events.oomKill, 1, 'memory.events is read every refresh');
		assert.equal(stats?.memory.peak, 10 << 20);
		assert.equal(reader.readNow('/app'), true);
		assert.deepEqual([stats?.memory.events.oomKill, stats?.memory.peak, stats?.pids.current], [1, 60 << 20, 7]);
	});
});

describe('a pod none of whose tasks ran since the last read', () => {
	test('v1: the cgroups below it wait for the detailed refresh; a move of its CPU time or memory usage reads them at once', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		for (const hierarchy of ['memory', 'cpu,cpuacct']) tree.write(`cgroup/${hierarchy}/cgroup.procs`, '');
		for (const [cgroupPath, usage, limit] of [['/pod', 30, 256], ['/pod/app', 20, 64], ['/pod/app/leaf', 20, 64]] as const) {
			for (const [name, content] of Object.entries(v1MemoryFiles(usage << 20, limit << 20))) tree.write(`cgroup/memory${cgroupPath}/${name}`, content);
			tree.write(`cgroup/cpu,cpuacct${cgroupPath}/cgroup.procs`, '');
			tree.write(`cgroup/cpu,cpuacct${cgroupPath}/cpuacct.usage`, '5000000\n');
		}
		const where = '/pod/app/leaf';
		const wanted = wantedCgroupPaths([makeProcess({pid: 10, comm: 'app', cgroups: cgroupsOf({container: where, memory: where, cpu: where, cpuacct: where})})]);
		const {reader} = readerOver(tree);
		t.after(() => reader.close());
		const limitsAt = () => {
			const stats = reader.read(wanted);
			return ['/pod', '/pod/app', '/pod/app/leaf'].map((cgroupPath) => (stats.get(cgroupPath)?.memory.max ?? 0) >> 20);
		};
		assert.deepEqual(limitsAt(), [256, 64, 64]);
		// Nothing in the pod runs; an administrator sets new limits (the only write that moves a quiet cgroup's files).
		tree.write('cgroup/memory/pod/memory.limit_in_bytes', `${200 << 20}\n`);
		tree.write('cgroup/memory/pod/app/memory.limit_in_bytes', `${48 << 20}\n`);
		tree.write('cgroup/memory/pod/app/leaf/memory.limit_in_bytes', `${40 << 20}\n`);
		assert.deepEqual([2, 3, 4, 5, 6].map(() => limitsAt()), [
			[200, 64, 64],
			[200, 64, 64],
			[200, 64, 64],
			[200, 64, 64],
			[200, 48, 40],
		], "the pod's own limit at once, its containers' at the detailed refresh, every fifth");
		// Reclaim shrinks the container, and so the pod: read at once.
		tree.write('cgroup/memory/pod/memory.usage_in_bytes', `${28 << 20}\n`);
		tree.write('cgroup/memory/pod/app/memory.usage_in_bytes', `${18 << 20}\n`);
		assert.equal((reader.read(wanted).get('/pod/app')?.memory.current ?? 0) >> 20, 18);
		// A task of the leaf runs and hits its limit: its CPU time moves, and every ancestor's with it.
		for (const cgroupPath of ['pod', 'pod/app', 'pod/app/leaf']) tree.write(`cgroup/cpu,cpuacct/${cgroupPath}/cpuacct.usage`, '7000000\n');
		tree.write('cgroup/memory/pod/app/leaf/memory.failcnt', '1\n');
		const leaf = reader.read(wanted).get('/pod/app/leaf');
		assert.deepEqual([leaf?.cpu.usageUsec, leaf?.memory.failcnt], [7000, 1]);
		// Quiet again after a move: the files below wait once more.
		tree.write('cgroup/memory/pod/app/leaf/memory.usage_in_bytes', `${19 << 20}\n`);
		assert.equal((reader.read(wanted).get('/pod/app/leaf')?.memory.current ?? 0) >> 20, 20);
	});

	test('v2: the same, with cpu.stat and memory.current as the pod\'s own counts of all below it', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		tree.write('cgroup/cgroup.controllers', 'cpu memory pids\n');
		for (const cgroupPath of ['/pod', '/pod/app']) tree.cgroupFiles(cgroupPath, {...v2MemoryFiles(10 << 20, 64 << 20), 'cpu.stat': 'usage_usec 5000\n'});
		const where = '/pod/app';
		const wanted = wantedCgroupPaths([makeProcess({pid: 10, comm: 'app', cgroups: cgroupsOf({container: where, memory: where, cpu: where, cpuacct: where, pids: where})})]);
		const {reader} = readerOver(tree);
		t.after(() => reader.close());
		const app = () => reader.read(wanted).get('/pod/app');
		app();
		tree.cgroupFiles('/pod/app', {'memory.max': `${32 << 20}\n`});
		assert.deepEqual([2, 3, 4, 5, 6].map(() => (app()?.memory.max ?? 0) >> 20), [64, 64, 64, 64, 32]);
		tree.cgroupFiles('/pod', {'cpu.stat': 'usage_usec 6000\n'});
		tree.cgroupFiles('/pod/app', {'cpu.stat': 'usage_usec 6000\n', 'memory.events': 'low 0\nhigh 0\nmax 1\noom 0\noom_kill 0\noom_group_kill 0\n'});
		assert.deepEqual([app()?.cpu.usageUsec, app()?.memory.events.max], [6000, 1]);
	});

});

describe('whether a task of a process\'s cgroup ran between its last two reads (its processes need not be read)', () => {
	const at = (cgroupPath: string | null) => cgroupsOf({container: cgroupPath, memory: cgroupPath, cpu: cgroupPath, cpuacct: cgroupPath, pids: cgroupPath});

	test('v1: not at its first read; still while its CPU time stays, not the read after it moved or was read out of turn', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		for (const hierarchy of ['memory', 'cpu,cpuacct']) tree.write(`cgroup/${hierarchy}/cgroup.procs`, '');
		for (const cgroupPath of ['/pod', '/pod/app']) {
			for (const [name, content] of Object.entries(v1MemoryFiles(20 << 20, 64 << 20))) tree.write(`cgroup/memory${cgroupPath}/${name}`, content);
			tree.write(`cgroup/cpu,cpuacct${cgroupPath}/cpuacct.usage`, '5000000\n');
		}
		const wanted = wantedCgroupPaths([makeProcess({pid: 10, comm: 'app', cgroups: at('/pod/app')})]);
		const {reader} = readerOver(tree);
		t.after(() => reader.close());
		const stillAfterRead = () => {
			reader.read(wanted);
			return [reader.cpuStill(at('/pod')), reader.cpuStill(at('/pod/app'))];
		};
		assert.deepEqual(stillAfterRead(), [false, false], 'the first read has nothing to compare with');
		assert.deepEqual(stillAfterRead(), [true, true]);
		assert.equal(reader.cpuStill(at(null)), false, 'a process with no CPU-accounting cgroup');
		assert.equal(reader.cpuStill(at('/')), false, 'a process in the root cgroup, which is never read');
		assert.equal(reader.cpuStill(at('/elsewhere')), false, 'a cgroup not read');
		for (const cgroupPath of ['pod', 'pod/app']) tree.write(`cgroup/cpu,cpuacct/${cgroupPath}/cpuacct.usage`, '6000000\n');
		assert.deepEqual(stillAfterRead(), [false, false], 'a task ran');
		assert.deepEqual(stillAfterRead(), [true, true], 'and then none');
		// Its parent still and its memory usage unchanged, the container is not read: it is still as its parent is.
		assert.deepEqual([2, 3, 4].map(() => stillAfterRead()), [[true, true], [true, true], [true, true]]);
		// An events file changed: read at once, between two refreshes. A task that ran before that read and none
		// after it would look still at the next refresh: it is not taken as still then.
		tree.write('cgroup/cpu,cpuacct/pod/app/cpuacct.usage', '7000000\n');
		tree.write('cgroup/cpu,cpuacct/pod/cpuacct.usage', '7000000\n');
		assert.equal(reader.readNow('/pod/app'), true);
		reader.read(wanted);
		assert.equal(reader.cpuStill(at('/pod/app')), false, 'read out of turn');
		assert.equal(reader.cpuStill(at('/pod')), false);
		assert.deepEqual(stillAfterRead(), [true, true]);
	});

	test('a cgroup first read after the scan that found its process is not still at the next read, unless its parent is', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		tree.write('cgroup/cgroup.controllers', 'cpu memory pids\n');
		for (const cgroupPath of ['/pod', '/pod/app', '/pod/late', '/solo']) tree.cgroupFiles(cgroupPath, {...v2MemoryFiles(10 << 20, 64 << 20), 'cpu.stat': 'usage_usec 5000\n'});
		const app = makeProcess({pid: 10, comm: 'app', cgroups: at('/pod/app')});
		const {reader} = readerOver(tree);
		t.after(() => reader.close());
		const before = wantedCgroupPaths([app]);
		for (let count = 0; count < 2; count++) reader.read(before);
		assert.equal(reader.cpuStill(at('/pod/app')), true);
		// The scan finds processes in cgroups not read yet: their figures are read in the same sample, after it.
		const after = wantedCgroupPaths([app, makeProcess({pid: 11, comm: 'solo', cgroups: at('/solo')}), makeProcess({pid: 12, comm: 'late', cgroups: at('/pod/late')})]);
		const added = reader.readAdded(after);
		assert.deepEqual([added.get('/solo')?.memory.max, added.get('/pod/late')?.memory.max], [64 << 20, 64 << 20]);
		reader.read(after);
		assert.equal(reader.cpuStill(at('/solo')), false, 'its only read was after its process\'s: a task may have run between');
		assert.equal(reader.cpuStill(at('/pod/late')), true, 'its pod, read before the scan, was still since: so was all below it');
		reader.read(after);
		assert.equal(reader.cpuStill(at('/solo')), true);
		// The processes gone, their cgroups are forgotten with the next change.
		assert.deepEqual([...reader.readAdded(before).keys()], ['/pod', '/pod/app']);
	});

	test('hybrid with cpuacct on v1 and cpu on the unified hierarchy: never still, no one file tells whether a task ran', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		tree.write('cgroup/cpuacct/cgroup.procs', '');
		tree.write('cgroup/unified/cgroup.controllers', 'cpu memory\n');
		tree.write('cgroup/cpuacct/pod/cpuacct.usage', '5000000\n');
		tree.cgroupFiles('unified/pod', v2MemoryFiles(20 << 20, 64 << 20));
		const wanted = wantedCgroupPaths([makeProcess({pid: 10, comm: 'app', cgroups: at('/pod')})]);
		const {reader} = readerOver(tree);
		t.after(() => reader.close());
		for (let count = 0; count < 3; count++) reader.read(wanted);
		assert.notEqual(reader.stats.get('/pod')?.cpu.usageUsec, null);
		assert.deepEqual([reader.cpuStill(at('/pod')), reader.cpuStill(at(null))], [false, false]);
	});

	test('v1 with no cpuacct hierarchy: never still, nothing tells whether a task ran', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		tree.write('cgroup/memory/cgroup.procs', '');
		for (const [name, content] of Object.entries(v1MemoryFiles(20 << 20, 64 << 20))) tree.write(`cgroup/memory/pod/${name}`, content);
		const wanted = wantedCgroupPaths([makeProcess({pid: 10, comm: 'app', cgroups: at('/pod')})]);
		const {reader} = readerOver(tree);
		t.after(() => reader.close());
		for (let count = 0; count < 3; count++) reader.read(wanted);
		assert.equal(reader.cpuStill(at('/pod')), false);
	});
});

describe('every figure a cgroup\'s files hold', () => {
	const pressureText = (some: number, full: number) =>
		`some avg10=${some}.00 avg60=1.50 avg300=0.00 total=7000\nfull avg10=${full}.00 avg60=0.50 avg300=0.00 total=3000\n`;

	test('v2: each file\'s own figures, under their own names', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		tree.write('cgroup/cgroup.controllers', 'cpu memory pids\n');
		tree.cgroupFiles('/pod', {
			'cpu.stat': 'usage_usec 1001\nuser_usec 602\nsystem_usec 403\nnr_periods 14\nnr_throttled 5\nthrottled_usec 706\n',
			'memory.current': '8000\n',
			'memory.max': '9000\n',
			'memory.high': '8500\n',
			'memory.peak': '8800\n',
			'memory.swap.current': '300\n',
			'memory.events': 'low 1\nhigh 2\nmax 3\noom 4\noom_kill 5\noom_group_kill 6\n',
			'memory.stat': 'anon 11\nfile 12\nkernel 13\nsock 14\nshmem 15\ninactive_file 16\n',
			'memory.pressure': pressureText(2, 1),
			'cpu.max': '50000 100000\n',
			'cpu.pressure': pressureText(4, 3),
			'pids.current': '7\n',
			'pids.max': '70\n',
			'pids.events': 'max 8\n',
		});
		const wanted = wantedCgroupPaths([makeProcess({pid: 10, comm: 'app', cgroups: cgroupsOf({container: '/pod', memory: '/pod', cpu: '/pod', cpuacct: '/pod', pids: '/pod'})})]);
		const {reader} = readerOver(tree);
		t.after(() => reader.close());
		assert.deepEqual(reader.read(wanted).get('/pod'), {
			path: '/pod',
			memory: {
				current: 8000,
				statUsage: 8000,
				max: 9000,
				high: 8500,
				peak: 8800,
				swapCurrent: 300,
				failcnt: null,
				underOom: null,
				hierarchicalMax: null,
				events: {low: 1, high: 2, max: 3, oom: 4, oomKill: 5, oomGroupKill: 6},
				stat: {anon: 11, file: 12, kernel: 13, sock: 14, shmem: 15, inactiveFile: 16},
				pressure: {someAvg10: 2, someAvg60: 1.5, fullAvg10: 1, fullAvg60: 0.5, someTotalUsec: 7000},
			},
			cpu: {
				usageUsec: 1001,
				userUsec: 602,
				systemUsec: 403,
				quotaCores: 0.5,
				periodUsec: 100_000,
				nrPeriods: 14,
				nrThrottled: 5,
				throttledUsec: 706,
				pressure: {someAvg10: 4, someAvg60: 1.5, fullAvg10: 3, fullAvg60: 0.5, someTotalUsec: 7000},
			},
			pids: {current: 7, max: 70, eventsMax: 8},
			exists: true,
		});
	});

	test('v1: each file\'s own figures; a limit at 2^60 or above is none', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		const files = {
			memory: {
				'cgroup.procs': '',
				'memory.usage_in_bytes': '8000\n',
				'memory.limit_in_bytes': `${2 ** 60 - 4096}\n`,
				'memory.max_usage_in_bytes': '8800\n',
				'memory.failcnt': '3\n',
				'memory.oom_control': 'oom_kill_disable 0\nunder_oom 1\noom_kill 5\n',
				'memory.stat': `cache 1\nrss 2\nshmem 3\ntotal_cache 12\ntotal_rss 11\ntotal_shmem 15\ntotal_inactive_file 16\nhierarchical_memory_limit ${2 ** 60}\n`,
				'memory.kmem.usage_in_bytes': '13\n',
			},
			'cpu,cpuacct': {
				'cgroup.procs': '',
				'cpuacct.usage': '1001000\n',
				'cpuacct.usage_user': '602000\n',
				'cpuacct.usage_sys': '403000\n',
				'cpu.cfs_period_us': '100000\n',
				'cpu.cfs_quota_us': '150000\n',
				'cpu.stat': 'nr_periods 14\nnr_throttled 5\nthrottled_time 706000\n',
			},
			pids: {'cgroup.procs': '', 'pids.current': '7\n', 'pids.max': '70\n', 'pids.events': 'max 8\n'},
		};
		for (const [hierarchy, contents] of Object.entries(files)) {
			tree.write(`cgroup/${hierarchy}/cgroup.procs`, '');
			for (const [name, content] of Object.entries(contents)) tree.write(`cgroup/${hierarchy}/pod/${name}`, content);
		}
		const wanted = wantedCgroupPaths([makeProcess({pid: 10, comm: 'app', cgroups: cgroupsOf({container: '/pod', memory: '/pod', cpu: '/pod', cpuacct: '/pod', pids: '/pod'})})]);
		const {reader} = readerOver(tree);
		t.after(() => reader.close());
		const stats = reader.read(wanted).get('/pod');
		assert.deepEqual(stats?.memory, {
			current: 8000,
			statUsage: 8000,
			max: 2 ** 60 - 4096,
			high: null,
			peak: 8800,
			swapCurrent: null,
			failcnt: 3,
			underOom: true,
			hierarchicalMax: null,
			events: {low: null, high: null, max: null, oom: null, oomKill: 5, oomGroupKill: null},
			stat: {anon: 11, file: 12, kernel: 13, sock: null, shmem: 15, inactiveFile: 16},
			pressure: null,
		});
		assert.deepEqual(stats?.cpu, {usageUsec: 1001, userUsec: 602, systemUsec: 403, quotaCores: 1.5, periodUsec: 100_000, nrPeriods: 14, nrThrottled: 5, throttledUsec: 706, pressure: null});
		assert.deepEqual(stats?.pids, {current: 7, max: 70, eventsMax: 8});

		// At 2^60 a limit is v1's "unlimited"; one below it, and a hierarchical one below it, are limits.
		tree.write('cgroup/memory/pod/memory.limit_in_bytes', `${2 ** 60}\n`);
		tree.write('cgroup/memory/pod/memory.stat', `total_rss 11\nhierarchical_memory_limit ${2 ** 60 - 4096}\n`);
		tree.write('cgroup/memory/pod/memory.oom_control', 'oom_kill_disable 0\nunder_oom 0\noom_kill 5\n');
		tree.write('cgroup/memory/pod/memory.usage_in_bytes', '8192\n');
		tree.write('cgroup/cpu,cpuacct/pod/cpuacct.usage', '1002000\n');
		let refreshed = reader.read(wanted).get('/pod');
		assert.equal(refreshed?.memory.max, null);
		assert.equal(refreshed?.memory.underOom, false, 'under_oom 0 is not under OOM');
		for (let refresh = 2; refresh <= 6; refresh++) refreshed = reader.read(wanted).get('/pod');
		assert.equal(refreshed?.memory.hierarchicalMax, 2 ** 60 - 4096);
	});
});

describe('when each file is read', () => {
	test('v2: limits and counters a running task moves are read every refresh; the rest within five', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		tree.write('cgroup/cgroup.controllers', 'cpu memory pids\n');
		tree.cgroupFiles('/pod', v2MemoryFiles(8 << 20, 64 << 20, {'pids.events': 'max 0\n', 'memory.swap.current': '0\n'}));
		const wanted = wantedCgroupPaths([makeProcess({pid: 10, comm: 'app', cgroups: cgroupsOf({container: '/pod', memory: '/pod', cpu: '/pod', cpuacct: '/pod', pids: '/pod'})})]);
		const {reader} = readerOver(tree);
		t.after(() => reader.close());
		reader.read(wanted);
		tree.cgroupFiles('/pod', {'memory.max': `${32 << 20}\n`, 'memory.high': `${24 << 20}\n`, 'pids.events': 'max 2\n', 'pids.max': '40\n', 'cpu.max': '20000 100000\n', 'memory.swap.current': '4096\n'});
		tree.chargeCpu('/pod', 10);
		const next = reader.read(wanted).get('/pod');
		assert.deepEqual([next?.memory.max, next?.memory.high, next?.pids.eventsMax], [32 << 20, 24 << 20, 2]);
		let refreshes = 2;
		for (; refreshes <= 6; refreshes++) {
			const stats = reader.read(wanted).get('/pod');
			if (stats?.pids.max === 40 && stats.cpu.quotaCores === 0.2 && stats.memory.swapCurrent === 4096) break;
		}
		assert.ok(refreshes <= 6, 'pids.max, cpu.max and swap read within five refreshes');
	});

	test('a cgroup seen for the first time is read whole, whatever refresh it is', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		tree.write('cgroup/cgroup.controllers', 'cpu memory pids\n');
		tree.cgroupFiles('/first', v2MemoryFiles(8 << 20, 'max'));
		tree.cgroupFiles('/later', v2MemoryFiles(16 << 20, 'max', {'pids.max': '40\n'}));
		const process = (pid: number, cgroupPath: string) => makeProcess({pid, comm: 'app', cgroups: cgroupsOf({container: cgroupPath, memory: cgroupPath, cpu: cgroupPath, cpuacct: cgroupPath, pids: cgroupPath})});
		const {reader} = readerOver(tree);
		t.after(() => reader.close());
		reader.read(wantedCgroupPaths([process(10, '/first')]));
		const later = reader.read(wantedCgroupPaths([process(10, '/first'), process(11, '/later')])).get('/later');
		assert.equal(later?.pids.max, 40);
		assert.equal(later?.memory.stat.anon, 8 << 20);
	});
});

describe('descriptors', () => {
	const openDescriptors = () => fs.readdirSync('/proc/self/fd').length;

	test('a cgroup no longer wanted gives its descriptors back, and close gives back every one', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		tree.write('cgroup/cgroup.controllers', 'cpu memory pids\n');
		tree.cgroupFiles('/a', v2MemoryFiles(8 << 20, 'max'));
		tree.cgroupFiles('/b', v2MemoryFiles(8 << 20, 'max'));
		const process = (pid: number, cgroupPath: string) => makeProcess({pid, comm: 'app', cgroups: cgroupsOf({container: cgroupPath, memory: cgroupPath, cpu: cgroupPath, cpuacct: cgroupPath, pids: cgroupPath})});
		// /b is wanted for its memory alone: its other files are never opened.
		const memoryOnly = makeProcess({pid: 11, comm: 'app', cgroups: cgroupsOf({container: '/b', memory: '/b'})});
		const before = openDescriptors();
		const {reader} = readerOver(tree);
		reader.read(wantedCgroupPaths([process(10, '/a'), memoryOnly]));
		const both = openDescriptors();
		reader.read(wantedCgroupPaths([process(10, '/a')]));
		const one = openDescriptors();
		assert.ok(both > one && one > before, `kept: ${both - before} for two cgroups, ${one - before} for one`);
		assert.ok(both - one < one - before, 'the memory-only cgroup kept fewer');
		assert.equal(reader.stats.has('/b'), false);
		reader.close();
		assert.equal(openDescriptors(), before);
		assert.doesNotThrow(() => fs.fstatSync(2), 'stderr is left open');
	});

	test('with no descriptor to spare, each file is opened, read and closed: the same figures, nothing kept', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		tree.write('cgroup/cgroup.controllers', 'cpu memory pids\n');
		tree.cgroupFiles('/a', v2MemoryFiles(8 << 20, 64 << 20));
		const wanted = wantedCgroupPaths([makeProcess({pid: 10, comm: 'app', cgroups: cgroupsOf({container: '/a', memory: '/a', cpu: '/a', cpuacct: '/a', pids: '/a'})})]);
		const layout = layoutFromDirectory(tree.cgroup)!;
		const kept = new CgroupReader(layout, new FileReader(tree.proc));
		const spare = new CgroupReader(layout, new FileReader(tree.proc, 0));
		t.after(() => kept.close());
		t.after(() => spare.close());
		const before = openDescriptors();
		for (let refresh = 0; refresh < 3; refresh++) {
			tree.chargeCpu('/a', 5);
			assert.deepEqual(spare.read(wanted).get('/a'), kept.read(wanted).get('/a'));
		}
		assert.equal(spare.stats.get('/a')?.memory.max, 64 << 20);
		assert.ok(openDescriptors() > before, 'the other reader keeps its descriptors');
		kept.close();
		assert.equal(openDescriptors(), before, 'the reader with none to spare keeps none');
	});
});

test('v1: a cgroup the scan finds wanted for more controllers is read again at once: its new files, and those it did not find', (t) => {
	const tree = new FixtureTree();
	t.after(() => tree.remove());
	for (const hierarchy of ['memory', 'cpu,cpuacct']) tree.write(`cgroup/${hierarchy}/cgroup.procs`, '');
	for (const [name, content] of Object.entries(v1MemoryFiles(8 << 20, 64 << 20))) tree.write(`cgroup/memory/pod/${name}`, content);
	const inMemory = (pid: number, cgroupPath: string) => makeProcess({pid, comm: 'app', cgroups: cgroupsOf({container: cgroupPath, memory: cgroupPath})});
	const inBoth = (pid: number, cgroupPath: string) => makeProcess({pid, comm: 'app', cgroups: cgroupsOf({container: cgroupPath, memory: cgroupPath, cpu: cgroupPath, cpuacct: cgroupPath})});
	const openOnTree = () => descriptorsOpenUnder(tree.root);
	const {reader} = readerOver(tree);
	// /late's memory directory is not there yet at its first read.
	reader.read(wantedCgroupPaths([inMemory(10, '/pod'), inMemory(11, '/late')]));
	const kept = openOnTree();
	assert.equal(reader.stats.get('/late')?.memory.max, null);
	for (const [name, content] of Object.entries(v1MemoryFiles(8 << 20, 32 << 20))) tree.write(`cgroup/memory/late/${name}`, content);
	for (const cgroupPath of ['pod', 'late']) tree.write(`cgroup/cpu,cpuacct/${cgroupPath}/cpuacct.usage`, '5000000\n');
	const stats = reader.readAdded(wantedCgroupPaths([inBoth(10, '/pod'), inBoth(11, '/late')]));
	assert.deepEqual(['/pod', '/late'].map((cgroupPath) => [stats.get(cgroupPath)?.memory.max, stats.get(cgroupPath)?.cpu.usageUsec]), [[64 << 20, 5000], [32 << 20, 5000]]);
	assert.ok(openOnTree() > kept);
	reader.close();
	assert.equal(openOnTree(), 0, 'one set of descriptors per cgroup, all given back');
});

test('hybrid: the controllers on the unified hierarchy are read from its v2 files', (t) => {
	const tree = new FixtureTree();
	t.after(() => tree.remove());
	for (const hierarchy of ['memory', 'cpu,cpuacct']) tree.write(`cgroup/${hierarchy}/cgroup.procs`, '');
	tree.write('cgroup/unified/cgroup.controllers', 'pids\n');
	for (const [name, content] of Object.entries(v1MemoryFiles(8 << 20, 64 << 20))) tree.write(`cgroup/memory/pod/${name}`, content);
	tree.write('cgroup/cpu,cpuacct/pod/cpuacct.usage', '5000000\n');
	for (const [name, content] of Object.entries({'pids.current': '3\n', 'pids.max': '40\n', 'pids.events': 'max 1\n', 'memory.max': '1\n', 'cpu.stat': 'usage_usec 1\n'})) tree.write(`cgroup/unified/pod/${name}`, content);
	const wanted = wantedCgroupPaths([makeProcess({pid: 10, comm: 'app', cgroups: cgroupsOf({container: '/pod', memory: '/pod', cpu: '/pod', cpuacct: '/pod', pids: '/pod'})})]);
	const {reader, log} = readerOver(tree);
	t.after(() => reader.close());
	const stats = reader.read(wanted).get('/pod');
	assert.deepEqual(stats?.pids, {current: 3, max: 40, eventsMax: 1});
	assert.equal(stats?.memory.max, 64 << 20, 'memory from its v1 hierarchy, not the unified one');
	assert.equal(stats?.cpu.usageUsec, 5000, 'CPU time from cpuacct');
	assert.deepEqual(log.opens.filter((open) => open.path.includes('/unified/')).map((open) => open.path.slice(open.path.lastIndexOf('/') + 1)).sort(), ['pids.current', 'pids.events', 'pids.max']);
});

test('the cgroups wanted: every ancestor below the root, each with the controllers it is wanted for, ancestors first', () => {
	const processes = [
		makeProcess({pid: 12, comm: 'c', cgroups: cgroupsOf({container: '/pod/b/c', memory: '/pod/b/c', pids: '/pod'})}),
		makeProcess({pid: 11, comm: 'b', cgroups: cgroupsOf({container: '/pod/a', memory: '/pod/a', cpu: '/pod-2', cpuacct: '/pod-2'})}),
	];
	const wanted = wantedCgroupPaths(processes);
	const bitsOf = (cgroupPath: string) => wanted.get(cgroupPath)!;
	assert.deepEqual([...wanted.keys()], ['/pod', '/pod-2', '/pod/a', '/pod/b', '/pod/b/c']);
	assert.equal(bitsOf('/pod/b/c') & bitsOf('/pod/b') & bitsOf('/pod/a'), bitsOf('/pod/a'), 'memory alone below the pod');
	assert.notEqual(bitsOf('/pod') & ~bitsOf('/pod/a'), 0, 'the pod is also wanted for its pids');
	assert.equal(bitsOf('/pod-2') & bitsOf('/pod/a'), 0, 'cpu and cpuacct only in /pod-2');
});

test('a re-read of a cgroup the reader does not track reads nothing', (t) => {
	const tree = new FixtureTree();
	t.after(() => tree.remove());
	tree.write('cgroup/cgroup.controllers', 'cpu memory pids\n');
	tree.cgroupFiles('/pod', v2MemoryFiles(8 << 20, 'max'));
	const {reader} = readerOver(tree);
	t.after(() => reader.close());
	reader.read(wantedCgroupPaths([makeProcess({pid: 10, comm: 'app', cgroups: cgroupsOf({container: '/pod', memory: '/pod'})})]));
	assert.equal(reader.readNow('/elsewhere'), false);
	assert.equal(reader.readNow('/pod'), true);
});

test('a re-read at once reads what a refresh between detailed ones does: not the detailed files, nor the files found absent', (t) => {
	const tree = new FixtureTree();
	t.after(() => tree.remove());
	tree.write('cgroup/cgroup.controllers', 'cpu memory pids\n');
	tree.cgroupFiles('/pod', v2MemoryFiles(8 << 20, 'max'));
	fs.rmSync(`${tree.cgroup}/pod/memory.high`);
	const wanted = wantedCgroupPaths([makeProcess({pid: 10, comm: 'app', cgroups: cgroupsOf({container: '/pod', memory: '/pod', cpu: '/pod', cpuacct: '/pod', pids: '/pod'})})]);
	const {reader, log} = readerOver(tree);
	t.after(() => reader.close());
	for (let refresh = 1; refresh <= 2; refresh++) reader.read(wanted);
	tree.cgroupFiles('/pod', {'cpu.max': '50000 100000\n'});
	const start = log.opens.length;
	assert.equal(reader.readNow('/pod'), true);
	assert.deepEqual(log.failedSince(start), [], 'memory.high, not found before, is not looked for');
	assert.equal(reader.stats.get('/pod')?.cpu.quotaCores, null, 'cpu.max waits for the detailed refresh');
	for (let refresh = 3; refresh <= 6; refresh++) reader.read(wanted);
	assert.equal(reader.stats.get('/pod')?.cpu.quotaCores, 0.5);
});

test('the cgroups where processes exited are read again at once with their ancestors, parents first, each once', (t) => {
	const tree = new FixtureTree();
	t.after(() => tree.remove());
	tree.write('cgroup/cgroup.controllers', 'cpu memory pids\n');
	for (const cgroupPath of ['/pod', '/pod/a', '/pod/b', '/other']) tree.cgroupFiles(cgroupPath, v2MemoryFiles(8 << 20, 'max'));
	const inCgroup = (pid: number, cgroupPath: string) => makeProcess({pid, comm: 'app', cgroups: cgroupsOf({container: cgroupPath, memory: cgroupPath, cpu: cgroupPath, cpuacct: cgroupPath, pids: cgroupPath})});
	const log = new FileReadLog(tree.proc);
	const reader = new CgroupReader(layoutFromDirectory(tree.cgroup)!, log);
	t.after(() => reader.close());
	reader.read(wantedCgroupPaths([inCgroup(10, '/pod/a'), inCgroup(11, '/pod/b'), inCgroup(12, '/other')]));
	log.reads.length = 0;
	reader.readAgain(['/pod/b', '/pod/a', '/pod/b']);
	const read = log.reads.map((file) => file.slice(tree.cgroup.length, file.lastIndexOf('/')));
	assert.deepEqual([...new Set(read)], ['/pod', '/pod/a', '/pod/b']);
	assert.equal(read.length, 3 * read.filter((directory) => directory === '/pod').length, 'each as many files, once');
});

test('v2: between detailed refreshes memory.stat is read again when memory.current moved, as the working set needs both', (t) => {
	const tree = new FixtureTree();
	t.after(() => tree.remove());
	tree.write('cgroup/cgroup.controllers', 'cpu memory pids\n');
	tree.cgroupFiles('/pod', v2MemoryFiles(8 << 20, 'max'));
	const wanted = wantedCgroupPaths([makeProcess({pid: 10, comm: 'app', cgroups: cgroupsOf({container: '/pod', memory: '/pod', cpu: '/pod', cpuacct: '/pod', pids: '/pod'})})]);
	const {reader} = readerOver(tree);
	t.after(() => reader.close());
	reader.read(wanted);
	tree.cgroupFiles('/pod', {'memory.current': `${12 << 20}\n`, 'memory.stat': `anon ${8 << 20}\nfile ${4 << 20}\ninactive_file ${1 << 20}\n`});
	tree.chargeCpu('/pod', 10);
	const stats = reader.read(wanted).get('/pod');
	assert.deepEqual([stats?.memory.current, stats?.memory.statUsage, stats?.memory.stat.inactiveFile], [12 << 20, 12 << 20, 1 << 20]);
});
