import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {EventDetector, type KernelOomKill, type PodtopEvent} from '../../source/model/events.js';
import {app2Cgroup, shopModel} from '../fixtures/event-models.js';
import {makeProcess, MiB} from '../fixtures/models.js';

// What EventDetector keeps between models: the kernel's records, the kills owed a record or told without a
// counter, the kills waiting for their victim to be gone, the throttling spells.

const t0 = Date.parse('2025-11-23T16:00:00Z');
const sh = {pid: 1240, comm: 'sh', rssBytes: MiB};

function kill(fields: Partial<KernelOomKill> & {pid: number; sequence: number}): KernelOomKill {
	return {comm: 'node', oomMemcg: '/podtop-x/app1', taskMemcg: '/podtop-x/app1', constraint: 'CONSTRAINT_MEMCG', limitBytes: null, group: null, time: t0, ...fields};
}

function told(events: readonly PodtopEvent[]) {
	return events.map((event) => [event.kind, event.containerName ?? '(pod)', event.delta, event.victim ?? null]);
}

const at = (second: number, states: Parameters<typeof shopModel>[1] = {}) => shopModel(t0 + second * 1000, states);

describe('EventDetector: the kernel\'s records', () => {
	test('a record read twice (the log read again) is one kill, and a record after it another', () => {
		const detector = new EventDetector();
		detector.next(at(0));
		detector.addKernelKills([kill({pid: 1234, sequence: 50})]);
		detector.addKernelKills([kill({pid: 1234, sequence: 50}), kill({pid: 1240, comm: 'sh', sequence: 51})]);
		// Both victims are still listed when counted: only the records name them.
		assert.deepEqual(told(detector.next(at(1, {app1: {oomKill: 1}}))), [['oom-kill', 'app1', 1, {pid: 1234, comm: 'node'}]]);
		assert.deepEqual(told(detector.next(at(2, {app1: {oomKill: 2}}))), [['oom-kill', 'app1', 1, {pid: 1240, comm: 'sh'}]]);
		assert.deepEqual(detector.next(at(3, {app1: {oomKill: 2}})), []);
	});

	test('at most the 256 newest records wait for a counter', () => {
		const detector = new EventDetector();
		detector.next(at(0));
		// 300 kills in a cgroup no model holds.
		const batch = Array.from({length: 300}, (_, index) => kill({pid: 10_000 + index, comm: 'worker', taskMemcg: '/batch/job', oomMemcg: '/batch/job', sequence: 1000 + index}));
		detector.addKernelKills(batch);
		assert.deepEqual(detector.next(at(1)), []);
		const events = detector.next(at(2));
		assert.equal(events.length, 256);
		assert.deepEqual([events[0].victim?.pid, events.at(-1)?.victim?.pid], [10_044, 10_299]);
	});

	test('a record that names no cgroup of the victim is matched by its pid, and used once', () => {
		const detector = new EventDetector();
		detector.next(at(0));
		detector.addKernelKills([kill({pid: 1300, comm: 'sleep', taskMemcg: null, sequence: 60})]);
		// app1's victim is gone, with no record; app2's is still listed, its record naming it.
		const states = {app1: {oomKill: 1, processes: [sh]}, app2: {oomKill: 1}};
		assert.deepEqual(told(detector.next(at(1, states))), [
			['oom-kill', 'app1', 1, {pid: 1234, comm: 'node'}],
			['oom-kill', 'app2', 1, {pid: 1300, comm: 'sleep'}],
		]);
		assert.deepEqual(detector.next(at(2, states)), []);
		assert.deepEqual(detector.next(at(3, states)), []);
	});

	test('a burst of kills, the kernel naming the cgroup of the first only, is the counted rise: no kill of its own', () => {
		const detector = new EventDetector();
		detector.next(at(0));
		// The kernel rate-limits the report that names the cgroup, not the "Killed process" line: kills of workers
		// forked and killed between two models, which no model held. A global OOM's kill stays its own.
		const worker = (pid: number, sequence: number) => kill({pid, comm: 'worker', taskMemcg: null, oomMemcg: null, sequence});
		detector.addKernelKills([kill({pid: 2000, comm: 'worker', sequence: 70}), worker(2001, 71), worker(2002, 72), kill({pid: 2003, comm: 'java', taskMemcg: null, oomMemcg: null, constraint: null, sequence: 73})]);
		// A fourth kill counted, its record not read yet: owed, not taken from the global OOM's.
		assert.deepEqual(told(detector.next(at(1, {app1: {oomKill: 4}}))), [['oom-kill', 'app1', 4, {pid: 2000, comm: 'worker'}]]);
		assert.deepEqual(told(detector.next(at(2, {app1: {oomKill: 4}}))), [['oom-kill', '(pod)', 1, {pid: 2003, comm: 'java'}]]);
	});

	test('a burst\'s record that names no cgroup, of a process the model held in the cgroup that rose, is that rise', () => {
		// Seen live: workers listed in app1 when the counter was read, killed in a burst; their records name no cgroup.
		const detector = new EventDetector();
		const workers = {app1: {processes: [{pid: 1234, comm: 'node'}, sh]}, app2: {processes: [{pid: 1300, comm: 'sleep'}]}};
		detector.next(at(0, workers));
		detector.addKernelKills([kill({pid: 1234, sequence: 90}), kill({pid: 1240, comm: 'sh', taskMemcg: null, oomMemcg: null, sequence: 91})]);
		assert.deepEqual(told(detector.next(at(1, {app1: {oomKill: 2, processes: []}, app2: workers.app2}))), [['oom-kill', 'app1', 2, {pid: 1234, comm: 'node'}]]);
		assert.deepEqual(detector.next(at(2, {app1: {oomKill: 2, processes: []}, app2: workers.app2})), [], 'told once');
		// A record of a process held in another container is not this rise's.
		const other = new EventDetector();
		other.next(at(0, workers));
		other.addKernelKills([kill({pid: 1234, sequence: 90}), kill({pid: 1300, comm: 'sleep', taskMemcg: null, oomMemcg: null, sequence: 92})]);
		assert.deepEqual(told(other.next(at(1, {app1: {oomKill: 2, processes: [sh]}, app2: workers.app2}))), [['oom-kill', 'app1', 2, {pid: 1234, comm: 'node'}]]);
		assert.deepEqual(told(other.next(at(2, {app1: {oomKill: 2, processes: [sh]}, app2: {processes: []}}))), [['oom-kill', 'app2', 1, {pid: 1300, comm: 'sleep'}]]);
	});

	test('a record that names no cgroup, of a process the model before held in another container and gone since, is not this rise\'s: told on its own', () => {
		const detector = new EventDetector();
		detector.next(at(0));
		detector.addKernelKills([kill({pid: 1234, sequence: 90}), kill({pid: 1300, comm: 'sleep', taskMemcg: null, oomMemcg: null, sequence: 91})]);
		// app1 counted two kills, one record names it; sleep, gone from app2, is not the other.
		const gone = {app1: {oomKill: 2, processes: [sh]}, app2: {processes: []}};
		assert.deepEqual(told(detector.next(at(1, gone))), [['oom-kill', 'app1', 2, {pid: 1234, comm: 'node'}]]);
		assert.deepEqual(told(detector.next(at(2, gone))), [['oom-kill', '(pod)', 1, {pid: 1300, comm: 'sleep'}]], 'told on its own');
	});

	test('a rise takes the records of a burst oldest first: one naming no cgroup is not left behind by later ones', () => {
		const detector = new EventDetector();
		detector.next(at(0, {app1: {oomKill: 0}}));
		const worker = (pid: number, sequence: number) => kill({pid, comm: 'worker', taskMemcg: null, oomMemcg: null, sequence});
		detector.addKernelKills([worker(2001, 1), kill({pid: 2002, comm: 'worker', sequence: 2})]);
		assert.deepEqual(told(detector.next(at(1, {app1: {oomKill: 1}}))), [['oom-kill', 'app1', 1, {pid: 2002, comm: 'worker'}]]);
		// The next rise's records come with one of a kill counted only in the model after.
		detector.addKernelKills([kill({pid: 2003, comm: 'worker', sequence: 3}), kill({pid: 2004, comm: 'worker', sequence: 4})]);
		assert.deepEqual(told(detector.next(at(2, {app1: {oomKill: 3}}))), [['oom-kill', 'app1', 2, {pid: 2003, comm: 'worker'}]]);
		assert.deepEqual(told(detector.next(at(3, {app1: {oomKill: 4}}))), [['oom-kill', 'app1', 1, {pid: 2004, comm: 'worker'}]]);
		assert.deepEqual(detector.next(at(4, {app1: {oomKill: 4}})), [], 'four kills, told once each');
	});

	test('a record that names no cgroup, told on its own where its process was, is not told again when that counter shows it', () => {
		const detector = new EventDetector();
		const workers = {app1: {oomKill: 0, processes: [{pid: 1234, comm: 'node'}, sh]}};
		detector.next(at(0, workers));
		detector.addKernelKills([kill({pid: 1240, comm: 'sh', taskMemcg: null, oomMemcg: null, sequence: 93})]);
		assert.deepEqual(detector.next(at(1, workers)), []);
		// The counter has not shown it yet when the model after the record is read: told from the record alone.
		assert.deepEqual(told(detector.next(at(2, {app1: {oomKill: 0, processes: [{pid: 1234, comm: 'node'}]}}))), [['oom-kill', 'app1', 1, {pid: 1240, comm: 'sh'}]]);
		const after = {app1: {oomKill: 1, processes: [{pid: 1234, comm: 'node'}]}};
		assert.deepEqual([...detector.next(at(3, after)), ...detector.next(at(4, after))], [], 'the rise it told');
	});

	test('a record that names no cgroup, read after the rise that counted it, pays what that one cgroup is owed', () => {
		const detector = new EventDetector();
		detector.next(at(0));
		detector.addKernelKills([kill({pid: 2000, comm: 'worker', sequence: 80})]);
		// Three kills counted, one record read: two owed. The others come late, naming no cgroup, and a global OOM's.
		assert.deepEqual(told(detector.next(at(1, {app1: {oomKill: 3}}))), [['oom-kill', 'app1', 3, {pid: 2000, comm: 'worker'}]]);
		const worker = kill({pid: 2001, comm: 'worker', taskMemcg: null, oomMemcg: null, sequence: 81});
		detector.addKernelKills([worker, kill({pid: 2003, comm: 'java', taskMemcg: null, oomMemcg: null, constraint: null, sequence: 82})]);
		// A record no counter claims is told on its own after the model that followed it: the worker's is paid.
		assert.deepEqual(detector.next(at(2, {app1: {oomKill: 3}})), []);
		assert.deepEqual(told(detector.next(at(3, {app1: {oomKill: 3}}))), [['oom-kill', '(pod)', 1, {pid: 2003, comm: 'java'}]], 'the global kill pays nothing');
		detector.addKernelKills([{...worker, pid: 2002, sequence: 83}]);
		detector.next(at(4, {app1: {oomKill: 3}}));
		assert.deepEqual(detector.next(at(5, {app1: {oomKill: 3}})), [], 'the second one owed, paid too');
		// Nothing owed now: the next such record is a kill of its own.
		detector.addKernelKills([{...worker, pid: 2004, sequence: 84}]);
		detector.next(at(6, {app1: {oomKill: 3}}));
		assert.deepEqual(told(detector.next(at(7, {app1: {oomKill: 3}}))), [['oom-kill', '(pod)', 1, {pid: 2004, comm: 'worker'}]]);
	});

	test('a record that names no cgroup pays what one cgroup is owed when the model before held its victim there, not elsewhere', () => {
		const detector = new EventDetector();
		detector.next(at(0));
		detector.addKernelKills([kill({pid: 2000, comm: 'worker', sequence: 80})]);
		const counted = {app1: {oomKill: 3}};
		assert.deepEqual(told(detector.next(at(1, counted))), [['oom-kill', 'app1', 3, {pid: 2000, comm: 'worker'}]]);
		// Two owed by app1. sh was in app1: paid; sleep was in app2: a kill of its own.
		const unnamed = (pid: number, comm: string, sequence: number) => kill({pid, comm, taskMemcg: null, oomMemcg: null, sequence});
		detector.addKernelKills([unnamed(1240, 'sh', 81), unnamed(1300, 'sleep', 82)]);
		assert.deepEqual(told([...detector.next(at(2, counted)), ...detector.next(at(3, counted))]), [['oom-kill', 'app2', 1, {pid: 1300, comm: 'sleep'}]]);
	});

	test('a kill named from its record owes nothing, and a record of a kill not counted yet waits for its counter', () => {
		// The records come one by one: each names its kill.
		const detector = new EventDetector();
		detector.next(at(0));
		detector.addKernelKills([kill({pid: 1234, sequence: 70})]);
		assert.deepEqual(told(detector.next(at(1, {app1: {oomKill: 1}}))), [['oom-kill', 'app1', 1, {pid: 1234, comm: 'node'}]]);
		detector.addKernelKills([kill({pid: 1240, comm: 'sh', sequence: 71})]);
		assert.deepEqual(told(detector.next(at(2, {app1: {oomKill: 2}}))), [['oom-kill', 'app1', 1, {pid: 1240, comm: 'sh'}]]);
		// Both records before the first count: the second waits for the second.
		const early = new EventDetector();
		early.next(at(0));
		early.addKernelKills([kill({pid: 1234, sequence: 80}), kill({pid: 1240, comm: 'sh', sequence: 81})]);
		assert.deepEqual(told(early.next(at(1, {app1: {oomKill: 1}}))), [['oom-kill', 'app1', 1, {pid: 1234, comm: 'node'}]]);
		assert.deepEqual(told(early.next(at(2, {app1: {oomKill: 2}}))), [['oom-kill', 'app1', 1, {pid: 1240, comm: 'sh'}]]);
	});

	test('after a group kill counted at once, a later kill is named from its own record', () => {
		const detector = new EventDetector();
		detector.next(at(0));
		const group = {group: '/podtop-x/app1'};
		detector.addKernelKills([
			kill({pid: 1234, sequence: 30, ...group}),
			kill({pid: 1240, comm: 'sh', sequence: 31, ...group}),
			kill({pid: 1241, comm: 'sleep', sequence: 32, ...group}),
			kill({pid: 1234, sequence: 33, ...group}),
		]);
		assert.deepEqual(told(detector.next(at(1, {app1: {oomKill: 4}}))), [['oom-kill', 'app1', 4, {pid: 1234, comm: 'node'}]]);
		detector.addKernelKills([kill({pid: 1240, comm: 'sh', sequence: 34})]);
		assert.deepEqual(told(detector.next(at(2, {app1: {oomKill: 5}}))), [['oom-kill', 'app1', 1, {pid: 1240, comm: 'sh'}]]);
	});

	test('hits of a limit owe no record: a kill logged after them is named from it', () => {
		const detector = new EventDetector();
		detector.next(at(0));
		assert.deepEqual(told(detector.next(at(1, {app1: {failcnt: 3}}))), [['limit-hit', 'app1', 3, null]]);
		detector.addKernelKills([kill({pid: 1234, sequence: 85})]);
		assert.deepEqual(told(detector.next(at(2, {app1: {failcnt: 3, oomKill: 1}}))), [['oom-kill', 'app1', 1, {pid: 1234, comm: 'node'}]]);
	});

	test('kills counted with no record owe theirs: as many records as kills are not told again, in that cgroup only', () => {
		const detector = new EventDetector();
		detector.next(at(0));
		// Two kills counted in app1, node gone: the victim named from what vanished.
		assert.deepEqual(told(detector.next(at(1, {app1: {oomKill: 2, processes: [sh]}}))), [['oom-kill', 'app1', 2, {pid: 1234, comm: 'node'}]]);
		// Their records come late, with one more of app1 and one of app2 that no counter showed.
		detector.addKernelKills([
			kill({pid: 1234, sequence: 100}),
			kill({pid: 1241, comm: 'worker', sequence: 101}),
			kill({pid: 1300, comm: 'sleep', taskMemcg: app2Cgroup, oomMemcg: app2Cgroup, sequence: 102}),
			kill({pid: 1242, comm: 'worker', sequence: 103}),
		]);
		const still = {app1: {oomKill: 2, processes: [sh]}};
		assert.deepEqual(detector.next(at(2, still)), []);
		assert.deepEqual(
			detector.next(at(3, still)).map((event) => [event.containerName, event.victim?.pid]),
			[
				['app2', 1300],
				['app1', 1242],
			],
		);
		assert.deepEqual(detector.next(at(4, still)), []);
	});

	test('a record of another cgroup, come before those owed, pays nothing of what one cgroup owes', () => {
		const detector = new EventDetector();
		detector.next(at(0));
		assert.deepEqual(told(detector.next(at(1, {app1: {oomKill: 1, processes: [sh]}}))), [['oom-kill', 'app1', 1, {pid: 1234, comm: 'node'}]]);
		// app1 owes one record. app2's kill, not counted yet, is logged first.
		detector.addKernelKills([kill({pid: 1300, comm: 'sleep', taskMemcg: app2Cgroup, oomMemcg: app2Cgroup, sequence: 100}), kill({pid: 1234, sequence: 101})]);
		assert.deepEqual(told(detector.next(at(2, {app1: {oomKill: 1, processes: [sh]}, app2: {oomKill: 1}}))), [['oom-kill', 'app2', 1, {pid: 1300, comm: 'sleep'}]]);
		assert.deepEqual(detector.next(at(3, {app1: {oomKill: 1, processes: [sh]}, app2: {oomKill: 1}})), [], 'app1\'s record paid what it owed');
	});

	test('kills counted in two containers at once, each named by a record: what one still owes is its own', () => {
		const detector = new EventDetector();
		detector.next(at(0));
		detector.addKernelKills([kill({pid: 1234, sequence: 100}), kill({pid: 1300, comm: 'sleep', taskMemcg: app2Cgroup, oomMemcg: app2Cgroup, sequence: 101})]);
		const counted = {app1: {oomKill: 2, processes: [sh]}, app2: {oomKill: 1, processes: []}};
		assert.deepEqual(told(detector.next(at(1, counted))), [
			['oom-kill', 'app1', 2, {pid: 1234, comm: 'node'}],
			['oom-kill', 'app2', 1, {pid: 1300, comm: 'sleep'}],
		]);
		// app1's second record comes late: owed, not a kill of its own.
		detector.addKernelKills([kill({pid: 1241, comm: 'worker', sequence: 102})]);
		assert.deepEqual([...detector.next(at(2, counted)), ...detector.next(at(3, counted))], []);
	});

	test('a container\'s rise takes one record of its own: the one its pod\'s rise took is the pod\'s, and nothing is owed', () => {
		const detector = new EventDetector();
		detector.next(at(0));
		// Between two models app1's node is killed, and app2 with its kill gone (cgroup removed): app2's record names
		// no cgroup (the kernel rate-limited its report), so the pod's rise takes it by pid.
		detector.addKernelKills([kill({pid: 1234, sequence: 100}), kill({pid: 1300, comm: 'sleep', taskMemcg: null, oomMemcg: null, sequence: 101})]);
		const counted = {app1: {oomKill: 1}, app2: null, pod: {oomKill: 2}};
		assert.deepEqual(told(detector.next(at(1, counted))), [
			['oom-kill', 'app1', 1, {pid: 1234, comm: 'node'}],
			['oom-kill', '(pod)', 1, {pid: 1300, comm: 'sleep'}],
		]);
		// app1's next kill is logged before its counter shows it: its record names it, not taken for one owed.
		detector.addKernelKills([kill({pid: 1250, comm: 'worker', sequence: 102})]);
		assert.deepEqual(told(detector.next(at(2, {...counted, app1: {oomKill: 2}, pod: {oomKill: 3}}))), [['oom-kill', 'app1', 1, {pid: 1250, comm: 'worker'}]]);
	});

	test('a kill counted with no record owes it for kernelKillTtlMs: a record after that names a new kill', () => {
		const detector = new EventDetector({kernelKillTtlMs: 5000});
		detector.next(at(0));
		const still = {app1: {oomKill: 1, processes: [sh]}};
		assert.deepEqual(told(detector.next(at(1, still))), [['oom-kill', 'app1', 1, {pid: 1234, comm: 'node'}]]);
		// Exactly 5 s after the count: nothing owed now. A new kill's record comes before its counter shows it.
		assert.deepEqual(detector.next(at(6, still)), []);
		detector.addKernelKills([kill({pid: 1250, comm: 'worker', sequence: 104, time: t0 + 6500})]);
		assert.deepEqual(told(detector.next(at(7, {app1: {oomKill: 2, processes: [sh]}}))), [['oom-kill', 'app1', 1, {pid: 1250, comm: 'worker'}]]);
	});

	test('a record read kernelKillTtlMs after its kill is forgotten; one read sooner is told on its own', () => {
		const detector = new EventDetector({kernelKillTtlMs: 30_000});
		detector.next(at(0));
		detector.addKernelKills([
			kill({pid: 7001, comm: 'old', taskMemcg: '/batch/a', oomMemcg: '/batch/a', time: t0 + 1000 - 30_000, sequence: 110}),
			kill({pid: 7002, comm: 'recent', taskMemcg: '/batch/b', oomMemcg: '/batch/b', time: t0 + 1000 - 29_999, sequence: 111}),
		]);
		assert.deepEqual(detector.next(at(1)), []);
		assert.deepEqual(
			detector.next(at(2)).map((event) => event.victim?.comm),
			['recent'],
		);
	});

	test('reset forgets the previous model and the records: the next model is a first one', () => {
		const detector = new EventDetector();
		detector.next(at(0, {app1: {failcnt: 0}}));
		detector.addKernelKills([kill({pid: 7003, comm: 'dd', taskMemcg: '/batch/c', oomMemcg: '/batch/c', sequence: 120})]);
		detector.reset();
		assert.deepEqual(detector.next(at(1, {app1: {failcnt: 5}})), []);
		assert.deepEqual(detector.next(at(2, {app1: {failcnt: 5}})), []);
		assert.deepEqual(detector.next(at(3, {app1: {failcnt: 5}})), []);
	});
});

