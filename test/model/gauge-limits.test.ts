import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {emptyCgroupStats} from '../../source/collect/cgroup-reader.js';
import {cgroupAncestry, computeGauges, processCpuPercent, uniformCgroups, updatedGauges} from '../../source/model/gauges.js';
import type {CgroupStats, ProcessCgroups} from '../../source/model/types.js';
import {makeProcess, MiB} from '../fixtures/models.js';

// The gauges from cgroup figures held in memory; gauges.test.ts reads them from cgroupfs files.

type Figures = {
	memory?: Partial<CgroupStats['memory']>;
	cpu?: Partial<CgroupStats['cpu']>;
	pids?: Partial<CgroupStats['pids']>;
};

function stats(path: string, figures: Figures = {}): CgroupStats {
	const empty = emptyCgroupStats(path);
	return {
		path,
		memory: {...empty.memory, ...figures.memory},
		cpu: {...empty.cpu, ...figures.cpu},
		pids: {...empty.pids, ...figures.pids},
		exists: true,
	};
}

/** A snapshot's cgroup figures: one cgroup per entry, read 1 s after the last read. */
function source(entries: Record<string, Figures>, previous: {cpuUsec?: Record<string, number>; throttled?: Record<string, number>} = {}) {
	return {
		cgroups: new Map(Object.entries(entries).map(([path, figures]) => [path, stats(path, figures)])),
		previousCgroupCpuUsec: new Map(Object.entries(previous.cpuUsec ?? {})),
		previousCgroupThrottled: new Map(Object.entries(previous.throttled ?? {})),
		monotonicMs: 11_000,
		previousMonotonicMs: 10_000,
	};
}

const app = '/kubepods/pod1/app';
const pod = '/kubepods/pod1';
const kubepods = '/kubepods';
const appCgroups = uniformCgroups(app);
const pressure = (someAvg10: number) => ({someAvg10, someAvg60: 0, fullAvg10: null, fullAvg60: null, someTotalUsec: 0});

describe('the ancestry of a cgroup', () => {
	test('runs from the cgroup itself up to the root', () => {
		assert.deepEqual(cgroupAncestry('/kubepods/pod1/app'), ['/kubepods/pod1/app', '/kubepods/pod1', '/kubepods', '/']);
		assert.deepEqual(cgroupAncestry('/system.slice'), ['/system.slice', '/']);
		assert.deepEqual(cgroupAncestry('/'), ['/']);
	});
});

