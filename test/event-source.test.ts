import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';
import {Collector} from '../source/collect/collector.js';
import {wantedCgroupPaths} from '../source/collect/cgroup-reader.js';
import {createEventSource} from '../source/event-source.js';
import {EventDetector, type PodtopEvent} from '../source/model/events.js';
import {ancestorsFirst, createMonitor, type SnapshotSource} from '../source/model/monitor.js';
import {parseRuntimeCgroupPath} from '../source/model/runtime-path.js';
import {shopModel} from './fixtures/event-models.js';
import {makeProcess} from './fixtures/models.js';
import {FixtureTree, v2MemoryFiles} from './helpers/fixture-tree.js';

const MiB = 1024 * 1024;
const t0 = Date.parse('2025-11-23T16:00:00Z');
const podOwn = (events: readonly PodtopEvent[]) => events.filter((event) => event.containerId === null);
const total = (events: readonly PodtopEvent[], kind: string, cgroup: string) =>
	events.filter((event) => event.kind === kind && event.cgroup === cgroup).reduce((sum, event) => sum + event.delta, 0);

type Counters = {high: number; max: number; oom: number; oomKill: number};
const zero = (): Counters => ({high: 0, max: 0, oom: 0, oomKill: 0});
const eventsFile = (counters: Counters) =>
	`low 0\nhigh ${counters.high}\nmax ${counters.max}\noom ${counters.oom}\noom_kill ${counters.oomKill}\noom_group_kill 0\n`;