describe('EventDetector: kills told from the log alone', () => {
	test('a counter that catches up with kills told from the log alone tells nothing, one kill at a time', () => {
		const detector = new EventDetector();
		detector.next(at(0));
		detector.addKernelKills([kill({pid: 1234, sequence: 91, time: t0 + 500}), kill({pid: 1240, comm: 'sh', sequence: 92, time: t0 + 500})]);
		assert.deepEqual(detector.next(at(1)), []);
		assert.deepEqual(told(detector.next(at(2))), [
			['oom-kill', 'app1', 1, {pid: 1234, comm: 'node'}],
			['oom-kill', 'app1', 1, {pid: 1240, comm: 'sh'}],
		]);
		assert.deepEqual(detector.next(at(3, {app1: {oomKill: 1}})), []);
		assert.deepEqual(detector.next(at(4, {app1: {oomKill: 2}})), []);
		assert.deepEqual(detector.next(at(5, {app1: {oomKill: 2}})), []);
	});

	test('a kill told from the log alone in one container does not stand for a kill counted in another', () => {
		const detector = new EventDetector();
		detector.next(at(0));
		detector.addKernelKills([kill({pid: 1300, comm: 'sleep', taskMemcg: app2Cgroup, oomMemcg: app2Cgroup, sequence: 93, time: t0 + 500})]);
		assert.deepEqual(detector.next(at(1)), []);
		assert.deepEqual(told(detector.next(at(2))), [['oom-kill', 'app2', 1, {pid: 1300, comm: 'sleep'}]]);
		assert.deepEqual(told(detector.next(at(3, {app1: {oomKill: 1, processes: [sh]}}))), [['oom-kill', 'app1', 1, {pid: 1234, comm: 'node'}]]);
	});

	test('a kill told from the log alone in no cgroup stands for no counter\'s rise, not even a pod\'s at the root', () => {
		// One pod whose cgroup is / (podtop in a container with its own cgroup namespace).
		const rooted = (second: number, states: Parameters<typeof shopModel>[1] = {}) => {
			const model = at(second, states);
			return {...model, pods: model.pods.map((pod) => ({...pod, cgroup: '/'}))};
		};
		const detector = new EventDetector();
		detector.next(rooted(0));
		detector.addKernelKills([kill({pid: 9999, comm: 'java', taskMemcg: null, oomMemcg: null, constraint: null, sequence: 95, time: t0 + 500})]);
		assert.deepEqual(detector.next(rooted(1)), []);
		assert.deepEqual(detector.next(rooted(2)).map((event) => [event.cgroup, event.victim?.pid]), [['', 9999]]);
		const rise = [...detector.next(rooted(3, {pod: {oomKill: 1}})), ...detector.next(rooted(4, {pod: {oomKill: 1}}))];
		assert.deepEqual(rise.map((event) => [event.cgroup, event.delta]), [['/', 1]]);
	});

	test('a counter catching up kernelKillTtlMs after a kill was told from the log alone tells a new kill', () => {
		const caughtUp = (catchUpMs: number) => {
			const detector = new EventDetector({kernelKillTtlMs: 5000});
			detector.next(at(0));
			detector.addKernelKills([kill({pid: 1234, sequence: 94, time: t0 + 500})]);
			detector.next(at(1));
			assert.deepEqual(told(detector.next(at(2))), [['oom-kill', 'app1', 1, {pid: 1234, comm: 'node'}]]);
			// A model in between, then the counter.
			detector.next(shopModel(t0 + catchUpMs, {}));
			return told(detector.next(shopModel(t0 + catchUpMs + 1000, {app1: {oomKill: 1, processes: [sh]}})));
		};
		// Told at t0 + 2000: 4999 ms and 5000 ms later.
		assert.deepEqual(caughtUp(6999), []);
		assert.deepEqual(caughtUp(7000), [['oom-kill', 'app1', 1, {pid: 1234, comm: 'node'}]]);
	});
});