describe('memory: the limit that binds is the smallest up the ancestors', () => {
	test('a pod limit below the container\'s own is the effective one, and says where it is set', () => {
		const memory = computeGauges(appCgroups, source({[app]: {memory: {current: 100 * MiB, max: 2048 * MiB}}, [pod]: {memory: {max: 512 * MiB}}, [kubepods]: {memory: {max: 1024 * MiB}}})).memory;
		assert.equal(memory.max, 2048 * MiB, 'its own limit as set');
		assert.equal(memory.effectiveMax, 512 * MiB);
		assert.equal(memory.effectiveMaxCgroup, pod);
		assert.equal(memory.usedFraction, 100 / 512);
	});

	test('an unlimited container under a limited pod has the pod\'s limit', () => {
		const memory = computeGauges(appCgroups, source({[app]: {memory: {current: 64 * MiB}}, [pod]: {memory: {max: 256 * MiB}}})).memory;
		assert.equal(memory.max, null);
		assert.equal(memory.effectiveMax, 256 * MiB);
		assert.equal(memory.effectiveMaxCgroup, pod);
		assert.equal(memory.usedFraction, 0.25);
	});

	test('of two equal limits the nearest is where it is set', () => {
		const memory = computeGauges(appCgroups, source({[app]: {memory: {max: 512 * MiB}}, [pod]: {memory: {max: 512 * MiB}}})).memory;
		assert.equal(memory.effectiveMaxCgroup, app);
	});

	test('no limit anywhere: no effective limit and no fraction used', () => {
		const memory = computeGauges(appCgroups, source({[app]: {memory: {current: 64 * MiB}}, [pod]: {}})).memory;
		assert.equal(memory.effectiveMax, null);
		assert.equal(memory.effectiveMaxCgroup, null);
		assert.equal(memory.usedFraction, null);
	});

	test('a limit of 0 gives no fraction (no division by zero)', () => {
		const memory = computeGauges(appCgroups, source({[app]: {memory: {current: 0, max: 0}}})).memory;
		assert.equal(memory.effectiveMax, 0);
		assert.equal(memory.usedFraction, null);
	});

	test('v1: a hierarchical limit below every limit read binds, set outside what podtop reads; one above is ignored', () => {
		const lower = computeGauges(appCgroups, source({[app]: {memory: {current: 50 * MiB, max: 400 * MiB, hierarchicalMax: 100 * MiB}}})).memory;
		assert.equal(lower.effectiveMax, 100 * MiB);
		assert.equal(lower.effectiveMaxCgroup, null);
		assert.equal(lower.usedFraction, 0.5);
		const higher = computeGauges(appCgroups, source({[app]: {memory: {max: 400 * MiB, hierarchicalMax: 800 * MiB}}})).memory;
		assert.equal(higher.effectiveMax, 400 * MiB);
		assert.equal(higher.effectiveMaxCgroup, app);
		const equal = computeGauges(appCgroups, source({[app]: {memory: {max: 400 * MiB, hierarchicalMax: 400 * MiB}}})).memory;
		assert.equal(equal.effectiveMaxCgroup, app, 'an equal hierarchical limit: the one read says where');
		const alone = computeGauges(appCgroups, source({[app]: {memory: {hierarchicalMax: 800 * MiB}}})).memory;
		assert.equal(alone.effectiveMax, 800 * MiB);
		assert.equal(alone.effectiveMaxCgroup, null);
	});

	test('the working set is the usage less inactive file, never below 0, and unknown if either is', () => {
		const workingSet = (statUsage: number | null, inactiveFile: number | null) =>
			computeGauges(appCgroups, source({[app]: {memory: {statUsage, stat: {anon: null, file: null, kernel: null, sock: null, shmem: null, inactiveFile}}}})).memory.workingSet;
		assert.equal(workingSet(300 * MiB, 100 * MiB), 200 * MiB);
		assert.equal(workingSet(100 * MiB, 300 * MiB), 0);
		assert.equal(workingSet(null, 100 * MiB), null);
		assert.equal(workingSet(300 * MiB, null), null);
	});

	test('a cgroup not read, or no memory controller, gives every memory figure unknown', () => {
		for (const cgroups of [uniformCgroups('/gone'), {...appCgroups, memory: null}]) {
			const memory = computeGauges(cgroups, source({[app]: {memory: {current: 64 * MiB, max: 128 * MiB, events: {low: 0, high: 1, max: 2, oom: 3, oomKill: 4, oomGroupKill: 0}}}})).memory;
			assert.equal(memory.current, null);
			assert.equal(memory.effectiveMax, null);
			assert.deepEqual(memory.events, {max: null, oom: null, oomKill: null, oomGroupKill: null, high: null});
		}
	});
});