describe('the pod read after its container while the kernel still counts (v2)', () => {
	test('the detector: a container ahead of its pod is not the pod\'s own event, now or at the next model', () => {
		const detector = new EventDetector();
		detector.next(shopModel(t0, {app1: {eventsMax: 0, oomKill: 0}, pod: {eventsMax: 0, oomKill: 0}}));
		// The pod read first (10 max events, no kill yet), then app1 (14 max events and the kill).
		const first = detector.next(shopModel(t0 + 10, {app1: {eventsMax: 14, oomKill: 1}, pod: {eventsMax: 10, oomKill: 0}}));
		assert.deepEqual(podOwn(first), []);
		// The next read: the pod caught up, app1 went on by 2. The pod's rise of 6 = app1's 2 + the 4 it was behind.
		const second = detector.next(shopModel(t0 + 20, {app1: {eventsMax: 16, oomKill: 1}, pod: {eventsMax: 16, oomKill: 1}}));
		assert.deepEqual(podOwn(second), []);
		assert.deepEqual(
			[...first, ...second].map((event) => [event.kind, event.containerName, event.delta]),
			[['memory.max', 'app1', 14], ['oom-kill', 'app1', 1], ['memory.max', 'app1', 2]],
		);
		// The carry lasts one model: a later limit hit of the pod's own is reported in full.
		const third = detector.next(shopModel(t0 + 1000, {app1: {eventsMax: 16, oomKill: 1}, pod: {eventsMax: 21, oomKill: 1}}));
		assert.deepEqual(third.map((event) => [event.kind, event.containerName, event.delta]), [['memory.max', null, 5]]);
	});

	test('the carry is bounded by what the containers rose by, and not used on v1 (failcnt is not hierarchical)', () => {
		const detector = new EventDetector();
		detector.next(shopModel(t0, {app1: {eventsMax: 0}, pod: {eventsMax: 0}}));
		detector.next(shopModel(t0 + 10, {app1: {eventsMax: 3}, pod: {eventsMax: 0}}));
		// The pod caught up (3) and hit its own limit 5 times, read in the same model.
		assert.deepEqual(
			detector.next(shopModel(t0 + 20, {app1: {eventsMax: 3}, pod: {eventsMax: 8}})).map((event) => [event.kind, event.containerName, event.delta]),
			[['memory.max', null, 5]],
		);
		const v1 = (time: number, states: Parameters<typeof shopModel>[1]) => {
			const model = shopModel(time, states);
			return {...model, host: {...model.host, cgroupMode: 'v1' as const}};
		};
		const detectorV1 = new EventDetector();
		detectorV1.next(v1(t0, {app1: {failcnt: 0}, pod: {failcnt: 0}}));
		assert.deepEqual(podOwn(detectorV1.next(v1(t0 + 1000, {app1: {failcnt: 30}, pod: {failcnt: 0}}))), []);
		assert.deepEqual(
			detectorV1.next(v1(t0 + 2000, {app1: {failcnt: 30}, pod: {failcnt: 4}})).map((event) => [event.kind, event.containerName, event.delta]),
			[['limit-hit', null, 4]],
		);
	});

	test('ancestors are read before their descendants: in a refresh and in a re-read', () => {
		const cgroups = (path: string) => ({container: path, memory: path, cpu: path, cpuacct: path, pids: path});
		const processes = [
			makeProcess({pid: 10, comm: 'a', cgroups: cgroups('/pod/app1')}),
			makeProcess({pid: 11, comm: 'b', cgroups: cgroups('/pod-2/x/y')}),
			makeProcess({pid: 12, comm: 'c', cgroups: cgroups('/pod')}),
		];
		const order = [...wantedCgroupPaths(processes).keys()];
		assert.deepEqual(new Set(order), new Set(['/pod', '/pod/app1', '/pod-2', '/pod-2/x', '/pod-2/x/y']));
		for (const [index, path] of order.entries()) {
			for (const later of order.slice(index + 1)) assert.ok(!path.startsWith(later + '/'), `${path} is read before its ancestor ${later}`);
		}
		assert.deepEqual(ancestorsFirst(['/a/b/c', '/a', '/a/b', '/a/b/c', '/a-b']), ['/a', '/a-b', '/a/b', '/a/b/c']);
	});

	describe('the event source on a v2 fixture tree whose counters climb during every re-read', () => {
		const tree = new FixtureTree();
		after(() => tree.remove());
		const pod = tree.v2KubepodsNode('0a0a0a0a-0000-4000-8000-000000000002');
		const app1 = `${pod}/${'b'.repeat(64)}`;
		const app2 = `${pod}/${'c'.repeat(64)}`;
		tree.cgroupFiles(pod, v2MemoryFiles(100 * MiB, 512 * MiB));
		tree.cgroupFiles(app1, v2MemoryFiles(60 * MiB, 64 * MiB));
		tree.cgroupFiles(app2, v2MemoryFiles(30 * MiB, 'max'));
		const shared = {net: 4026532100, ipc: 4026532101, uts: 4026532102};
		tree.addProcess({pid: 200, comm: 'node', cmdline: ['node', 'server.js'], cgroup: `0::${app1}\n`, namespaces: {...shared, pid: 4026532203, mnt: 4026532204}});
		tree.addProcess({pid: 300, comm: 'worker', cmdline: ['worker'], cgroup: `0::${app2}\n`, namespaces: {...shared, pid: 4026532303, mnt: 4026532304}});

		// The kernel: an event counts in its cgroup, then in each ancestor; every file read lets a few more through.
		// A task that hits a limit runs: its CPU time, and every ancestor's, moves.
		const counters = new Map<string, Counters>([[pod, zero()], [app1, zero()], [app2, zero()]]);
		const count = (cgroup: string, key: keyof Counters, times = 1) => {
			tree.chargeCpu(cgroup, times);
			for (const path of [cgroup, pod]) {
				const entry = counters.get(path)!;
				entry[key] += times;
				tree.cgroupFiles(path, {'memory.events': eventsFile(entry)});
			}
		};
		let climbing = false;
		let reads = 0;
		const collector = new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup});
		const racing: SnapshotSource = {
			sample: () => collector.sample(),
			readCgroupNow(cgroupPath) {
				if (climbing) {
					reads++;
					count(app1, 'max', 3);
					count(app2, 'high', 1);
					if (reads === 4) {
						count(app1, 'oom');
						count(app1, 'oomKill');
					}
				}
				return collector.readCgroupNow(cgroupPath);
			},
			close: () => collector.close(),
		};
		const monitor = createMonitor(racing, {identify: parseRuntimeCgroupPath});
		after(() => monitor.close());

		test('a kill in app1 while app2 goes over memory.high: every event on its container, none on the pod', async () => {
			const source = createEventSource({monitor});
			after(() => source.close());
			const events: PodtopEvent[] = [...source.refresh().events];
			assert.equal(events.length, 0, 'the counters at start are not news');
			climbing = true;
			// The watch fires for app1 alone, then for app1 and app2; each re-read reads the pod and both containers.
			for (const changed of [[app1], [app1, app2], [app1], [app2]]) {
				const update = source.cgroupsChanged(changed);
				assert.ok(update, 'the monitor re-read the cgroups');
				events.push(...update.events);
			}
			climbing = false;
			events.push(...source.refresh().events);
			assert.ok(reads >= 12, `the counters climbed during ${reads} reads`);
			assert.deepEqual(podOwn(events), [], JSON.stringify(podOwn(events)));
			assert.equal(total(events, 'memory.max', app1), counters.get(app1)!.max);
			assert.equal(total(events, 'memory.high', app2), counters.get(app2)!.high);
			assert.equal(total(events, 'oom-kill', app1), 1);
			assert.equal(total(events, 'oom', app1), 1);
			assert.equal(source.counts.events, events.length);
			assert.equal(source.counts.oomKills, 1);
			// The pod's counter, which the kernel raises with every container's, is reported exactly once in all:
			// through its containers, never again as the pod's own.
			const allMax = events.filter((event) => event.kind === 'memory.max').reduce((sum, event) => sum + event.delta, 0);
			assert.equal(allMax, counters.get(pod)!.max);
		});
	});
});
