import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {beforeStartEvents, countedPastKills, detachModel, detectEvents, EventDetector, pastKillEvents, struckLimit, vanishedVictim, type KernelOomKill, type PodtopEvent} from '../../source/model/events.js';
import {app1Cgroup, app2Cgroup, gaugesOf, shopModel, shopPodCgroup, type CgroupState} from '../fixtures/event-models.js';
import {makeContainer, makeProcess, MiB, namespacesWith} from '../fixtures/models.js';
import {goneCgroupNames} from '../../source/model/infer-pods.js';
import {parseRuntimeCgroupPath} from '../../source/model/runtime-path.js';
import type {ContainerFacts, KnownContainerNames, Pod, PodModel} from '../../source/model/types.js';
import {eventSubject} from '../../source/view/event-text.js';

const t0 = Date.parse('2025-11-23T16:00:00Z');

function summary(events: readonly PodtopEvent[]) {
	return events.map((event) => [event.kind, event.containerName ?? '(pod)', event.delta]);
}

function kill(fields: Partial<KernelOomKill> & {pid: number}): KernelOomKill {
	return {comm: 'node', oomMemcg: app1Cgroup, taskMemcg: app1Cgroup, constraint: 'CONSTRAINT_MEMCG', limitBytes: null, group: null, time: t0, sequence: fields.pid, ...fields};
}

/** The model with a second pod like the shop's beside it, at /podtop-y, in the given states. */
function withPodY(model: PodModel, states: Parameters<typeof shopModel>[1]): PodModel {
	const [pod] = shopModel(model.time, states).pods;
	const podY = JSON.parse(JSON.stringify(pod).replaceAll('podtop-x', 'podtop-y')) as Pod;
	return {...model, pods: [...model.pods, podY]};
}