describe('CPU and pids', () => {
	test('throttled now when nr_throttled grew since the last read, not when it stayed', () => {
		const grew = computeGauges(appCgroups, source({[app]: {cpu: {nrThrottled: 5}}}, {throttled: {[app]: 4}})).cpu;
		assert.equal(grew.throttledNow, true);
		const stayed = computeGauges(appCgroups, source({[app]: {cpu: {nrThrottled: 5}}}, {throttled: {[app]: 5}})).cpu;
		assert.equal(stayed.throttledNow, false);
	});

	test('the quota is the smallest up the ancestors of the cpu cgroup', () => {
		const cpu = computeGauges(appCgroups, source({[app]: {cpu: {quotaCores: 2}}, [pod]: {cpu: {quotaCores: 0.5}}, [kubepods]: {cpu: {quotaCores: 1}}})).cpu;
		assert.equal(cpu.quotaCores, 0.5);
	});

	test('v1: usage from the cpuacct cgroup, quota, throttling and pressure from the cpu one', () => {
		const cgroups: ProcessCgroups = {container: app, memory: null, cpu: '/cpu/app', cpuacct: '/acct/app', pids: null};
		const cpu = computeGauges(cgroups, source({'/acct/app': {cpu: {usageUsec: 1_500_000, pressure: pressure(1)}}, '/cpu/app': {cpu: {quotaCores: 1, nrThrottled: 3, throttledUsec: 700, pressure: pressure(2)}}}, {cpuUsec: {'/acct/app': 1_000_000}})).cpu;
		assert.equal(cpu.usageUsec, 1_500_000);
		assert.equal(cpu.percent, 50);
		assert.equal(cpu.quotaCores, 1);
		assert.equal(cpu.nrThrottled, 3);
		assert.equal(cpu.throttledUsec, 700);
		assert.equal(cpu.pressure?.someAvg10, 2);
	});

	test('CPU pressure falls back to the usage cgroup\'s when the quota cgroup has none', () => {
		const cgroups: ProcessCgroups = {container: app, memory: null, cpu: '/cpu/app', cpuacct: '/acct/app', pids: null};
		const cpu = computeGauges(cgroups, source({'/acct/app': {cpu: {pressure: pressure(1)}}, '/cpu/app': {}})).cpu;
		assert.equal(cpu.pressure?.someAvg10, 1);
	});

	test('a clock that went back gives no percentage', () => {
		const figures = source({[app]: {cpu: {usageUsec: 2_000_000}}}, {cpuUsec: {[app]: 1_000_000}});
		assert.equal(computeGauges(appCgroups, {...figures, monotonicMs: 9_000}).cpu.percent, null);
	});

	test('the pids limit is the smallest up the ancestors; none when the pids cgroup was not read', () => {
		const pids = computeGauges(appCgroups, source({[app]: {pids: {current: 12, max: 1000}}, [pod]: {pids: {max: 100}}, [kubepods]: {pids: {max: 500}}})).pids;
		assert.deepEqual(pids, {current: 12, max: 100});
		assert.deepEqual(computeGauges(appCgroups, source({[pod]: {pids: {max: 100}}})).pids, {current: null, max: null});
		assert.deepEqual(computeGauges({...appCgroups, pids: null}, source({[app]: {pids: {current: 12, max: 1000}}})).pids, {current: null, max: null});
	});
});