describe('EventDetector: victims named later, throttling spells', () => {
	test('a process still running on the host did not die: the kill held for its victim names one that is gone', () => {
		const detector = new EventDetector();
		detector.next(at(0));
		// Counted while both are listed.
		assert.deepEqual(detector.next(at(1, {app1: {oomKill: 1}})), []);
		// Then node is outside the container (a host process now) and sh is gone.
		const model = at(2, {app1: {oomKill: 1, processes: []}});
		const moved = {...model, hostProcesses: [...model.hostProcesses, makeProcess({pid: 1234, comm: 'node', rssBytes: 60 * MiB})]};
		assert.deepEqual(told(detector.next(moved)), [['oom-kill', 'app1', 1, {pid: 1240, comm: 'sh'}]]);
	});

	test('throttling seen again throttleQuietMs after the last rise is a new spell, even with no model between', () => {
		const detector = new EventDetector({throttleQuietMs: 3000});
		const throttled = (second: number, nrThrottled: number) => at(second, {app1: {nrThrottled}});
		detector.next(throttled(0, 5));
		assert.deepEqual(told(detector.next(throttled(1, 9))), [['cpu-throttled', 'app1', 4, null]]);
		// A slow refresh: the next model 3 s later.
		assert.deepEqual(told(detector.next(throttled(4, 12))), [['cpu-throttled', 'app1', 3, null]]);
		assert.deepEqual(detector.next(throttled(6.9, 15)), [], 'less than 3 s: the same spell');
	});
});