describe('detectEvents', () => {
	test('nothing is news on the first model, however high the counters', () => {
		const model = shopModel(t0, {app1: {failcnt: 40, oomKill: 3, underOom: true, nrThrottled: 9, pids: 5, pidsMax: 5}});
		assert.deepEqual(detectEvents(null, model), []);
		assert.deepEqual(new EventDetector().next(model), []);
	});

	test('unchanged counters give no event', () => {
		const state = {app1: {failcnt: 40, oomKill: 3, nrThrottled: 9}};
		assert.deepEqual(detectEvents(shopModel(t0, state), shopModel(t0 + 1000, state)), []);
	});

	test('v1: failcnt rising is limit-hit, oom_control oom_kill rising is oom-kill, both with deltas and the container', () => {
		const before = shopModel(t0, {app1: {failcnt: 0, oomKill: 0}});
		const after = shopModel(t0 + 1000, {app1: {failcnt: 37, oomKill: 1, processes: [{pid: 1240, comm: 'sh'}]}});
		const events = detectEvents(before, after);
		assert.deepEqual(summary(events), [['limit-hit', 'app1', 37], ['oom-kill', 'app1', 1]]);
		const [limitHit, oomKill] = events;
		assert.deepEqual(
			{...limitHit},
			{time: t0 + 1000, kind: 'limit-hit', cgroup: app1Cgroup, podId: shopPodCgroup, podName: 'podtop-x', containerId: app1Cgroup, containerName: 'app1', delta: 37, value: 37},
		);
		assert.equal(oomKill.value, 1);
		// No kernel log: the process that vanished from the container is the victim.
		assert.deepEqual(oomKill.victim, {pid: 1234, comm: 'node'});
		assert.equal('victim' in limitHit, false);
	});

	test('v2: memory.events high, max, oom and oom_kill each give their event', () => {
		const before = shopModel(t0, {app1: {high: 2, eventsMax: 10, oom: 0, oomKill: 0, failcnt: null}});
		const after = shopModel(t0 + 1000, {app1: {high: 5, eventsMax: 35, oom: 1, oomKill: 1, failcnt: null}});
		assert.deepEqual(summary(detectEvents(before, after)), [['memory.high', 'app1', 3], ['memory.max', 'app1', 25], ['oom', 'app1', 1], ['oom-kill', 'app1', 1]]);
	});

	test('v2 events counted in the pod too (hierarchical) are reported once, on the container', () => {
		const before = shopModel(t0, {app1: {eventsMax: 0, oomKill: 0}, pod: {eventsMax: 0, oomKill: 0}});
		const after = shopModel(t0 + 1000, {app1: {eventsMax: 20, oomKill: 1}, pod: {eventsMax: 20, oomKill: 1}});
		assert.deepEqual(summary(detectEvents(before, after)), [['memory.max', 'app1', 20], ['oom-kill', 'app1', 1]]);
	});

	test('the pod limit hit: the pod reports what its containers do not account for', () => {
		const before = shopModel(t0, {app2: {oomKill: 0}, pod: {eventsMax: 0, oom: 0, oomKill: 0}});
		const after = shopModel(t0 + 1000, {app2: {oomKill: 1, processes: []}, pod: {eventsMax: 12, oom: 1, oomKill: 1}});
		const events = detectEvents(before, after);
		assert.deepEqual(summary(events), [['oom-kill', 'app2', 1], ['memory.max', '(pod)', 12], ['oom', '(pod)', 1]]);
		const podEvent = events[1];
		assert.equal(podEvent.containerId, null);
		assert.equal(podEvent.cgroup, shopPodCgroup);
		assert.deepEqual(events[0].victim, {pid: 1300, comm: 'sleep'});
	});

	test('the pod\'s own kill is named from the record of a task below its cgroup that no container holds', () => {
		const before = shopModel(t0, {pod: {oomKill: 0}});
		const after = shopModel(t0 + 1000, {pod: {oomKill: 1}});
		const events = detectEvents(before, after, {kernelKills: [kill({pid: 4242, comm: 'dd', taskMemcg: `${shopPodCgroup}/job`, oomMemcg: shopPodCgroup})]});
		assert.deepEqual(events.map((event) => [event.kind, event.containerName, event.victim]), [['oom-kill', null, {pid: 4242, comm: 'dd'}]]);
	});

	test('v1: a container in a cgroup below another\'s has its own kills; the outer one does not take their records', () => {
		const innerCgroup = `${app1Cgroup}/inner`;
		// A worker moved to a cgroup of its own below app1's (systemd in a container does that): a container of its own.
		const withInner = (model: PodModel, inner: CgroupState | null): PodModel => {
			const v1 = {...model, host: {...model.host, cgroupMode: 'v1' as const}};
			if (inner === null) return v1;
			const container = makeContainer({name: 'inner', cgroup: innerCgroup, namespaces: namespacesWith({pid: 4026533031, mnt: 4026533032}), processes: inner.processes ?? [{pid: 1400, comm: 'worker', rssBytes: 30 * MiB}], gauges: gaugesOf(inner)});
			return {...v1, pods: v1.pods.map((pod) => ({...pod, containers: [...pod.containers, container]}))};
		};
		const workerKill = kill({pid: 1400, comm: 'worker', taskMemcg: innerCgroup, oomMemcg: innerCgroup});
		const told = (events: readonly PodtopEvent[]) => events.map((event) => [event.containerName, event.victim]);
		// Both count a kill (node gone from app1, no record of it); the record is the worker's.
		const before = withInner(shopModel(t0, {app1: {oomKill: 0}}), {oomKill: 0});
		const after = withInner(shopModel(t0 + 1000, {app1: {oomKill: 1, processes: [{pid: 1240, comm: 'sh'}]}}), {oomKill: 1});
		assert.deepEqual(told(detectEvents(before, after, {kernelKills: [workerKill]})), [
			['app1', {pid: 1234, comm: 'node'}],
			['inner', {pid: 1400, comm: 'worker'}],
		]);
		// Both gone since, each with its kill logged: one each.
		const gone = withInner(shopModel(t0 + 1000, {app1: null}), null);
		assert.deepEqual(told(detectEvents(before, gone, {kernelKills: [workerKill]})), [['inner', {pid: 1400, comm: 'worker'}]]);
		const events = detectEvents(before, gone, {kernelKills: [kill({pid: 1234}), workerKill]});
		assert.deepEqual(events.map((event) => [event.containerName, event.delta, event.victim]), [
			['app1', 1, {pid: 1234, comm: 'node'}],
			['inner', 1, {pid: 1400, comm: 'worker'}],
		]);
	});

	test('a counter that went down (cgroup made anew) or became unreadable is no event', () => {
		const before = shopModel(t0, {app1: {failcnt: 50, oomKill: 2}});
		assert.deepEqual(detectEvents(before, shopModel(t0 + 1000, {app1: {failcnt: 0, oomKill: 0}})), []);
		assert.deepEqual(detectEvents(before, shopModel(t0 + 1000, {app1: {failcnt: null, oomKill: null}})), []);
	});

	test('under_oom turning on is under-oom, once', () => {
		const before = shopModel(t0, {app1: {underOom: false}});
		const hanging = shopModel(t0 + 1000, {app1: {underOom: true, current: 64 * MiB, failcnt: 5}});
		assert.deepEqual(summary(detectEvents(before, hanging)), [['limit-hit', 'app1', 5], ['under-oom', 'app1', 1]]);
		assert.deepEqual(detectEvents(hanging, shopModel(t0 + 2000, {app1: {underOom: true, current: 64 * MiB, failcnt: 5}})), []);
	});

	test('a new peak at 99 % of the effective limit is peak-at-limit where no counter of that limit tells of it', () => {
		const noCounter = {failcnt: null, eventsMax: null};
		const before = shopModel(t0, {app1: {peak: 40 * MiB, ...noCounter}});
		const atLimit = shopModel(t0 + 1000, {app1: {peak: 64 * MiB - 100 * 1024, ...noCounter}});
		const events = detectEvents(before, atLimit);
		assert.deepEqual(summary(events), [['peak-at-limit', 'app1', 1]]);
		assert.equal(events[0].value, 64 * MiB - 100 * 1024);
		assert.deepEqual(detectEvents(atLimit, shopModel(t0 + 2000, {app1: {peak: 64 * MiB, ...noCounter}})), [], 'already at the limit: not new');
		assert.deepEqual(detectEvents(before, shopModel(t0 + 1000, {app1: {peak: 60 * MiB, ...noCounter}})), [], '94 %: below');

		// Its own limit's counter tells, whether this refresh read it risen or not.
		const withCounter = shopModel(t0 + 1000, {app1: {peak: 64 * MiB, failcnt: 3}});
		assert.deepEqual(summary(detectEvents(shopModel(t0, {app1: {peak: 40 * MiB, failcnt: 0}}), withCounter)), [['limit-hit', 'app1', 3]]);
		const counterNotYetRisen = shopModel(t0 + 1000, {app1: {peak: 64 * MiB - 100 * 1024, failcnt: 0}});
		assert.deepEqual(detectEvents(shopModel(t0, {app1: {peak: 40 * MiB, failcnt: 0}}), counterNotYetRisen), []);
		const v2CounterNotYetRisen = shopModel(t0 + 1000, {app1: {peak: 64 * MiB - 100 * 1024, failcnt: null, eventsMax: 0}});
		assert.deepEqual(detectEvents(shopModel(t0, {app1: {peak: 40 * MiB, failcnt: null, eventsMax: 0}}), v2CounterNotYetRisen), []);
		const v1CounterNotYetRisen = shopModel(t0 + 1000, {app1: {peak: 64 * MiB - 100 * 1024, failcnt: 0, eventsMax: null}});
		assert.deepEqual(detectEvents(shopModel(t0, {app1: {peak: 40 * MiB, failcnt: 0, eventsMax: null}}), v1CounterNotYetRisen), [], 'v1: failcnt alone tells');

		// The pod's limit: app2's own counters never count its hits.
		const app2AtPodLimit = shopModel(t0 + 1000, {app2: {peak: 510 * MiB, failcnt: 0}});
		assert.deepEqual(summary(detectEvents(shopModel(t0, {app2: {peak: 100 * MiB, failcnt: 0}}), app2AtPodLimit)), [['peak-at-limit', 'app2', 1]]);
	});

	test('a peak at the pod\'s limit is told though the container\'s own limit counter rose: that counter tells of another limit', () => {
		// app2 is bound by its pod's 512 MiB; its memory.events max also counts the hits of a limit below it (v2 counts events up the tree).
		const before = shopModel(t0, {app2: {peak: 100 * MiB, eventsMax: 0}});
		const after = shopModel(t0 + 1000, {app2: {peak: 510 * MiB, eventsMax: 2}});
		assert.deepEqual(summary(detectEvents(before, after)), [['memory.max', 'app2', 2], ['peak-at-limit', 'app2', 1]]);
	});

	test('peak-at-limit at the fraction asked for: reaching it is new, having been at it is not', () => {
		// app2 is bound by its pod's 512 MiB: half of it is 256 MiB.
		const peaks = (from: number, to: number) => summary(detectEvents(shopModel(t0, {app2: {peak: from}}), shopModel(t0 + 1000, {app2: {peak: to}}), {peakFraction: 0.5}));
		assert.deepEqual(peaks(200 * MiB, 256 * MiB), [['peak-at-limit', 'app2', 1]]);
		assert.deepEqual(peaks(200 * MiB, 255 * MiB), []);
		assert.deepEqual(peaks(256 * MiB, 300 * MiB), []);
		// The pod's own peak, where no counter of its limit can be read, at the same fraction.
		const noCounter = {failcnt: null, eventsMax: null};
		const pod = (peak: number, second: number) => shopModel(t0 + second * 1000, {pod: {peak, ...noCounter}});
		assert.deepEqual(summary(detectEvents(pod(200 * MiB, 0), pod(256 * MiB, 1), {peakFraction: 0.5})), [['peak-at-limit', '(pod)', 1]]);
	});

	test('pids.current reaching pids.max is pids.max, once', () => {
		const before = shopModel(t0, {app2: {pids: 3, pidsMax: 4}});
		const full = shopModel(t0 + 1000, {app2: {pids: 4, pidsMax: 4}});
		const events = detectEvents(before, full);
		assert.deepEqual(summary(events), [['pids.max', 'app2', 1]]);
		assert.equal(events[0].value, 4);
		assert.deepEqual(detectEvents(full, shopModel(t0 + 2000, {app2: {pids: 4, pidsMax: 4}})), []);
		assert.deepEqual(detectEvents(shopModel(t0, {app2: {pids: 2, pidsMax: 4}}), shopModel(t0 + 1000, {app2: {pids: 3, pidsMax: 4}})), [], 'below it');
	});

	test('cpu throttling is an event when it starts, not while it goes on', () => {
		const detector = new EventDetector({throttleQuietMs: 3000});
		const at = (second: number, nrThrottled: number) => shopModel(t0 + second * 1000, {app1: {nrThrottled}});
		assert.deepEqual(detector.next(at(0, 5)), []);
		const started = detector.next(at(1, 9));
		assert.deepEqual(summary(started), [['cpu-throttled', 'app1', 4]]);
		assert.equal(started[0].value, 9);
		assert.deepEqual(detector.next(at(2, 14)), [], 'still rising: the same spell');
		assert.deepEqual(detector.next(at(3, 14)), []);
		assert.deepEqual(detector.next(at(4, 14)), []);
		assert.deepEqual(detector.next(at(5, 14)), []);
		assert.deepEqual(summary(detector.next(at(6, 20))), [['cpu-throttled', 'app1', 6]], 'after a quiet spell: a new start');
		// Without state, every rise is a start.
		assert.equal(detectEvents(at(0, 1), at(1, 2)).length, 1);
	});

	test('v1 with the cpu controller mounted without cpuacct: throttling told on the cpu cgroup, once a spell', () => {
		const cpuOnly = (model: PodModel): PodModel => ({
			...model,
			pods: model.pods.map((pod) => ({...pod, containers: pod.containers.map((container) => ({...container, cgroups: {...container.cgroups, cpuacct: null}}))})),
		});
		const at = (second: number, nrThrottled: number) => cpuOnly(shopModel(t0 + second * 1000, {app1: {nrThrottled}}));
		const detector = new EventDetector();
		detector.next(at(0, 5));
		assert.deepEqual(detector.next(at(1, 9)).map((event) => [event.kind, event.containerName, event.cgroup]), [['cpu-throttled', 'app1', app1Cgroup]]);
		assert.deepEqual(detector.next(at(2, 14)), [], 'still rising: the same spell');
	});

	test('a pod\'s throttling is told where none of its containers\' is: not hidden by another pod\'s, nor by another kind of event', () => {
		const model = (second: number, podX: Parameters<typeof shopModel>[1], podY: Parameters<typeof shopModel>[1]) => withPodY(shopModel(t0 + second * 1000, podX), podY);
		const told = (events: readonly PodtopEvent[]) => events.map((event) => [event.kind, event.podName, event.containerName]);
		const m0 = model(0, {}, {});
		// Pod x: app1 throttled and hitting its limit, the pod's count rising with it. Pod y: its own quota throttled, app1 hitting its limit.
		const m1 = model(1, {app1: {nrThrottled: 5, failcnt: 2}, pod: {nrThrottled: 5}}, {app1: {failcnt: 3}, pod: {nrThrottled: 5}});
		const expected = [
			['limit-hit', 'podtop-x', 'app1'],
			['cpu-throttled', 'podtop-x', 'app1'],
			['limit-hit', 'podtop-y', 'app1'],
			['cpu-throttled', 'podtop-y', null],
		];
		assert.deepEqual(told(detectEvents(m0, m1)), expected);
		const detector = new EventDetector();
		detector.next(m0);
		assert.deepEqual(told(detector.next(m1)), expected);
		assert.deepEqual(detector.next(model(2, {app1: {nrThrottled: 9, failcnt: 2}, pod: {nrThrottled: 9}}, {app1: {failcnt: 3}, pod: {nrThrottled: 9}})), [], 'still rising: the same spell');
	});

	test('a limit hit counted with a kill leaves the kill\'s record to name the kill', () => {
		const before = shopModel(t0, {app1: {failcnt: 0, oomKill: 0}});
		// The victim not reaped yet: still listed.
		const after = shopModel(t0 + 1000, {app1: {failcnt: 3, oomKill: 1}});
		const used: KernelOomKill[] = [];
		const events = detectEvents(before, after, {kernelKills: [kill({pid: 1234})], onVictimUsed: (record) => used.push(record)});
		assert.deepEqual(events.map((event) => [event.kind, event.victim]), [['limit-hit', undefined], ['oom-kill', {pid: 1234, comm: 'node'}]]);
		assert.equal(used.length, 1);
	});

	test('v2: a container\'s events its pod\'s counter had not reached when read are not the pod\'s own once it does', () => {
		const at = (second: number, states: Parameters<typeof shopModel>[1]) => shopModel(t0 + second * 1000, states);
		const detector = new EventDetector();
		detector.next(at(0, {}));
		// The pod is read before its containers: app1's 5 hits are not in the pod's count yet.
		assert.deepEqual(summary(detector.next(at(1, {app1: {eventsMax: 5}}))), [['memory.max', 'app1', 5]]);
		// Its count catches up, and its own memory.high rises: only that is the pod's.
		assert.deepEqual(summary(detector.next(at(2, {app1: {eventsMax: 5}, pod: {eventsMax: 5, high: 2}}))), [['memory.high', '(pod)', 2]]);
		// Caught up in the model that showed them: nothing carried, a later rise of the pod's own is told.
		const caughtUp = new EventDetector();
		caughtUp.next(at(0, {}));
		assert.deepEqual(summary(caughtUp.next(at(1, {app1: {eventsMax: 5}, pod: {eventsMax: 5}}))), [['memory.max', 'app1', 5]]);
		assert.deepEqual(summary(caughtUp.next(at(2, {app1: {eventsMax: 5}, pod: {eventsMax: 7}}))), [['memory.max', '(pod)', 2]]);
	});

	test('v2: a model that shares every pod with the one before tells what the same model made anew would', () => {
		const at = (second: number, states: Parameters<typeof shopModel>[1]) => shopModel(t0 + second * 1000, states);
		const told = (third: (second: PodModel) => PodModel) => {
			const detector = new EventDetector();
			detector.next(at(0, {}));
			const second = at(1, {app1: {eventsMax: 5}});
			return [second, third(second), at(3, {app1: {eventsMax: 5}, pod: {eventsMax: 5}})].map((model) => summary(detector.next(model)));
		};
		const shared = told((second) => ({...second, time: t0 + 2000}));
		assert.deepEqual(shared, told(() => at(2, {app1: {eventsMax: 5}})));
		assert.deepEqual(shared[0], [['memory.max', 'app1', 5]]);
	});

	test('v1: a pod\'s failcnt is its own limit\'s, with no container\'s hits carried to it', () => {
		const at = (second: number, states: Parameters<typeof shopModel>[1]): PodModel => {
			const model = shopModel(t0 + second * 1000, states);
			return {...model, host: {...model.host, cgroupMode: 'v1'}};
		};
		const detector = new EventDetector();
		detector.next(at(0, {}));
		assert.deepEqual(summary(detector.next(at(1, {app1: {failcnt: 3}}))), [['limit-hit', 'app1', 3]]);
		assert.deepEqual(summary(detector.next(at(2, {app1: {failcnt: 3}, pod: {failcnt: 3}}))), [['limit-hit', '(pod)', 3]]);
	});

	test('a container whose cgroup is outside its pod\'s is not counted in the pod\'s counters', () => {
		const elsewhere = '/elsewhere/app2';
		const moved = (model: PodModel): PodModel => ({
			...model,
			pods: model.pods.map((pod) => ({
				...pod,
				containers: pod.containers.map((container) =>
					container.name === 'app2' ? {...container, id: elsewhere, cgroup: elsewhere, cgroups: {container: elsewhere, memory: elsewhere, cpu: elsewhere, cpuacct: elsewhere, pids: elsewhere}} : container,
				),
			})),
		});
		const events = detectEvents(moved(shopModel(t0, {})), moved(shopModel(t0 + 1000, {app2: {oomKill: 1, processes: []}, pod: {oomKill: 1}})));
		assert.deepEqual(summary(events), [['oom-kill', 'app2', 1], ['oom-kill', '(pod)', 1]]);
	});

	test('a kill counted before its victim was gone is named from its own container\'s processes, or its pod\'s for the pod\'s own', () => {
		const java = {pid: 2234, comm: 'java', rssBytes: 60 * MiB};
		const sh = {pid: 2240, comm: 'sh', rssBytes: MiB};
		const cache = {pid: 2300, comm: 'cache', rssBytes: 200 * MiB};
		const model = (second: number, podX: Parameters<typeof shopModel>[1], podY: Parameters<typeof shopModel>[1]) => withPodY(shopModel(t0 + second * 1000, podX), podY);
		const detector = new EventDetector();
		detector.next(model(0, {}, {app1: {processes: [java, sh]}, app2: {processes: [cache]}}));
		// y's app1 counts a kill, and pod x one of its own; every process is still listed.
		assert.deepEqual(detector.next(model(1, {pod: {oomKill: 1}}, {app1: {oomKill: 1, processes: [java, sh]}, app2: {processes: [cache]}})), []);
		// Then java is gone; so are cache, which exited in y's app2, and x's sh.
		const events = detector.next(model(2, {pod: {oomKill: 1}, app1: {processes: [{pid: 1234, comm: 'node', rssBytes: 60 * MiB}]}}, {app1: {oomKill: 1, processes: [sh]}, app2: {processes: []}}));
		assert.deepEqual(events.map((event) => [event.podName, event.containerName, event.victim]), [
			['podtop-x', null, {pid: 1240, comm: 'sh'}],
			['podtop-y', 'app1', {pid: 2234, comm: 'java'}],
		]);
	});

	test('the kernel log names the victim of the kill in its cgroup, and is used once', () => {
		const before = shopModel(t0, {app1: {oomKill: 0}, app2: {oomKill: 0}});
		const after = shopModel(t0 + 1000, {app1: {oomKill: 1}, app2: {oomKill: 1}});
		const used: KernelOomKill[] = [];
		const kills = [kill({pid: 1300, comm: 'sleep', taskMemcg: app2Cgroup, oomMemcg: app2Cgroup}), kill({pid: 1234})];
		const events = detectEvents(before, after, {kernelKills: kills, onVictimUsed: (used1) => used.push(used1)});
		assert.deepEqual(events.map((event) => [event.containerName, event.victim]), [['app1', {pid: 1234, comm: 'node'}], ['app2', {pid: 1300, comm: 'sleep'}]]);
		assert.equal(used.length, 2);
	});

	test('a container whose cgroup vanished with the kill gets the event when the kernel logged it', () => {
		const before = shopModel(t0, {app1: {oomKill: 0}, pod: {oomKill: 0}});
		const after = shopModel(t0 + 1000, {app1: null, pod: {oomKill: 1}});
		const events = detectEvents(before, after, {kernelKills: [kill({pid: 1234})]});
		assert.deepEqual(summary(events), [['oom-kill', 'app1', 1]], 'the pod counter is the same kill');
		assert.deepEqual(events[0].victim, {pid: 1234, comm: 'node'});
		assert.equal(events[0].containerId, app1Cgroup);
		// Without the kernel log only the pod counter knows; the vanished processes name the victim.
		const guessed = detectEvents(before, after);
		assert.deepEqual(summary(guessed), [['oom-kill', '(pod)', 1]]);
		assert.deepEqual(guessed[0].victim, {pid: 1234, comm: 'node'});
	});

	test('a container gone with its kill is told at once in a pod with no cgroup of its own, and in a pod gone altogether', () => {
		const noPodCgroup = (model: PodModel): PodModel => ({...model, pods: model.pods.map((pod) => ({...pod, cgroup: null, gauges: null}))});
		const before = noPodCgroup(shopModel(t0, {app1: {oomKill: 0}}));
		const after = noPodCgroup(shopModel(t0 + 1000, {app1: null}));
		const told = (events: PodtopEvent[]) => events.map((event) => [event.kind, event.podName, event.containerName, event.cgroup, event.victim]);
		assert.deepEqual(told(detectEvents(before, after, {kernelKills: [kill({pid: 1234})]})), [['oom-kill', 'podtop-x', 'app1', app1Cgroup, {pid: 1234, comm: 'node'}]]);
		// The pod gone too (its one container's cgroup removed right after the kill, say).
		const podGone = {...shopModel(t0 + 1000, {}), pods: []};
		assert.deepEqual(told(detectEvents(shopModel(t0, {}), podGone, {kernelKills: [kill({pid: 1234})]})), [['oom-kill', 'podtop-x', 'app1', app1Cgroup, {pid: 1234, comm: 'node'}]]);
		assert.deepEqual(detectEvents(shopModel(t0, {}), podGone), [], 'no kill logged: nothing to tell');
	});

	test('a container whose id changed but whose cgroup stayed is compared by its cgroup', () => {
		const before = shopModel(t0, {app1: {failcnt: 0}});
		const after = shopModel(t0 + 1000, {app1: {failcnt: 4}});
		const rename = (model: PodModel): PodModel => ({
			...model,
			pods: model.pods.map((pod) => ({...pod, containers: pod.containers.map((container) => (container.name === 'app1' ? {...container, id: `${container.id}#4026533099`} : container))})),
		});
		const renamed = rename(after);
		const events = detectEvents(before, renamed);
		assert.deepEqual(summary(events), [['limit-hit', 'app1', 4]]);
		assert.equal(events[0].containerId, `${app1Cgroup}#4026533099`);
		// Two containers in that cgroup now: ambiguous, no comparison.
		const [app1] = renamed.pods[0].containers;
		const split = {...renamed, pods: renamed.pods.map((pod) => ({...pod, containers: [...pod.containers, {...app1, id: `${app1Cgroup}#4026533100`}]}))};
		assert.deepEqual(summary(detectEvents(before, split)), []);
		// Not a container gone: a kill logged in its cgroup before its counter rose waits for the counter.
		assert.deepEqual(detectEvents(before, rename(shopModel(t0 + 1000, {app1: {failcnt: 0}})), {kernelKills: [kill({pid: 1234})]}), []);
		// Nor one whose kill may have been the group's: a group kill of the pod is known as such.
		const groupAfter = rename(shopModel(t0 + 1000, {app1: {oomKill: 1}, app2: {oomKill: 1}, pod: {oomKill: 2, oomGroupKill: 1}}));
		assert.deepEqual(detectEvents(shopModel(t0, {}), groupAfter).map((event) => [event.containerName, event.group]), [['app1', shopPodCgroup], ['app2', shopPodCgroup]]);
	});

	test('EventDetector keeps kernel kills until a counter uses them, and a late record of a counted kill is not reused', () => {
		const detector = new EventDetector();
		detector.next(shopModel(t0, {app1: {oomKill: 0}}));
		// The counter rose before the kernel's record was read: the vanished process names the victim.
		const first = detector.next(shopModel(t0 + 1000, {app1: {oomKill: 1, processes: [{pid: 1240, comm: 'sh'}]}}));
		assert.deepEqual(first.map((event) => event.victim), [{pid: 1234, comm: 'node'}]);
		detector.addKernelKills([kill({pid: 1234, sequence: 10})]);
		// Then the container's cgroup is removed: the late record must not make a second kill.
		assert.deepEqual(detector.next(shopModel(t0 + 2000, {app1: null})), []);
		// A later kill whose record comes first is named from it.
		const detector2 = new EventDetector();
		detector2.next(shopModel(t0, {app1: {oomKill: 0}}));
		detector2.addKernelKills([kill({pid: 1234, comm: 'node', sequence: 11})]);
		const named = detector2.next(shopModel(t0 + 1000, {app1: {oomKill: 1}}));
		assert.deepEqual(named.map((event) => event.victim), [{pid: 1234, comm: 'node'}]);
	});


	test('no kernel log, the victim still exiting when its kill is counted: the kill is told with the next model, named', () => {
		const detector = new EventDetector();
		detector.next(shopModel(t0, {app1: {oomKill: 0}}));
		// Processes are read before the counters: the kill is counted while node (60 MiB) is still listed.
		assert.deepEqual(detector.next(shopModel(t0 + 1000, {app1: {failcnt: 3, oomKill: 1}})).map((event) => event.kind), ['limit-hit']);
		const events = detector.next(shopModel(t0 + 2000, {app1: {failcnt: 3, oomKill: 1, processes: [{pid: 1240, comm: 'sh'}]}}));
		assert.deepEqual(events.map((event) => [event.kind, event.time, event.delta, event.victim]), [['oom-kill', t0 + 1000, 1, {pid: 1234, comm: 'node'}]]);
		// Nothing gone by the next model either: told then, unnamed, and only once.
		const unnamed = new EventDetector();
		unnamed.next(shopModel(t0, {app1: {oomKill: 0}}));
		assert.deepEqual(unnamed.next(shopModel(t0 + 1000, {app1: {oomKill: 1}})), []);
		assert.deepEqual(unnamed.next(shopModel(t0 + 2000, {app1: {oomKill: 1}})).map((event) => [event.kind, event.time, event.victim]), [['oom-kill', t0 + 1000, null]]);
		assert.deepEqual(unnamed.next(shopModel(t0 + 3000, {app1: {oomKill: 1}})), []);
	});
	test('a group kill counted at once is one event: the records of its other members are not kills of their own', () => {
		const detector = new EventDetector();
		detector.next(shopModel(t0, {app1: {oomKill: 0}}));
		// As the kernel logs it: the chosen victim, then every task of the group, the victim again among them.
		const group = {group: app1Cgroup, limitBytes: 32 * MiB};
		detector.addKernelKills([
			kill({pid: 1234, sequence: 30, ...group}),
			kill({pid: 1240, comm: 'sh', sequence: 31, ...group}),
			kill({pid: 1241, comm: 'sleep', sequence: 32, ...group}),
			kill({pid: 1234, sequence: 33, ...group}),
		]);
		const events = detector.next(shopModel(t0 + 1000, {app1: {oomKill: 4}}));
		assert.deepEqual(
			events.map((event) => [event.kind, event.containerName, event.delta, event.victim, event.limit?.level, event.group]),
			[['oom-kill', 'app1', 4, {pid: 1234, comm: 'node'}, 'container', app1Cgroup]],
		);
		assert.deepEqual(detector.next(shopModel(t0 + 2000, {app1: {oomKill: 4}})), []);
		assert.deepEqual(detector.next(shopModel(t0 + 3000, {app1: {oomKill: 4}})), []);
	});

	test('a group kill that took its container away before a read is the container\'s, whole, not its pod\'s own', () => {
		const before = shopModel(t0, {app1: {oomKill: 0}, pod: {oomKill: 0}});
		const after = shopModel(t0 + 1000, {app1: null, pod: {oomKill: 3}});
		const group = {group: app1Cgroup};
		const kills = [kill({pid: 1234, sequence: 40, ...group}), kill({pid: 1240, comm: 'sh', sequence: 41, ...group}), kill({pid: 1234, sequence: 42, ...group})];
		const events = detectEvents(before, after, {kernelKills: kills});
		assert.deepEqual(
			events.map((event) => [event.kind, event.containerName, event.cgroup, event.delta, event.victim, event.limit?.level, event.group]),
			[['oom-kill', 'app1', app1Cgroup, 3, {pid: 1234, comm: 'node'}, 'container', app1Cgroup]],
		);
	});

	test('without the kernel log, oom_group_kill says which cgroup was killed as a group: the container, or its pod', () => {
		const groupOf = (before: Parameters<typeof shopModel>[1], after: Parameters<typeof shopModel>[1]) =>
			detectEvents(shopModel(t0, before), shopModel(t0 + 1000, after)).map((event) => [event.kind, event.containerName, event.delta, event.group]);
		// The container's own memory.oom.group: counted in it (and its pod).
		assert.deepEqual(
			groupOf({app1: {oomKill: 0, oomGroupKill: 0}, pod: {oomKill: 0, oomGroupKill: 0}}, {app1: {oomKill: 3, oomGroupKill: 1}, pod: {oomKill: 3, oomGroupKill: 1}}),
			[['oom-kill', 'app1', 3, app1Cgroup]],
		);
		// The pod's: counted in the pod alone, its containers' kills are the pod's group.
		assert.deepEqual(
			groupOf({app1: {oomKill: 0}, app2: {oomKill: 0}, pod: {oomKill: 0, oomGroupKill: 0}}, {app1: {oomKill: 2}, app2: {oomKill: 1}, pod: {oomKill: 3, oomGroupKill: 1}}),
			[['oom-kill', 'app1', 2, shopPodCgroup], ['oom-kill', 'app2', 1, shopPodCgroup]],
		);
		// A plain kill names no group; nor does the pod's rise when a container went uncounted (it may have been the group).
		assert.deepEqual(groupOf({app1: {oomKill: 0}, pod: {oomKill: 0}}, {app1: {oomKill: 1}, pod: {oomKill: 1}}), [['oom-kill', 'app1', 1, null]]);
		assert.deepEqual(groupOf({app1: {oomKill: 0}, pod: {oomKill: 0, oomGroupKill: 0}}, {app1: null, pod: {oomKill: 2, oomGroupKill: 1}}), [['oom-kill', null, 2, null]]);
		// A second group kill of the container's own, counted from the first.
		assert.deepEqual(
			groupOf({app1: {oomKill: 3, oomGroupKill: 1}, pod: {oomKill: 3, oomGroupKill: 1}}, {app1: {oomKill: 5, oomGroupKill: 2}, pod: {oomKill: 5, oomGroupKill: 2}}),
			[['oom-kill', 'app1', 2, app1Cgroup]],
		);
		// app1's own group and a plain kill in app2 in one interval: the pod's rise is app1's group, app2's kill no group's.
		assert.deepEqual(
			groupOf({app1: {oomKill: 0, oomGroupKill: 0}, app2: {oomKill: 0}, pod: {oomKill: 0, oomGroupKill: 0}}, {app1: {oomKill: 2, oomGroupKill: 1}, app2: {oomKill: 1}, pod: {oomKill: 3, oomGroupKill: 1}}),
			[['oom-kill', 'app1', 2, app1Cgroup], ['oom-kill', 'app2', 1, null]],
		);
	});

	test('a kernel kill no counter claims by the next model is reported on its own, once, even when a counter catches up later', () => {
		const detector = new EventDetector();
		detector.next(shopModel(t0, {}));
		// A process in /podtop-x/job (never in a model) killed by the pod's limit; its record read after the model
		// of t0 + 1000 (as the event source does: read the model, then the log): that model's counters may not show it yet.
		const jobKill = kill({pid: 4242, comm: 'dd', taskMemcg: `${shopPodCgroup}/job`, oomMemcg: shopPodCgroup, limitBytes: 512 * MiB, sequence: 20});
		detector.addKernelKills([jobKill]);
		assert.deepEqual(detector.next(shopModel(t0 + 1000, {})), []);
		const events = detector.next(shopModel(t0 + 2000, {}));
		assert.deepEqual(
			events.map((event) => [event.kind, event.podId, event.containerId, event.cgroup, event.victim, event.limit]),
			[['oom-kill', shopPodCgroup, null, `${shopPodCgroup}/job`, {pid: 4242, comm: 'dd'}, {cgroup: shopPodCgroup, level: 'pod', bytes: 512 * MiB}]],
		);
		assert.deepEqual(detector.next(shopModel(t0 + 3000, {})), []);
		// A record for app1 whose counter rises only later: reported alone, then the counter's rise is not a second kill.
		detector.addKernelKills([kill({pid: 1234, sequence: 21, time: t0 + 3500})]);
		assert.deepEqual(detector.next(shopModel(t0 + 4000, {})), []);
		assert.deepEqual(summary(detector.next(shopModel(t0 + 5000, {}))), [['oom-kill', 'app1', 1]]);
		assert.deepEqual(summary(detector.next(shopModel(t0 + 6000, {app1: {oomKill: 1}}))), []);
	});

	test('which limit struck: container, pod, node-allocatable, ancestor, node (global OOM), unknown', () => {
		const model = shopModel(t0, {});
		const pod = model.pods[0];
		const app1 = pod.containers.find((container) => container.name === 'app1')!;
		const app2 = pod.containers.find((container) => container.name === 'app2')!;
		const level = (fields: Partial<KernelOomKill>, container = app1) => struckLimit(kill({pid: 1, ...fields}), pod, container);
		assert.deepEqual(level({limitBytes: 64 * MiB}), {cgroup: app1Cgroup, level: 'container', bytes: 64 * MiB});
		assert.equal(level({oomMemcg: shopPodCgroup}).level, 'pod');
		assert.equal(level({oomMemcg: '/kubepods/burstable'}).level, 'node-allocatable');
		assert.equal(level({oomMemcg: '/kubepods.slice'}).level, 'node-allocatable');
		assert.equal(level({oomMemcg: '/'}).level, 'ancestor');
		assert.deepEqual(level({oomMemcg: null, constraint: 'CONSTRAINT_NONE'}), {cgroup: null, level: 'node', bytes: null});
		assert.deepEqual(level({oomMemcg: null, constraint: null}), {cgroup: null, level: 'unknown', bytes: null});
		assert.equal(level({oomMemcg: '/elsewhere', taskMemcg: '/other/x'}).level, 'unknown');
		// Placed nowhere (its container gone with the kill): a group kill at the victim's own cgroup's limit is
		// the container's; a member of a wider group, logged at the group's cgroup, is not known to be.
		const unplaced = (fields: Partial<KernelOomKill>) => struckLimit(kill({pid: 1, oomMemcg: '/gone/c', taskMemcg: '/gone/c', ...fields}), null, null).level;
		assert.equal(unplaced({group: '/gone/c'}), 'container');
		assert.equal(unplaced({oomMemcg: '/gone', taskMemcg: '/gone', group: '/gone', taskMemcgIsGroup: true}), 'ancestor');
		assert.deepEqual(level({oomMemcg: null, constraint: 'CONSTRAINT_MEMCG'}), {cgroup: null, level: 'unknown', bytes: null}, 'a cgroup\'s limit, not named');
		assert.equal(level({taskMemcg: `${app1Cgroup}/container`}).level, 'container', 'the victim in a leaf below the container\'s cgroup');
		assert.equal(level({taskMemcg: `${app1Cgroup}0`}, app2).level, 'unknown', 'a cgroup whose name only begins with the limit\'s is not below it');
		assert.equal(level({oomMemcg: '/docker/4f2a/kubepods', taskMemcg: '/docker/4f2a/kubepods/burstable/pod1/c1'}).level, 'ancestor', 'the kubepods of a node in a container (kind) is not this node\'s');
	});

	test('the limit\'s bytes when the kernel did not log them: the container\'s where its limit is the one struck, else the pod\'s', () => {
		const model = shopModel(t0, {});
		const pod = model.pods[0];
		const app1 = pod.containers.find((container) => container.name === 'app1')!;
		const app2 = pod.containers.find((container) => container.name === 'app2')!;
		const struck = (oomMemcg: string, container: typeof app1 | null, taskMemcg = oomMemcg) => struckLimit(kill({pid: 1, oomMemcg, taskMemcg, limitBytes: null}), pod, container);
		assert.deepEqual(struck(app1Cgroup, app1), {cgroup: app1Cgroup, level: 'container', bytes: 64 * MiB}, 'its own limit');
		assert.deepEqual(struck(shopPodCgroup, app2, app2Cgroup), {cgroup: shopPodCgroup, level: 'pod', bytes: 512 * MiB}, 'app2 has no limit of its own: the pod\'s binds it');
		assert.deepEqual(struck(shopPodCgroup, app1, app1Cgroup), {cgroup: shopPodCgroup, level: 'pod', bytes: 512 * MiB}, 'not app1\'s own 64 MiB');
		assert.deepEqual(struck(shopPodCgroup, null), {cgroup: shopPodCgroup, level: 'pod', bytes: 512 * MiB}, 'no container placed: the pod cgroup\'s limit');
		assert.deepEqual(struck('/', app1, app1Cgroup), {cgroup: '/', level: 'ancestor', bytes: null}, 'an ancestor\'s limit not read: unknown');
		assert.equal(struckLimit(kill({pid: 1, limitBytes: 60 * MiB}), pod, app1).bytes, 60 * MiB, 'what the kernel logged comes first');
		assert.equal(struckLimit(kill({pid: 1, oomMemcg: shopPodCgroup, limitBytes: 500 * MiB}), pod, null).bytes, 500 * MiB, 'also at the pod\'s level');
	});

	test('kills from before start: placed where their cgroup still is, else shown by path; oldest first, at the kernel\'s time', () => {
		const model = shopModel(t0, {});
		const gone = kill({pid: 7, comm: 'java', taskMemcg: '/removed-pod/c1', oomMemcg: '/removed-pod', limitBytes: 128 * MiB, time: t0 - 5000, sequence: 2});
		const here = kill({pid: 8, comm: 'node', time: t0 - 9000, sequence: 1, limitBytes: 64 * MiB});
		const events = pastKillEvents([gone, here], model);
		assert.deepEqual(
			events.map((event) => [event.time, event.past, event.podId, event.containerName, event.cgroup, event.limit?.level, event.limit?.bytes]),
			[
				[t0 - 9000, true, shopPodCgroup, 'app1', app1Cgroup, 'container', 64 * MiB],
				[t0 - 5000, true, '', null, '/removed-pod/c1', 'ancestor', 128 * MiB],
			],
		);
	});

	test('a kill logged with no cgroup of the victim is placed by its pid, else in no cgroup', () => {
		const unplaced = (pid: number, comm: string) => kill({pid, comm, taskMemcg: null, oomMemcg: null, constraint: 'CONSTRAINT_NONE'});
		const events = pastKillEvents([unplaced(1234, 'node'), unplaced(1300, 'sleep'), unplaced(999, 'dd')], shopModel(t0, {}));
		assert.deepEqual(events.map((event) => [event.podId, event.containerName, event.cgroup, event.limit?.level]), [
			[shopPodCgroup, 'app1', app1Cgroup, 'node'],
			[shopPodCgroup, 'app2', app2Cgroup, 'node'],
			['', null, '', 'node'],
		]);
	});

	test('a kill logged with no cgroup is not placed by a pid that a process started after the kill holds now', () => {
		const model = shopModel(t0, {});
		const boot = t0 - (model.uptimeSeconds ?? 0) * 1000;
		// pid 1234 (app1's node) started 62.34 s after boot; a kill of another 1234 logged 30 s after boot was not of it.
		const early = kill({pid: 1234, comm: 'java', taskMemcg: null, oomMemcg: null, constraint: 'CONSTRAINT_NONE', time: boot + 30_000});
		const late = kill({pid: 1234, comm: 'node', taskMemcg: null, oomMemcg: null, constraint: 'CONSTRAINT_NONE', time: boot + 70_000, sequence: 2});
		assert.deepEqual(pastKillEvents([early, late], model).map((event) => [event.victim?.comm, event.cgroup, event.containerName]), [
			['java', '', null],
			['node', app1Cgroup, 'app1'],
		]);
		assert.equal(eventSubject(pastKillEvents([early], model)[0]), 'cgroup not logged');
	});

	test('a kill logged with no cgroup: a second of slack for the clocks before a pid counts as reused, none taken when uptime is unknown', () => {
		const model = shopModel(t0, {});
		const boot = t0 - (model.uptimeSeconds ?? 0) * 1000;
		// pid 1234 (app1's node) started 62.34 s after boot.
		const loggedAt = (time: number) => kill({pid: 1234, comm: 'node', taskMemcg: null, oomMemcg: null, constraint: 'CONSTRAINT_NONE', time});
		const cgroups = (events: readonly PodtopEvent[]) => events.map((event) => event.cgroup);
		assert.deepEqual(cgroups(pastKillEvents([loggedAt(boot + 61_339), loggedAt(boot + 61_340)], model)), ['', app1Cgroup]);
		assert.deepEqual(cgroups(pastKillEvents([loggedAt(boot + 30_000)], {...model, uptimeSeconds: null})), [app1Cgroup]);
	});

	test('a kill in a cgroup no container holds is not placed in a pod whose cgroup is the root', () => {
		// One pod whose containers' nearest common parent is / (podtop in a container with its own cgroup namespace).
		const model = shopModel(t0, {});
		const rooted = {...model, pods: model.pods.map((pod) => ({...pod, cgroup: '/'}))};
		const [event] = pastKillEvents([kill({pid: 4242, comm: 'dd', taskMemcg: '/batch/job', oomMemcg: '/batch/job'})], rooted);
		assert.deepEqual([event.podId, event.containerName, event.cgroup], ['', null, '/batch/job']);
	});

	test('a kill in a pod\'s own cgroup is the pod\'s: no removed container is looked up by that path', () => {
		const namesOfGone = () => ({podName: 'stale', containerName: 'stale'});
		const [event] = pastKillEvents([kill({pid: 4242, comm: 'dd', taskMemcg: shopPodCgroup, oomMemcg: shopPodCgroup})], shopModel(t0, {}), namesOfGone);
		assert.deepEqual([event.podName, event.containerId, event.containerName], ['podtop-x', null, null]);
	});

	test('a kill in a container cgroup removed since: named as its runtime\'s files still name it, else shown by path', () => {
		const model = shopModel(t0, {});
		const podUid = '0f4b5a4e-1c7d-4c6e-9a57-2f1d3e4b5c6d';
		const [web, docker, unnamed, podOnly] = ['a', 'b', 'c', 'd'].map((digit) => digit.repeat(64));
		const known: Record<string, KnownContainerNames> = {
			[web]: {runtime: 'containerd', containerName: 'web', podName: 'checkout-7d9f8b6c4-x2kqz', podNamespace: 'shop', podUid, image: null, containerType: 'container', hostname: null},
			[docker]: {runtime: 'docker', containerName: 'memconsumer', podName: null, podNamespace: null, podUid: null, image: null, containerType: null, hostname: null},
			[podOnly]: {runtime: 'containerd', containerName: 'sidecar', podName: null, podNamespace: null, podUid: null, image: null, containerType: 'container', hostname: null},
		};
		const facts: ContainerFacts = {
			version: 1,
			containerNames: (id) => known[id] ?? null,
			podNames: (uid) => (uid === podUid ? {podName: 'checkout-7d9f8b6c4-x2kqz', podNamespace: 'shop', podUid, infraContainerId: null, hostname: null} : null),
			hostname: () => null,
			fullCapabilities: () => null,
			pinnedNamespace: () => null,
		};
		const namesOfGone = (cgroupPath: string) => goneCgroupNames(cgroupPath, parseRuntimeCgroupPath, facts);
		const at = (taskMemcg: string, pid: number) => kill({pid, taskMemcg, oomMemcg: taskMemcg, limitBytes: 64 * MiB});
		const events = pastKillEvents(
			[
				at(`/kubepods/burstable/pod${podUid}/${web}`, 1),
				at(`/docker/${docker}`, 2),
				at(`/docker/${unnamed}`, 3),
				at(`/kubepods/burstable/pod${podUid}/${podOnly}`, 4),
				at('/removed-pod/c1', 5),
			],
			model,
			namesOfGone,
		);
		assert.deepEqual(
			events.map((event) => [event.victim?.pid, event.podId, event.podName, event.containerId, event.containerName, event.limit?.level]),
			[
				[1, '', 'checkout-7d9f8b6c4-x2kqz', null, 'web', 'container'],
				// A container in no pod: its pod is itself, as the tree names it.
				[2, '', 'memconsumer', null, 'memconsumer', 'container'],
				[3, '', '', null, null, 'container'],
				// The pod named by its UID, from the kubelet's files.
				[4, '', 'checkout-7d9f8b6c4-x2kqz', null, 'sidecar', 'container'],
				[5, '', '', null, null, 'container'],
			],
		);
		assert.deepEqual(events.map(eventSubject), [
			'checkout-7d9f8b6c4-x2kqz/web',
			'memconsumer/memconsumer',
			`/docker/${unnamed}`,
			'checkout-7d9f8b6c4-x2kqz/sidecar',
			'/removed-pod/c1',
		]);
		// Names from files are hostile input like any other: bounded here, escaped where shown.
		known[web] = {...known[web], containerName: `x\u001b[2J${'y'.repeat(400)}`};
		const [hostile] = pastKillEvents([at(`/kubepods/burstable/pod${podUid}/${web}`, 1)], model, namesOfGone);
		assert.equal(hostile.containerName?.length, 256);
		assert.match(eventSubject(hostile), /^checkout-7d9f8b6c4-x2kqz\/x\\x1b\[2Jy+$/);
	});

	test('EventDetector keeps its previous model safe from pooled records updated in place', () => {
		const detector = new EventDetector();
		const model = shopModel(t0, {app1: {oomKill: 0}});
		detector.next(model);
		// The collector reuses the record of the dead process for a new one.
		const record = model.pods[0].containers[0].processes[0] as {pid: number; comm: string};
		record.pid = 5555;
		record.comm = 'other';
		const events = detector.next(shopModel(t0 + 1000, {app1: {oomKill: 1, processes: [{pid: 1240, comm: 'sh'}]}}));
		assert.deepEqual(events[0].victim, {pid: 1234, comm: 'node'});
	});
});

describe('vanishedVictim and detachModel', () => {
	test('the largest process that vanished, the first listed of equal ones, a reused pid (other start time) counting as vanished', () => {
		const before = [makeProcess({pid: 1, comm: 'a', rssBytes: 5}), makeProcess({pid: 2, comm: 'b', rssBytes: 50, starttime: 10}), makeProcess({pid: 3, comm: 'c', rssBytes: 9})];
		assert.deepEqual(vanishedVictim(before, [before[0], makeProcess({pid: 2, comm: 'b2', starttime: 99})]), {pid: 2, comm: 'b'});
		assert.equal(vanishedVictim(before, before), null);
		assert.deepEqual(vanishedVictim([makeProcess({pid: 7, comm: 'x'.repeat(500)})], [])?.comm.length, 64);
		assert.deepEqual(vanishedVictim([makeProcess({pid: 3, comm: 'c', rssBytes: 9}), makeProcess({pid: 2, comm: 'b', rssBytes: 50})], []), {pid: 2, comm: 'b'}, 'listed after a smaller one');
		assert.deepEqual(vanishedVictim([makeProcess({pid: 4, comm: 'd', rssBytes: 9}), makeProcess({pid: 5, comm: 'e', rssBytes: 9})], []), {pid: 4, comm: 'd'}, 'the first of two the same size');
	});

	test('a victim not yet reaped (a zombie when the kill is counted) is the vanished one', () => {
		const before = [makeProcess({pid: 1, comm: 'sleep', rssBytes: 5}), makeProcess({pid: 2, comm: 'busybox', rssBytes: 60, starttime: 10})];
		const after = [before[0], makeProcess({pid: 2, comm: 'busybox', rssBytes: 0, starttime: 10, state: 'Z'})];
		assert.deepEqual(vanishedVictim(before, after), {pid: 2, comm: 'busybox'});
	});

	test('a pod the next model shares unchanged tells nothing, and its next change is told against what it had', () => {
		const detector = new EventDetector();
		const first = shopModel(t0, {app1: {failcnt: 2, oomKill: 0}});
		assert.deepEqual(detector.next(first), []);
		// The model builder hands out the very same pods while nothing about them changed.
		assert.deepEqual(detector.next({...first, time: t0 + 1000}), []);
		const events = detector.next(shopModel(t0 + 2000, {app1: {failcnt: 9, oomKill: 1, processes: [{pid: 1240, comm: 'sh'}]}}));
		assert.deepEqual(
			events.map((event) => [event.kind, event.containerName, event.delta, event.victim ?? null]),
			[['limit-hit', 'app1', 7, null], ['oom-kill', 'app1', 1, {pid: 1234, comm: 'node'}]],
		);
	});

	test('a pod or container two models share is copied once, a changed one again', () => {
		const first = shopModel(t0, {});
		const [pod] = detachModel(first).pods;
		assert.equal(detachModel({...first, time: t0 + 1000}).pods[0], pod);
		assert.notEqual(detachModel(shopModel(t0 + 2000, {})).pods[0], pod);
		// The pod renamed: a new pod object holding the very containers of the first model.
		const renamed = detachModel({...first, time: t0 + 3000, pods: [{...first.pods[0], name: 'renamed'}]}).pods[0];
		assert.notEqual(renamed, pod);
		assert.equal(renamed.containers[0], pod.containers[0]);
		assert.equal(renamed.containers[1], pod.containers[1]);
	});

	test('a container whose pod is new to the model (a pod with no cgroup: its namespaces\' holder came anew) is compared with what it was', () => {
		const inPod = (model: PodModel, id: string): PodModel => ({...model, pods: model.pods.map((pod) => ({...pod, id, cgroup: null, gauges: null}))});
		const before = inPod(shopModel(t0, {app1: {failcnt: 0}}), 'pod-net-4026533001');
		const after = inPod(shopModel(t0 + 1000, {app1: {failcnt: 4}}), 'pod-net-4026533099');
		const events = detectEvents(detachModel(before), after);
		assert.deepEqual(summary(events), [['limit-hit', 'app1', 4]]);
		assert.equal(events[0].podId, 'pod-net-4026533099');
	});

	test('detachModel copies the processes, not the counters', () => {
		const model = shopModel(t0, {});
		const detached = detachModel(model);
		assert.notEqual(detached.pods[0].containers[0].processes[0], model.pods[0].containers[0].processes[0]);
		assert.deepEqual(detached.pods[0].containers[0].processes, model.pods[0].containers[0].processes);
		assert.equal(detached.pods[0].containers[0].gauges, model.pods[0].containers[0].gauges);
	});
});

describe('kills from before start, counted by the cgroups when the kernel log cannot be read', () => {
	const t0 = Date.UTC(2026, 0, 1);
	const counted = (model: ReturnType<typeof shopModel>) => countedPastKills(model).map((event) => [event.cgroup, event.containerName, event.delta, event.victim, event.limit, event.past, event.counted]);

	test('one event per container whose oom_kill counter is above 0, no time claimed, no victim, no limit', () => {
		const model = shopModel(t0, {app1: {oomKill: 3}, app2: {oomKill: 0}, pod: {oomKill: 0}});
		assert.deepEqual(counted(model), [[app1Cgroup, 'app1', 3, null, null, true, true]]);
		assert.equal(countedPastKills(model)[0].time, t0, 'the time of the read');
	});

	test('v2 counts a container\'s kills in its pod too: the pod gets only those its containers do not account for', () => {
		const v2 = (model: ReturnType<typeof shopModel>) => ({...model, host: {...model.host, cgroupMode: 'v2' as const}});
		assert.deepEqual(counted(v2(shopModel(t0, {app1: {oomKill: 2}, pod: {oomKill: 2}}))), [[app1Cgroup, 'app1', 2, null, null, true, true]]);
		assert.deepEqual(counted(v2(shopModel(t0, {app1: {oomKill: 2}, pod: {oomKill: 3}}))), [
			[app1Cgroup, 'app1', 2, null, null, true, true],
			[shopPodCgroup, null, 1, null, null, true, true],
		]);
		// v1: the pod's counter is its own tasks' alone.
		const v1 = shopModel(t0, {app1: {oomKill: 2}, pod: {oomKill: 1}});
		assert.deepEqual(counted({...v1, host: {...v1.host, cgroupMode: 'v1'}}).map((event) => [event[0], event[2]]), [
			[app1Cgroup, 2],
			[shopPodCgroup, 1],
		]);
	});

	test('a kill the log names at the pod\'s own level is not counted again from the pod\'s counter', () => {
		const logged = [kill({pid: 4242, comm: 'dd', taskMemcg: `${shopPodCgroup}/job`, oomMemcg: shopPodCgroup, time: t0 - 5000})];
		const events = beforeStartEvents(logged, shopModel(t0, {pod: {oomKill: 1}}));
		assert.deepEqual(events.map((event) => [event.cgroup, event.containerName, event.counted ?? false]), [[`${shopPodCgroup}/job`, null, false]]);
	});

	test('a burst\'s kills logged without their cgroup are the one cgroup\'s it names, when its counter holds them beyond the named', () => {
		// The kernel rate-limits the report that names a kill's cgroup (windows of 5 s), not the "Killed process" line.
		const named = [kill({pid: 2001, comm: 'stress-ng', time: t0 - 9000, sequence: 11}), kill({pid: 2002, comm: 'stress-ng', time: t0 - 8900, sequence: 12})];
		const withoutCgroup = [2003, 2004, 2005].map((pid, index) => kill({pid, comm: 'stress-ng', taskMemcg: null, oomMemcg: null, time: t0 - 8800 + index, sequence: 13 + index}));
		const burst = [...named, ...withoutCgroup];
		const rows = (events: readonly PodtopEvent[]) => events.map((event) => [event.cgroup, event.containerName, event.delta, event.victim?.pid ?? null, event.counted ?? false, event.limit?.level ?? null]);
		assert.deepEqual(rows(beforeStartEvents(burst, shopModel(t0, {app1: {oomKill: 6}}))), [
			[app1Cgroup, 'app1', 1, null, true, null],
			[app1Cgroup, 'app1', 1, 2001, false, 'container'],
			[app1Cgroup, 'app1', 1, 2002, false, 'container'],
			// Whose limit struck, the kernel did not say.
			[app1Cgroup, 'app1', 1, 2003, false, 'unknown'],
			[app1Cgroup, 'app1', 1, 2004, false, 'unknown'],
			[app1Cgroup, 'app1', 1, 2005, false, 'unknown'],
		]);
		assert.deepEqual(beforeStartEvents(burst, shopModel(t0, {app1: {oomKill: 5}})).map((event) => [event.victim?.pid, event.cgroup, event.counted ?? false]), [
			[2001, app1Cgroup, false],
			[2002, app1Cgroup, false],
			[2003, app1Cgroup, false],
			[2004, app1Cgroup, false],
			[2005, app1Cgroup, false],
		]);
		const notPlaced = (events: readonly PodtopEvent[]) => events.filter((event) => event.cgroup === '').map((event) => event.victim?.pid);
		// The counter holds fewer kills beyond the named: some were another cgroup's, one gone since.
		assert.deepEqual(notPlaced(beforeStartEvents(burst, shopModel(t0, {app1: {oomKill: 4}}))), [2003, 2004, 2005]);
		// The pod's own counter rose too (v2: one kill beyond its containers'): the container's is the one that holds them.
		assert.deepEqual(notPlaced(beforeStartEvents(burst, shopModel(t0, {app1: {oomKill: 5}, pod: {oomKill: 6}}))), []);
		// The burst names two cgroups: whose the others were is not known.
		const twoNamed = [...burst, kill({pid: 2010, comm: 'java', taskMemcg: app2Cgroup, oomMemcg: app2Cgroup, time: t0 - 8700, sequence: 20})];
		assert.deepEqual(notPlaced(beforeStartEvents(twoNamed, shopModel(t0, {app1: {oomKill: 5}, app2: {oomKill: 1}}))), [2003, 2004, 2005]);
		// An earlier burst of a removed container, more than 5 s before: its records stay unplaced, this burst's are placed.
		const earlier = [kill({pid: 1001, taskMemcg: '/gone/c', oomMemcg: '/gone/c', time: t0 - 60_000, sequence: 1}), kill({pid: 1002, taskMemcg: null, oomMemcg: null, time: t0 - 59_000, sequence: 2})];
		assert.deepEqual(notPlaced(beforeStartEvents([...earlier, ...burst], shopModel(t0, {app1: {oomKill: 5}}))), [1002]);
		// A burst that names no cgroup: the one cgroup that counted kills beyond the log.
		assert.deepEqual(notPlaced(beforeStartEvents(withoutCgroup, shopModel(t0, {app1: {oomKill: 3}}))), []);
		assert.deepEqual(notPlaced(beforeStartEvents(withoutCgroup, shopModel(t0, {app1: {oomKill: 3}, app2: {oomKill: 1}}))), [2003, 2004, 2005]);
		// A global OOM named in the burst is no cgroup's limit: the burst still names one.
		const globalNamed = kill({pid: 2011, comm: 'java', taskMemcg: app2Cgroup, oomMemcg: null, constraint: 'CONSTRAINT_NONE', time: t0 - 8700, sequence: 21});
		assert.deepEqual(notPlaced(beforeStartEvents([...burst, globalNamed], shopModel(t0, {app1: {oomKill: 5}}))), []);
		// Named in a leaf below the container's cgroup (crun's `container`): the container's counter holds them.
		const inLeaf = [kill({pid: 2001, comm: 'stress-ng', taskMemcg: `${app1Cgroup}/container`, time: t0 - 9000, sequence: 11}), ...withoutCgroup];
		assert.deepEqual(notPlaced(beforeStartEvents(inLeaf, shopModel(t0, {app1: {oomKill: 4}, app2: {oomKill: 1}}))), []);
		// A global OOM's record is its own, whatever a cgroup counted.
		const global = kill({pid: 2006, comm: 'java', taskMemcg: null, oomMemcg: null, constraint: 'CONSTRAINT_NONE', time: t0 - 8000, sequence: 30});
		assert.deepEqual(notPlaced(beforeStartEvents([...named, global], shopModel(t0, {app1: {oomKill: 3}}))), [2006]);
	});

	test('a burst\'s record without its cgroup whose victim a container still lists (exiting) is that container\'s, not the burst\'s cgroup\'s', () => {
		const burst = [
			kill({pid: 2001, comm: 'stress-ng', time: t0 - 9000, sequence: 11}),
			kill({pid: 1300, comm: 'sleep', taskMemcg: null, oomMemcg: null, time: t0 - 8900, sequence: 12}),
		];
		const events = beforeStartEvents(burst, shopModel(t0, {app1: {oomKill: 2}, app2: {oomKill: 1}}));
		assert.deepEqual(events.map((event) => [event.cgroup, event.victim?.pid ?? null, event.counted ?? false]), [
			[app1Cgroup, null, true],
			[app1Cgroup, 2001, false],
			[app2Cgroup, 1300, false],
		]);
	});

	test('a burst in the second of two cgroups that counted kills beyond the log: placed by that one\'s count, and taken off it', () => {
		const burst = [
			kill({pid: 2001, comm: 'java', taskMemcg: app2Cgroup, oomMemcg: app2Cgroup, time: t0 - 9000, sequence: 11}),
			kill({pid: 2002, comm: 'java', taskMemcg: null, oomMemcg: null, time: t0 - 8900, sequence: 12}),
		];
		const events = beforeStartEvents(burst, shopModel(t0, {app1: {oomKill: 1}, app2: {oomKill: 2}}));
		assert.deepEqual(events.map((event) => [event.cgroup, event.delta, event.victim?.pid ?? null, event.counted ?? false]), [
			[app1Cgroup, 1, null, true],
			[app2Cgroup, 1, 2001, false],
			[app2Cgroup, 1, 2002, false],
		]);
		// Two records without their cgroup, app2 holding one kill beyond the named: not placed, whatever app1 counted.
		const twoWithout = [...burst, kill({pid: 2003, comm: 'java', taskMemcg: null, oomMemcg: null, time: t0 - 8800, sequence: 13})];
		const notPlaced = beforeStartEvents(twoWithout, shopModel(t0, {app1: {oomKill: 5}, app2: {oomKill: 2}})).filter((event) => event.cgroup === '');
		assert.deepEqual(notPlaced.map((event) => event.victim?.pid), [2002, 2003]);
	});

	test('a burst\'s kills placed from its named record are told in the kernel\'s order among the named ones', () => {
		const burst = [
			kill({pid: 2001, comm: 'stress-ng', taskMemcg: null, oomMemcg: null, time: t0 - 9000, sequence: 11}),
			kill({pid: 2002, comm: 'stress-ng', time: t0 - 8900, sequence: 12}),
			kill({pid: 2003, comm: 'stress-ng', taskMemcg: null, oomMemcg: null, time: t0 - 8800, sequence: 13}),
		];
		const events = beforeStartEvents(burst, shopModel(t0, {app1: {oomKill: 3}}));
		assert.deepEqual(events.map((event) => [event.victim?.pid, event.cgroup]), [
			[2001, app1Cgroup],
			[2002, app1Cgroup],
			[2003, app1Cgroup],
		]);
	});

	test('records 5 s apart are two bursts: the one before, of another cgroup, does not keep this one\'s from being placed', () => {
		const earlier = [kill({pid: 1001, taskMemcg: '/gone/c', oomMemcg: '/gone/c', time: t0 - 15_000, sequence: 1}), kill({pid: 1002, taskMemcg: null, oomMemcg: null, time: t0 - 14_000, sequence: 2})];
		const burst = [kill({pid: 2001, comm: 'stress-ng', time: t0 - 9000, sequence: 11}), kill({pid: 2002, comm: 'stress-ng', taskMemcg: null, oomMemcg: null, time: t0 - 8900, sequence: 12})];
		const cgroups = (kills: readonly KernelOomKill[]) => beforeStartEvents(kills, shopModel(t0, {app1: {oomKill: 2}})).map((event) => [event.victim?.pid, event.cgroup]);
		assert.deepEqual(cgroups([...earlier, ...burst]), [
			[1001, '/gone/c'],
			[1002, ''],
			[2001, app1Cgroup],
			[2002, app1Cgroup],
		]);
		// Less than 5 s: one burst, naming two cgroups, whose records without one are no one's (app1's second kill counted).
		const closer = earlier.map((record) => ({...record, time: record.time + 1}));
		assert.deepEqual(cgroups([...closer, ...burst]), [
			[undefined, app1Cgroup],
			[1001, '/gone/c'],
			[1002, ''],
			[2001, app1Cgroup],
			[2002, ''],
		]);
	});

	test('as root, the kills a counter holds beyond those the kernel log still names (its ring wrapped) are counted, before the logged ones', () => {
		// v2: the pod's counter holds its containers' 4 and one of its own.
		const model = shopModel(t0, {app1: {oomKill: 3}, app2: {oomKill: 1}, pod: {oomKill: 5}});
		const logged = [kill({pid: 1234, time: t0 - 5000, sequence: 1}), kill({pid: 1240, time: t0 - 4000, sequence: 2})];
		const events = beforeStartEvents(logged, model);
		assert.deepEqual(
			events.map((event) => [event.cgroup, event.delta, event.value ?? null, event.victim?.pid ?? null, event.counted ?? false, event.past]),
			[
				// app1 counted 3, the log names 2: one more, whose time and victim are unknown.
				[app1Cgroup, 1, 3, null, true, true],
				[app2Cgroup, 1, 1, null, true, true],
				[shopPodCgroup, 1, 1, null, true, true],
				[app1Cgroup, 1, null, 1234, false, true],
				[app1Cgroup, 1, null, 1240, false, true],
			],
		);
		// All of them logged: nothing counted on top.
		assert.deepEqual(beforeStartEvents(logged, shopModel(t0, {app1: {oomKill: 2}})).filter((event) => event.counted), []);
		// A counter below what the log names (a cgroup made again at the same path since): nothing counted, nothing taken off.
		assert.equal(beforeStartEvents(logged, shopModel(t0, {app1: {oomKill: 1}})).length, 2);
		// The kernel log unreadable: the counters alone.
		assert.deepEqual(beforeStartEvents(null, model).map((event) => event.delta), [3, 1, 1]);
	});
});
