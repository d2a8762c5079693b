/**
 * `podtop events` on real cgroup v2 (test/vm/harness.ts): one VM boot runs events-v2-rig.sh, which builds
 * a pod (infra, a container OOM-killed at memory.max, one going over memory.high), starts
 * `podtop events --json --interval 15000`, triggers both once podtop watches the containers' memory.events,
 * and stops podtop with SIGINT before its next periodic refresh could have run. So every event it printed
 * came from the memory.events watches: the tests check the events against the kernel and the rig's clock.
 */
import assert from 'node:assert/strict';
import {fileURLToPath} from 'node:url';
import {before, describe, test} from 'node:test';
import type {eventToJson} from '../../source/output/event-lines.js';
import type {PodtopJson} from '../helpers/podtop.js';
import {requireOrSkip} from '../helpers/require.js';
import {vmAvailable} from './harness.js';
import {between, ndjsonBetween, rigCounters, rigNumber, rigValues, runVmRig, type RigOutput} from './rig-run.js';

const available = vmAvailable();
const rigScript = fileURLToPath(new URL('events-v2-rig.sh', import.meta.url));
const intervalMs = 15_000;

const cg = {
	pod: '/podtop-events/pod',
	victim: '/podtop-events/pod/victim',
	highc: '/podtop-events/pod/highc',
} as const;

type EventLine = ReturnType<typeof eventToJson>;

type Rig = {
	set: Map<string, string>;
	/** memory.events of victim and highc at the end, by `${cgroup} ${key}`. */
	counters: Map<string, number>;
	status: string;
	events: EventLine[];
	json: PodtopJson;
	/** The rig's progress, seconds since boot, and the host's wall time for the whole VM run. */
	timeline: string[];
};

function parseRig({stdout, timeline}: RigOutput): Rig {
	return {
		set: rigValues(stdout),
		counters: rigCounters(stdout),
		status: between(stdout, 'status'),
		events: ndjsonBetween<EventLine>(stdout, 'events'),
		json: JSON.parse(between(stdout, 'podtop json')) as PodtopJson,
		timeline,
	};
}

async function runRig(): Promise<Rig> {
	return parseRig(await runVmRig(rigScript));
}

describe('podtop events on cgroup v2 (qemu VM)', {timeout: 200_000}, () => {
	let rig: Rig;
	const number = (name: string) => rigNumber(rig.set, name);
	const eventsOf = (kind: string, cgroup: string) => rig.events.filter((event) => event.kind === kind && event.cgroup === cgroup);

	before(async () => {
		if (!available.ok) return;
		rig = await runRig();
		process.stderr.write(rig.timeline.map((line) => `  ${line}\n`).join(''));
	});

	test('podtop events watches v2 memory.events, and exits 0 on SIGINT', (t) => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		assert.match(rig.status, /^podtop events: every 15000 ms, watching v2 memory\.events\/pids\.events, /);
		assert.equal(number('exit.events'), 0);
		assert.equal(number('exit.once'), 0);
	});

	test('reports the OOM kill and memory.max of the victim container, with its pod and container, none as the pod\'s own', (t) => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		const pods = rig.json.pods.filter((pod) => pod.cgroup === cg.pod);
		assert.equal(pods.length, 1, `pods: ${JSON.stringify(rig.json.pods.map((pod) => [pod.name, pod.cgroup]))}`);
		const [pod] = pods;
		const victim = pod.containers.find((container) => container.cgroup === cg.victim);
		assert.ok(victim, `no victim container in ${JSON.stringify(pod.containers.map((container) => container.cgroup))}`);

		const kills = eventsOf('oom-kill', cg.victim);
		assert.ok(kills.length >= 1, `no oom-kill for ${cg.victim}: ${JSON.stringify(rig.events)}`);
		const maxHits = eventsOf('memory.max', cg.victim);
		assert.ok(maxHits.length >= 1, `no memory.max for ${cg.victim}`);
		for (const event of [...kills, ...maxHits]) {
			assert.deepEqual(
				[event.podId, event.podName, event.containerId, event.containerName],
				[pod.id, pod.name, victim.id, 'victim'],
				JSON.stringify(event),
			);
			assert.ok(Number.isInteger(event.delta) && event.delta >= 1, `delta ${event.delta}`);
		}
		// One kill in the kernel: counted once between the container's events.
		const killed = kills.reduce((sum, event) => sum + event.delta, 0);
		assert.equal(killed, rig.counters.get(`${cg.victim} oom_kill`));
		assert.equal(killed, 1);
		// The pod has no limit of its own: whatever its memory.events counted came from its containers. Read
		// while the kernel still counts, the pod cgroup is read before its containers and a container ahead of
		// it is carried to the next read, so none of it may show up as the pod's own (least of all the kill).
		const podOwn = rig.events.filter((event) => event.containerId === null);
		assert.deepEqual(podOwn.filter((event) => event.kind === 'oom-kill'), [], 'no oom-kill on the pod\'s own cgroup');
		assert.deepEqual(podOwn.map((event) => `${event.kind}+${event.delta} ${event.cgroup}`), [], 'no event on the pod\'s own cgroup');
	});

	test('names the OOM-killed perl as the victim, from the kernel log when it is readable', (t) => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		const perl = number('pid.perl');
		const [kill] = eventsOf('oom-kill', cg.victim);
		assert.ok(kill, 'no oom-kill');
		const kmsgReadable = number('kmsg.readable') === 1;
		assert.equal(rig.status.includes('victims from the kernel log'), kmsgReadable, rig.status);
		if (kmsgReadable) assert.notEqual(kill.victim, null, 'the kernel log was readable, but the victim is unknown');
		if (kill.victim) assert.deepEqual(kill.victim, {pid: perl, comm: 'perl'});
	});

	test('reports highc going over memory.high', (t) => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		const highs = eventsOf('memory.high', cg.highc);
		assert.ok(highs.length >= 1, `no memory.high for ${cg.highc}`);
		const highc = rig.json.pods.flatMap((pod) => pod.containers).find((container) => container.cgroup === cg.highc);
		assert.ok(highc, 'no highc container');
		for (const event of highs) {
			assert.deepEqual([event.podId, event.containerId, event.containerName], [cg.pod, highc.id, 'highc'], JSON.stringify(event));
			assert.ok(event.delta >= 1, `delta ${event.delta}`);
		}
		assert.ok(highs.reduce((sum, event) => sum + event.delta, 0) <= rig.counters.get(`${cg.highc} high`)!);
		assert.deepEqual(eventsOf('oom-kill', cg.highc), []);
	});

	test('prints every event after the trigger and before its next periodic refresh', (t) => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		const trigger = number('time.trigger');
		// The rig last saw no status line at notBefore: podtop's first sample, and the interval timer set
		// up after it, came later. So its second refresh ran no earlier than notBefore + the interval.
		const nextRefresh = number('time.notBefore') + intervalMs;
		const interrupted = number('time.interrupted');
		assert.ok(interrupted < nextRefresh, `podtop was stopped ${interrupted - nextRefresh} ms after its next refresh could have run: the rig is too slow to tell`);
		assert.ok(rig.events.length > 0);
		for (const event of rig.events) {
			assert.ok(event.time > trigger, `${event.kind} ${event.cgroup} at ${event.time}, ${trigger - event.time} ms before the trigger`);
			assert.ok(event.time < nextRefresh, `${event.kind} ${event.cgroup} at ${event.time}, not before the next refresh at ${nextRefresh}`);
		}
	});
});
