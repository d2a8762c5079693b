import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {estimateTimeToLimit, EventLog, Ring, type GaugeSample} from '../../source/model/event-log.js';
import {EventDetector, type PodtopEvent} from '../../source/model/events.js';
import {app1Cgroup, app2Cgroup, shopModel, type CgroupState} from '../fixtures/event-models.js';
import {clonePod, MiB} from '../fixtures/models.js';
import type {PodModel, RecordedExit} from '../../source/model/types.js';

const t0 = Date.parse('2025-11-23T16:00:00Z');

function clock(start = t0) {
	const state = {now: start};
	return {state, now: () => state.now};
}

function event(kind: PodtopEvent['kind'], time: number, containerName: string | null = 'app1'): PodtopEvent {
	return {
		time,
		kind,
		cgroup: containerName ? `/podtop-x/${containerName}` : '/podtop-x',
		podId: '/podtop-x',
		podName: 'podtop-x',
		containerId: containerName ? `/podtop-x/${containerName}` : null,
		containerName,
		delta: 1,
	};
}

describe('Ring', () => {
	test('keeps the newest capacity items, oldest first', () => {
		const ring = new Ring<number>(3);
		assert.deepEqual(ring.toArray(), []);
		assert.equal(ring.last(), undefined);
		for (let value = 1; value <= 7; value++) ring.push(value);
		assert.deepEqual(ring.toArray(), [5, 6, 7]);
		assert.deepEqual(ring.toArray(2), [6, 7]);
		assert.equal(ring.last(), 7);
		assert.equal(ring.length, 3);
	});

	test('the newest before the ring is full; a copy handed out; at least one item', () => {
		const ring = new Ring<number>(3);
		ring.push(1);
		ring.push(2);
		assert.equal(ring.last(), 2);
		const items = ring.toArray();
		items.push(99);
		assert.deepEqual(ring.toArray(), [1, 2], 'what was handed out is not the ring');
		assert.deepEqual(new Ring<number>(1).toArray(), []);
		assert.throws(() => new Ring<number>(0), {name: 'RangeError', message: 'a ring holds at least one item'});
	});

	test('asked for more than it holds, it gives each item it holds once, oldest first', () => {
		const ring = new Ring<number>(3);
		ring.push(1);
		ring.push(2);
		assert.deepEqual(ring.toArray(5), [1, 2]);
		ring.push(3);
		ring.push(4);
		assert.deepEqual(ring.toArray(5), [2, 3, 4]);
		assert.deepEqual(ring.toArray(4), [2, 3, 4]);
	});
});

describe('estimateTimeToLimit', () => {
	const climb = (bytesPerSecond: number, count: number, start = 10 * MiB): GaugeSample[] =>
		Array.from({length: count}, (_, index) => ({time: t0 + index * 1000, memory: start + index * bytesPerSecond, limit: 64 * MiB, cpuPercent: null}));

	test('a steady climb: the slope, and the seconds from the last usage to the limit', () => {
		const estimate = estimateTimeToLimit(climb(2 * MiB, 10), 64 * MiB);
		assert.ok(estimate, 'an estimate');
		assert.ok(Math.abs(estimate.bytesPerSecond - 2 * MiB) < 1e-6, `bytesPerSecond ${estimate.bytesPerSecond}`);
		// last = 10 + 9*2 = 28 MiB; 36 MiB to go at 2 MiB/s
		assert.ok(Math.abs(estimate.secondsToLimit - 18) < 1e-9, `secondsToLimit ${estimate.secondsToLimit}`);
	});

	test('noise around a climb fits the least-squares slope', () => {
		const samples = climb(1 * MiB, 5).map((sample, index) => ({...sample, memory: sample.memory! + (index % 2 === 0 ? 0.5 : -0.5) * MiB}));
		const estimate = estimateTimeToLimit(samples, 64 * MiB);
		assert.ok(estimate, 'an estimate');
		// x = 0..4, y offsets +.5 -.5 +.5 -.5 +.5: slope of the offsets is 0, so 1 MiB/s.
		assert.ok(Math.abs(estimate.bytesPerSecond - MiB) < 1, `bytesPerSecond ${estimate.bytesPerSecond}`);
	});

	test('null when flat, falling, unlimited, or too few samples; 0 s when already over', () => {
		assert.equal(estimateTimeToLimit(climb(0, 10), 64 * MiB), null);
		assert.equal(estimateTimeToLimit(climb(-MiB, 10, 40 * MiB), 64 * MiB), null);
		assert.equal(estimateTimeToLimit(climb(MiB, 10), null), null);
		assert.equal(estimateTimeToLimit(climb(MiB, 2), 64 * MiB), null);
		assert.equal(estimateTimeToLimit(climb(8 * MiB, 10), 64 * MiB)?.secondsToLimit, 0);
		const withGaps = climb(MiB, 10).map((sample, index) => (index % 2 ? {...sample, memory: null} : sample));
		assert.ok(Math.abs(estimateTimeToLimit(withGaps, 64 * MiB)!.bytesPerSecond - MiB) < 1e-6, 'samples with no figure left out');
		assert.equal(estimateTimeToLimit(climb(MiB, 10), 0), null, 'a limit of 0 is no limit to reach');
		assert.ok(estimateTimeToLimit(climb(MiB, 3), 64 * MiB), 'three samples are enough');
		const sameTime = climb(MiB, 4).map((sample) => ({...sample, time: t0}));
		assert.equal(estimateTimeToLimit(sameTime, 64 * MiB), null, 'all at one time: no slope');
	});
});