describe('gauges kept from the last refresh', () => {
	const figures: Figures = {
		memory: {
			current: 100,
			statUsage: 90,
			max: 1000,
			high: 900,
			peak: 150,
			failcnt: 0,
			underOom: false,
			events: {low: 0, high: 1, max: 2, oom: 3, oomKill: 4, oomGroupKill: 0},
			stat: {anon: 10, file: 20, kernel: 30, sock: 40, shmem: 50, inactiveFile: 60},
			pressure: pressure(1),
		},
		cpu: {usageUsec: 2_000_000, quotaCores: 1, nrThrottled: 7, throttledUsec: 70, pressure: pressure(2)},
		pids: {current: 5, max: 50},
	};
	const before = () => source({[app]: structuredClone(figures)}, {cpuUsec: {[app]: 1_000_000}, throttled: {[app]: 7}});

	test('the same figures hand back the same gauges', () => {
		const previous = computeGauges(appCgroups, before());
		assert.equal(updatedGauges(previous, appCgroups, before(), cgroupAncestry), previous);
	});

	test('any one figure changed makes new gauges, and leaves the old ones as they were', () => {
		const changes: [string, Figures][] = [
			['current', {memory: {current: 101}}],
			['statUsage', {memory: {statUsage: 91}}],
			['max', {memory: {max: 1001}}],
			['high', {memory: {high: 901}}],
			['peak', {memory: {peak: 151}}],
			['failcnt', {memory: {failcnt: 1}}],
			['underOom', {memory: {underOom: true}}],
			['hierarchicalMax', {memory: {hierarchicalMax: 500}}],
			['events.high', {memory: {events: {low: 0, high: 9, max: 2, oom: 3, oomKill: 4, oomGroupKill: 0}}}],
			['events.max', {memory: {events: {low: 0, high: 1, max: 9, oom: 3, oomKill: 4, oomGroupKill: 0}}}],
			['events.oom', {memory: {events: {low: 0, high: 1, max: 2, oom: 9, oomKill: 4, oomGroupKill: 0}}}],
			['events.oomKill', {memory: {events: {low: 0, high: 1, max: 2, oom: 3, oomKill: 9, oomGroupKill: 0}}}],
			['events.oomGroupKill', {memory: {events: {low: 0, high: 1, max: 2, oom: 3, oomKill: 4, oomGroupKill: 1}}}],
			...(['anon', 'file', 'kernel', 'sock', 'shmem', 'inactiveFile'] as const).map((field): [string, Figures] => [
				`stat.${field}`,
				{memory: {stat: {anon: 10, file: 20, kernel: 30, sock: 40, shmem: 50, inactiveFile: 60, [field]: 99}}},
			]),
			...(['someAvg10', 'someAvg60', 'fullAvg10', 'fullAvg60', 'someTotalUsec'] as const).map((field): [string, Figures] => [
				`memory pressure ${field}`,
				{memory: {pressure: {...pressure(1), [field]: 99}}},
			]),
			['memory pressure gone', {memory: {pressure: null}}],
			['usageUsec', {cpu: {usageUsec: 2_500_000}}],
			['quotaCores', {cpu: {quotaCores: 2}}],
			['nrThrottled', {cpu: {nrThrottled: 8}}],
			['throttledUsec', {cpu: {throttledUsec: 71}}],
			['cpu pressure', {cpu: {pressure: pressure(3)}}],
			['pids current', {pids: {current: 6}}],
			['pids max', {pids: {max: 51}}],
		];
		for (const [name, change] of changes) {
			const previous = computeGauges(appCgroups, before());
			const copy = structuredClone(previous);
			const changed = structuredClone({memory: {...figures.memory, ...change.memory}, cpu: {...figures.cpu, ...change.cpu}, pids: {...figures.pids, ...change.pids}});
			const next = updatedGauges(previous, appCgroups, source({[app]: changed}, {cpuUsec: {[app]: 1_000_000}, throttled: {[app]: 7}}), cgroupAncestry);
			assert.notEqual(next, previous, `${name} changed: new gauges`);
			assert.deepEqual(next, computeGauges(appCgroups, source({[app]: changed}, {cpuUsec: {[app]: 1_000_000}, throttled: {[app]: 7}})), `${name}: the new figures`);
			assert.deepEqual(previous, copy, `${name}: the old gauges untouched`);
		}
	});

	test('the memory breakdown the reader updates in place: a change makes new gauges, the old ones keep theirs', () => {
		const read = source({[app]: {memory: {current: 100, statUsage: 100, stat: {anon: 10, file: 20, kernel: 30, sock: 40, shmem: 50, inactiveFile: 60}}}});
		const first = computeGauges(appCgroups, read);
		// As the cgroup reader does: the same stats object, its breakdown rewritten by the next read.
		read.cgroups.get(app)!.memory.stat.anon = 11;
		const second = updatedGauges(first, appCgroups, read, cgroupAncestry);
		assert.notEqual(second, first, 'anon moved: new gauges');
		assert.deepEqual([first.memory.stat.anon, second.memory.stat.anon], [10, 11], 'the first gauges keep what was read then');
		read.cgroups.get(app)!.memory.stat.anon = 12;
		assert.equal(second.memory.stat.anon, 11, 'handed-out gauges are never written to');
	});

	test('memory events of one cgroup never show on another whose memory cgroup is gone', () => {
		const withEvents = source({[app]: {memory: {current: 1, events: {low: 0, high: 1, max: 2, oom: 3, oomKill: 4, oomGroupKill: 0}}}});
		const gone = uniformCgroups('/gone');
		const empty = computeGauges(gone, withEvents);
		const filled = updatedGauges(empty, appCgroups, withEvents, cgroupAncestry);
		assert.deepEqual(filled.memory.events, {max: 2, oom: 3, oomKill: 4, oomGroupKill: 0, high: 1});
		const emptiedAgain = updatedGauges(filled, gone, withEvents, cgroupAncestry);
		assert.deepEqual(emptiedAgain.memory.events, {max: null, oom: null, oomKill: null, oomGroupKill: null, high: null});
		updatedGauges(emptiedAgain, appCgroups, withEvents, cgroupAncestry);
		assert.deepEqual(computeGauges(gone, withEvents).memory.events, {max: null, oom: null, oomKill: null, oomGroupKill: null, high: null});
		assert.deepEqual(updatedGauges(filled, gone, withEvents, cgroupAncestry).memory.events, {max: null, oom: null, oomKill: null, oomGroupKill: null, high: null});
	});

	test('a figure that changed while every figure made from it stayed still makes new gauges', () => {
		const kept = (before: Record<string, Figures>, after: Record<string, Figures>, previous: {cpuUsec?: Record<string, number>; throttled?: Record<string, number>} = {}, afterPrevious = previous) => {
			const old = computeGauges(appCgroups, source(before, previous));
			return updatedGauges(old, appCgroups, source(after, afterPrevious), cgroupAncestry) === old;
		};
		assert.equal(kept({[app]: {memory: {current: 1}}}, {[app]: {memory: {current: 2}}}), false, 'usage, no limit');
		assert.equal(kept({[app]: {memory: {max: 900}}, [pod]: {memory: {max: 500}}}, {[app]: {memory: {max: 800}}, [pod]: {memory: {max: 500}}}), false, 'own limit under a smaller pod limit');
		assert.equal(kept({[app]: {}, [pod]: {memory: {max: 500}}}, {[app]: {}, [pod]: {memory: {max: 400}}}), false, 'the pod limit, no usage known');
		assert.equal(kept({[app]: {}, [pod]: {memory: {max: 600}}, [kubepods]: {memory: {max: 500}}}, {[app]: {}, [pod]: {memory: {max: 500}}, [kubepods]: {memory: {max: 500}}}), false, 'where the limit is set');
		assert.equal(kept({[app]: {memory: {statUsage: 1}}}, {[app]: {memory: {statUsage: 2}}}), false, 'stat usage, no inactive file known');
		const inactive = (inactiveFile: number) => ({[app]: {memory: {stat: {anon: null, file: null, kernel: null, sock: null, shmem: null, inactiveFile}}}});
		assert.equal(kept(inactive(1), inactive(2)), false, 'inactive file, no stat usage known');
		assert.equal(kept({[app]: {cpu: {usageUsec: 2_000}}}, {[app]: {cpu: {usageUsec: 2_500}}}, {cpuUsec: {[app]: 1_000}}, {cpuUsec: {[app]: 1_500}}), false, 'CPU usage at the same rate');
		assert.equal(kept({[app]: {cpu: {nrThrottled: 7}}}, {[app]: {cpu: {nrThrottled: 8}}}, {throttled: {[app]: 6}}, {throttled: {[app]: 7}}), false, 'throttled periods, throttled still');
		assert.equal(kept({[app]: {cpu: {nrThrottled: 7}}}, {[app]: {cpu: {nrThrottled: 7}}}, {throttled: {[app]: 6}}, {throttled: {[app]: 7}}), false, 'no longer throttled');
	});

	test('the reader updates memory.stat in place: a working set changed by it makes new gauges', () => {
		const read = source({[app]: {memory: {statUsage: 300, stat: {anon: 1, file: 2, kernel: 3, sock: 4, shmem: 5, inactiveFile: 100}}}});
		const old = computeGauges(appCgroups, read);
		read.cgroups.get(app)!.memory.stat.inactiveFile = 50;
		const next = updatedGauges(old, appCgroups, read, cgroupAncestry);
		assert.notEqual(next, old);
		assert.equal(next.memory.workingSet, 250);
	});

	test('a CPU percentage changed by the interval alone makes new gauges', () => {
		const previous = computeGauges(appCgroups, before());
		const next = updatedGauges(previous, appCgroups, {...before(), monotonicMs: 12_000}, cgroupAncestry);
		assert.notEqual(next, previous);
		assert.equal(next.cpu.percent, 50);
		assert.equal(previous.cpu.percent, 100);
	});
});

describe('a process\'s CPU %', () => {
	test('ticks used over the interval, per core', () => {
		const process = makeProcess({pid: 10, comm: 'app', utime: 1040, stime: 210, previousCpuTicks: 1200});
		assert.equal(processCpuPercent(process, 1000, 100), 50);
		assert.equal(processCpuPercent(process, 500, 100), 100);
	});

	test('a process that had used no CPU time at the last sample has a percentage', () => {
		assert.equal(processCpuPercent(makeProcess({pid: 10, comm: 'app', utime: 30, stime: 20, previousCpuTicks: 0}), 1000, 100), 50);
	});

	test('none for a process first seen now or without an interval; never below 0', () => {
		assert.equal(processCpuPercent(makeProcess({pid: 10, comm: 'app', previousCpuTicks: -1}), 1000, 100), null);
		assert.equal(processCpuPercent(makeProcess({pid: 10, comm: 'app'}), null, 100), null);
		assert.equal(processCpuPercent(makeProcess({pid: 10, comm: 'app'}), 0, 100), null);
		assert.equal(processCpuPercent(makeProcess({pid: 10, comm: 'app', utime: 10, stime: 0, previousCpuTicks: 20}), 1000, 100), 0);
	});
});
