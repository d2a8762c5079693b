import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';
import {layoutFromDirectory} from '../../source/collect/cgroup-layout.js';
import {CgroupReader, wantedCgroupPaths} from '../../source/collect/cgroup-reader.js';
import {FileReader} from '../../source/collect/file-reader.js';
import {computeGauges} from '../../source/model/gauges.js';
import type {ProcessCgroups} from '../../source/model/types.js';
import {makeProcess} from '../fixtures/models.js';
import {FixtureTree} from '../helpers/fixture-tree.js';

/** Reads `cgroups` from the tree twice, `elapsedMs` apart on the monotonic clock, with `between` written in between. */
function cpuAcrossTwoReads(tree: FixtureTree, paths: ProcessCgroups, usagePath: string, elapsedMs: number, between: () => void) {
	const layout = layoutFromDirectory(tree.cgroup);
	assert.ok(layout);
	const reader = new CgroupReader(layout, new FileReader(tree.proc));
	after(() => reader.close());
	const wanted = wantedCgroupPaths([makeProcess({pid: 10, comm: 'app', cgroups: paths})]);
	const first = reader.read(wanted).get(usagePath)?.cpu.usageUsec;
	assert.equal(typeof first, 'number', 'the usage is read');
	between();
	const cgroups = reader.read(wanted);
	const source = {cgroups, previousCgroupCpuUsec: new Map([[usagePath, first!]]), previousCgroupThrottled: new Map(), monotonicMs: 10_000 + elapsedMs, previousMonotonicMs: 10_000};
	return computeGauges(paths, source).cpu;
}

describe('container CPU % from the usage counter\'s delta over the monotonic interval', () => {
	test('v2: 250 ms of usage_usec in 1 s is 25 %, against a quota of 0.5 cores from cpu.max', () => {
		const tree = new FixtureTree();
		after(() => tree.remove());
		tree.write('cgroup/cgroup.controllers', 'cpu memory pids\n');
		const app = '/pod/app';
		tree.cgroupFiles('/pod', {'cpu.stat': 'usage_usec 1000000\n', 'cpu.max': 'max 100000\n'});
		tree.cgroupFiles(app, {'cpu.stat': 'usage_usec 1000000\nuser_usec 600000\nsystem_usec 400000\nnr_periods 10\nnr_throttled 2\nthrottled_usec 3000\n', 'cpu.max': '50000 100000\n'});
		const cpu = cpuAcrossTwoReads(tree, {container: app, memory: app, cpu: app, cpuacct: app, pids: app}, app, 1000, () => {
			tree.cgroupFiles('/pod', {'cpu.stat': 'usage_usec 1250000\n'});
			tree.cgroupFiles(app, {'cpu.stat': 'usage_usec 1250000\nuser_usec 700000\nsystem_usec 550000\nnr_periods 20\nnr_throttled 5\nthrottled_usec 9000\n'});
		});
		assert.equal(cpu.percent, 25);
		assert.equal(cpu.usageUsec, 1_250_000);
		assert.equal(cpu.quotaCores, 0.5);
		assert.equal(cpu.nrThrottled, 5);
		assert.equal(cpu.throttledNow, null, 'no previous throttling count given');
	});

	test('v2: 3 s of usage in 2 s is 150 % (more than one core), never negative when a counter goes back', () => {
		const tree = new FixtureTree();
		after(() => tree.remove());
		tree.write('cgroup/cgroup.controllers', 'cpu memory pids\n');
		const app = '/busy';
		tree.cgroupFiles(app, {'cpu.stat': 'usage_usec 5000000\n'});
		const paths = {container: app, memory: app, cpu: app, cpuacct: app, pids: app};
		assert.equal(cpuAcrossTwoReads(tree, paths, app, 2000, () => tree.cgroupFiles(app, {'cpu.stat': 'usage_usec 8000000\n'})).percent, 150);
		assert.equal(cpuAcrossTwoReads(tree, paths, app, 2000, () => tree.cgroupFiles(app, {'cpu.stat': 'usage_usec 7000000\n'})).percent, 0);
	});

	test('v1: cpuacct.usage in nanoseconds, from the cpuacct hierarchy; the quota from the cpu one', () => {
		const tree = new FixtureTree();
		after(() => tree.remove());
		const app = '/docker/app';
		tree.write('cgroup/cpu,cpuacct/cgroup.procs', '');
		tree.write(`cgroup/cpu,cpuacct${app}/cpuacct.usage`, '2000000000\n');
		tree.write(`cgroup/cpu,cpuacct${app}/cpu.cfs_quota_us`, '150000\n');
		tree.write(`cgroup/cpu,cpuacct${app}/cpu.cfs_period_us`, '100000\n');
		const cpu = cpuAcrossTwoReads(tree, {container: app, memory: null, cpu: app, cpuacct: app, pids: null}, app, 500, () => {
			// 100 ms of CPU in 500 ms.
			tree.write(`cgroup/cpu,cpuacct${app}/cpuacct.usage`, '2100000000\n');
		});
		assert.equal(cpu.percent, 20);
		assert.equal(cpu.usageUsec, 2_100_000);
		assert.equal(cpu.quotaCores, 1.5);
	});

	test('no previous reading or no elapsed time: no percentage, rather than a wrong one', () => {
		const tree = new FixtureTree();
		after(() => tree.remove());
		tree.write('cgroup/cgroup.controllers', 'cpu memory pids\n');
		const app = '/idle';
		tree.cgroupFiles(app, {'cpu.stat': 'usage_usec 100\n'});
		const paths = {container: app, memory: app, cpu: app, cpuacct: app, pids: app};
		assert.equal(cpuAcrossTwoReads(tree, paths, app, 0, () => {}).percent, null);
	});
});