describe('EventLog', () => {
	test('the log is newest first and bounded; per container rings are bounded', () => {
		const log = new EventLog({maxEvents: 5, samplesPerContainer: 4, now: clock().now});
		for (let index = 0; index < 8; index++) {
			log.ingest(shopModel(t0 + index * 1000, {app1: {current: (10 + index) * MiB}}), [event('limit-hit', t0 + index * 1000)]);
		}
		assert.equal(log.events.length, 5);
		assert.deepEqual(log.events.map((entry) => entry.time), [7, 6, 5, 4, 3].map((second) => t0 + second * 1000));
		assert.deepEqual(log.samples(app1Cgroup).map((sample) => sample.memory), [14, 15, 16, 17].map((value) => value * MiB));
		assert.equal(log.eventsFor(app1Cgroup)[0].time, t0 + 7000);
		assert.equal(log.eventsFor(app2Cgroup).length, 0);
		assert.equal(log.eventsForPod('/podtop-x').length, 8);
	});

	test('a rebuild at the same model time replaces the sample instead of adding one', () => {
		const log = new EventLog();
		log.ingest(shopModel(t0, {app1: {current: 10 * MiB}}));
		log.ingest(shopModel(t0, {app1: {current: 11 * MiB}}));
		assert.deepEqual(log.samples(app1Cgroup).map((sample) => sample.memory), [11 * MiB]);
	});

	test('time to limit for a climbing container, from the last samples only', () => {
		const log = new EventLog({trendSamples: 4});
		// Flat for a long time, then 4 MiB/s: only the climb counts.
		for (let second = 0; second < 10; second++) log.ingest(shopModel(t0 + second * 1000, {app1: {current: 20 * MiB}}));
		for (let second = 10; second < 14; second++) log.ingest(shopModel(t0 + second * 1000, {app1: {current: (20 + (second - 9) * 4) * MiB}}));
		const estimate = log.timeToLimit(app1Cgroup);
		assert.ok(estimate, 'an estimate');
		assert.ok(Math.abs(estimate.bytesPerSecond - 4 * MiB) < 1, `bytesPerSecond ${estimate.bytesPerSecond}`);
		// last 36 MiB, 28 MiB to 64 MiB at 4 MiB/s
		assert.ok(Math.abs(estimate.secondsToLimit - 7) < 1e-6, `secondsToLimit ${estimate.secondsToLimit}`);
		assert.equal(log.timeToLimit(app2Cgroup), null, 'flat');
	});

	test('a container killed and removed stays as a tombstone with its last gauges and events, then expires', () => {
		const time = clock();
		const log = new EventLog({tombstoneMs: 60_000, now: time.now});
		const detector = new EventDetector();
		const feed = (second: number, states: Parameters<typeof shopModel>[1]) => {
			time.state.now = t0 + second * 1000;
			const model = shopModel(t0 + second * 1000, states);
			log.ingest(model, detector.next(model));
		};
		feed(0, {app1: {current: 40 * MiB, failcnt: 0, oomKill: 0}});
		feed(1, {app1: {current: 63 * MiB, failcnt: 12, oomKill: 1, processes: [{pid: 1240, comm: 'sh'}]}});
		// The runtime removes the cgroup right after the kill.
		feed(2, {app1: null});
		const tombstones = log.tombstones();
		assert.equal(tombstones.length, 1);
		const [tombstone] = tombstones;
		assert.equal(tombstone.containerId, app1Cgroup);
		assert.equal(tombstone.containerName, 'app1');
		assert.equal(tombstone.podName, 'podtop-x');
		assert.equal(tombstone.goneAt, t0 + 2000);
		assert.equal(tombstone.expiresAt, t0 + 62_000);
		assert.equal(tombstone.lastGauges.memory.current, 63 * MiB);
		assert.equal(tombstone.lastGauges.memory.events.oomKill, 1);
		assert.deepEqual(tombstone.lastPids, [1240]);
		assert.deepEqual(tombstone.events.map((entry) => [entry.kind, entry.victim?.pid]), [['oom-kill', 1234], ['limit-hit', undefined]]);
		assert.equal(log.timeToLimit(app1Cgroup), null, 'no trend for the dead');
		assert.deepEqual(log.tombstonesOf('/podtop-x').map((entry) => entry.containerName), ['app1']);
		assert.equal(log.events.length, 2, 'the log keeps them too');

		feed(61, {app1: null});
		assert.equal(log.tombstones().length, 1, 'still within 60 s');
		feed(62, {app1: null});
		assert.deepEqual(log.tombstones(), []);
		assert.equal(log.history(app1Cgroup), undefined);
		assert.equal(log.events.length, 2, 'the global log outlives the tombstone');
	});

	test('a container the next models share unchanged: its tombstone has the figures and pids it had last, its pod the newest name', () => {
		const time = clock();
		const log = new EventLog({now: time.now});
		const changed = shopModel(t0, {app1: {current: 50 * MiB, processes: [{pid: 1234, comm: 'node'}, {pid: 1250, comm: 'worker'}]}});
		log.ingest(shopModel(t0 - 1000, {app1: {current: 40 * MiB, processes: [{pid: 1234, comm: 'node'}]}}));
		log.ingest(changed);
		const [sharedPod] = changed.pods;
		// The model builder hands out the same container object while nothing about it changed; the pod is renamed.
		log.ingest({...changed, time: t0 + 1000, pods: [{...sharedPod, name: 'renamed'}]});
		assert.deepEqual(log.history(app1Cgroup)?.samples.map((sample) => sample.time), [t0 - 1000, t0, t0 + 1000], 'a sample per model');
		time.state.now = t0 + 2000;
		log.ingest(shopModel(t0 + 2000, {app1: null}));
		const [tombstone] = log.tombstones();
		assert.equal(tombstone.lastGauges.memory.current, 50 * MiB);
		assert.deepEqual(tombstone.lastPids, [1234, 1250]);
		assert.equal(tombstone.podName, 'renamed');
		assert.equal(tombstone.lastSeen, t0 + 1000);
	});

	test('a container gone in the same interval as its kill: the event reaches its tombstone', () => {
		const time = clock();
		const log = new EventLog({now: time.now});
		const detector = new EventDetector();
		const first = shopModel(t0, {app1: {oomKill: 0}, pod: {oomKill: 0}});
		log.ingest(first, detector.next(first));
		detector.addKernelKills([{pid: 1234, comm: 'node', oomMemcg: app1Cgroup, taskMemcg: app1Cgroup, constraint: 'CONSTRAINT_MEMCG', limitBytes: null, group: null, time: t0 + 500, sequence: 77}]);
		time.state.now = t0 + 1000;
		const second = shopModel(t0 + 1000, {app1: null, pod: {oomKill: 1}});
		log.ingest(second, detector.next(second));
		const [tombstone] = log.tombstones();
		assert.equal(tombstone.containerName, 'app1');
		assert.deepEqual(tombstone.events.map((entry) => [entry.kind, entry.victim]), [['oom-kill', {pid: 1234, comm: 'node'}]]);
		assert.equal(tombstone.end, 'oom-killed', 'its main process (the first started) was the victim');
	});

	test('a tombstone says oom-killed only when the main process was the victim or a group kill took it; else exited', () => {
		const ended = (victimPid: number, group: string | null) => {
			const time = clock();
			const log = new EventLog({now: time.now});
			const detector = new EventDetector();
			const first = shopModel(t0, {app1: {oomKill: 0}});
			log.ingest(first, detector.next(first));
			detector.addKernelKills([{pid: victimPid, comm: 'x', oomMemcg: app1Cgroup, taskMemcg: app1Cgroup, constraint: 'CONSTRAINT_MEMCG', limitBytes: null, group, time: t0 + 500, sequence: 78}]);
			time.state.now = t0 + 1000;
			const second = shopModel(t0 + 1000, {app1: {oomKill: 1}});
			log.ingest(second, detector.next(second));
			time.state.now = t0 + 2000;
			log.ingest(shopModel(t0 + 2000, {app1: null}));
			return log.tombstones()[0].end;
		};
		// app1's processes: node 1234 (started first: the main process) and sh 1240.
		assert.equal(ended(1234, null), 'oom-killed');
		assert.equal(ended(1240, null), 'exited', 'a child killed, the container ended later on its own');
		assert.equal(ended(1240, app1Cgroup), 'oom-killed', 'a group kill took them all');
	});

	test('a tombstone\'s main process is the one the container started first with its parent outside, wherever it is listed', () => {
		const ended = (processes: NonNullable<CgroupState['processes']>) => {
			const time = clock();
			const log = new EventLog({now: time.now});
			const detector = new EventDetector();
			const first = shopModel(t0, {app1: {oomKill: 0, processes}});
			log.ingest(first, detector.next(first));
			detector.addKernelKills([{pid: 1234, comm: 'node', oomMemcg: app1Cgroup, taskMemcg: app1Cgroup, constraint: 'CONSTRAINT_MEMCG', limitBytes: null, group: null, time: t0 + 500, sequence: 79}]);
			time.state.now = t0 + 1000;
			// A limit hit comes with the kill: the kill of the main process still says how it ended.
			const second = shopModel(t0 + 1000, {app1: {oomKill: 1, failcnt: 3, processes}});
			log.ingest(second, detector.next(second));
			time.state.now = t0 + 2000;
			log.ingest(shopModel(t0 + 2000, {app1: null}));
			return log.tombstones()[0].end;
		};
		// node 1234, the victim, started before sh 1240 but is listed after it.
		assert.equal(ended([{pid: 1240, comm: 'sh', starttime: 7000}, {pid: 1234, comm: 'node', starttime: 6000}]), 'oom-killed');
		assert.equal(ended([{pid: 1240, comm: 'sh', starttime: 6000}, {pid: 1234, comm: 'node', starttime: 7000}]), 'exited');
		// A child forked in node's first tick, its pid lower after a wrap-around: node is still the main process.
		assert.equal(ended([{pid: 1200, comm: 'sh', starttime: 6000, ppid: 1234}, {pid: 1234, comm: 'node', starttime: 6000, ppid: 1}]), 'oom-killed');
	});

	test('a container\'s history says how it ended once it is gone, and nothing while it is there', () => {
		const time = clock();
		const log = new EventLog({now: time.now});
		log.ingest(shopModel(t0, {}));
		assert.equal(log.history(app1Cgroup)?.end, null);
		time.state.now = t0 + 1000;
		log.ingest(shopModel(t0 + 1000, {app1: null}));
		assert.equal(log.history(app1Cgroup)?.end, 'exited');
		assert.equal(log.history(app2Cgroup)?.end, null);
	});

	test('tombstones: the most recently gone first, each pod its own, none once tombstoneMs has passed on the clock', () => {
		const time = clock();
		const log = new EventLog({tombstoneMs: 10_000, now: time.now});
		const twoPods = (second: number, states: Parameters<typeof shopModel>[1]): PodModel => {
			const model = shopModel(t0 + second * 1000, states);
			return {...model, pods: [...model.pods, clonePod(shopModel(t0, {}).pods[0], 'b')]};
		};
		log.ingest(twoPods(0, {}));
		time.state.now = t0 + 1000;
		log.ingest(twoPods(1, {app1: null}));
		time.state.now = t0 + 2000;
		log.ingest(twoPods(2, {app1: null, app2: null}));
		assert.deepEqual(log.tombstones().map((tombstone) => [tombstone.containerName, tombstone.goneAt]), [['app2', t0 + 2000], ['app1', t0 + 1000]]);
		log.ingest({...twoPods(2, {app1: null, app2: null}), pods: [shopModel(t0, {app1: null, app2: null}).pods[0]]});
		assert.deepEqual(log.tombstonesOf('/podtop-x-b').map((tombstone) => tombstone.containerId), [`${app1Cgroup}-b`, `${app2Cgroup}-b`]);
		assert.deepEqual(log.tombstonesOf('/podtop-x').map((tombstone) => tombstone.containerId), [app2Cgroup, app1Cgroup]);
		// No model since: the clock alone ends them.
		time.state.now = t0 + 10_999;
		assert.deepEqual(log.tombstones().map((tombstone) => tombstone.containerId), [app2Cgroup, `${app1Cgroup}-b`, `${app2Cgroup}-b`, app1Cgroup]);
		time.state.now = t0 + 11_000;
		assert.deepEqual(log.tombstones().map((tombstone) => tombstone.containerId), [app2Cgroup, `${app1Cgroup}-b`, `${app2Cgroup}-b`]);
	});

	test('no time to limit for a container gone, though its last samples climbed', () => {
		const time = clock();
		const log = new EventLog({now: time.now});
		for (let second = 0; second < 4; second++) log.ingest(shopModel(t0 + second * 1000, {app1: {current: (20 + second * 4) * MiB}}));
		assert.equal(log.timeToLimit(app1Cgroup)?.secondsToLimit, 8);
		time.state.now = t0 + 4000;
		log.ingest(shopModel(t0 + 4000, {app1: null}));
		assert.equal(log.timeToLimit(app1Cgroup), null);
	});

	test('a pod\'s events are kept while it or a tombstone of its containers is listed, then forgotten', () => {
		const time = clock();
		const log = new EventLog({tombstoneMs: 10_000, now: time.now});
		log.ingest(shopModel(t0, {}), [event('memory.max', t0, null)]);
		time.state.now = t0 + 1000;
		const empty = {...shopModel(t0 + 1000, {app1: null, app2: null}), pods: []};
		log.ingest(empty);
		assert.deepEqual(log.eventsForPod('/podtop-x').map((entry) => entry.kind), ['memory.max'], 'its containers are tombstones');
		time.state.now = t0 + 11_000;
		log.ingest({...empty, time: t0 + 11_000});
		assert.deepEqual(log.eventsForPod('/podtop-x'), []);
		assert.equal(log.events.length, 1, 'the log keeps it');
	});

	test('a gone container\'s exit is asked of its runtime\'s files until recorded, for 10 s at most, and only for the gone', () => {
		const time = clock();
		const log = new EventLog({now: time.now});
		const runtimeId = 'a'.repeat(64);
		const withIds = (model: PodModel) => {
			for (const container of model.pods[0].containers) (container as {containerId: string | null}).containerId = container.name === 'app1' ? runtimeId : 'b'.repeat(64);
			return model;
		};
		const asked: string[] = [];
		let recorded: RecordedExit | null = null;
		const lookup = (id: string) => {
			asked.push(id);
			return recorded;
		};
		log.ingest(withIds(shopModel(t0, {})));
		log.settleExits(lookup);
		assert.deepEqual(asked, [], 'nothing is gone');
		time.state.now = t0 + 1000;
		log.ingest(withIds(shopModel(t0 + 1000, {app1: null})));
		log.settleExits(lookup);
		assert.deepEqual(asked, [runtimeId]);
		assert.equal(log.tombstones()[0].exit, null, 'not recorded yet: asked again next time');
		recorded = {runtime: 'docker', code: 3, finishedAt: t0 + 900, reason: null};
		time.state.now = t0 + 2000;
		log.settleExits(lookup);
		assert.deepEqual(log.tombstones()[0].exit, recorded);
		log.settleExits(lookup);
		assert.equal(asked.length, 2, 'recorded: not asked again');

		// Gone with nothing recorded: asked no more once 10 s have passed.
		const quiet = new EventLog({now: time.now});
		time.state.now = t0;
		quiet.ingest(withIds(shopModel(t0, {})));
		quiet.ingest(withIds(shopModel(t0 + 1000, {app2: null})));
		asked.length = 0;
		recorded = null;
		for (const now of [t0 + 5000, t0 + 10_000, t0 + 10_001, t0 + 20_000]) {
			time.state.now = now;
			quiet.settleExits(lookup);
		}
		assert.equal(asked.length, 2);
		assert.equal(quiet.tombstones()[0].exit, null);
	});

	test('a container that comes back is live again', () => {
		const time = clock();
		const log = new EventLog({now: time.now});
		log.ingest(shopModel(t0, {}));
		time.state.now = t0 + 1000;
		log.ingest(shopModel(t0 + 1000, {app1: null}));
		assert.equal(log.tombstones().length, 1);
		time.state.now = t0 + 2000;
		log.ingest(shopModel(t0 + 2000, {}));
		assert.deepEqual(log.tombstones(), []);
		assert.equal(log.history(app1Cgroup)?.goneAt, null);
		assert.equal(log.samples(app1Cgroup).length, 2);
	});
});
