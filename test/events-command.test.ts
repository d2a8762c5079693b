import assert from 'node:assert/strict';
import {PassThrough, Writable} from 'node:stream';
import {describe, test} from 'node:test';
import {runEventsCommand} from '../source/events-command.js';
import {eventToJson, formatEventText} from '../source/output/event-lines.js';
import type {PodtopEvent} from '../source/model/events.js';
import {collectNdjson, type JsonEvent, runPodtop} from './helpers/podtop.js';
import {waitFor} from './helpers/processes.js';
import {FixtureTree, v2MemoryFiles} from './helpers/fixture-tree.js';

const kill: PodtopEvent = {
	time: Date.parse('2025-11-23T16:00:00.250Z'),
	kind: 'oom-kill',
	cgroup: '/podtop-x/app1',
	podId: '/podtop-x',
	podName: 'podtop-x',
	containerId: '/podtop-x/app1',
	containerName: 'app1',
	delta: 1,
	value: 1,
	victim: {pid: 1234, comm: 'no\u001b[2Jde'},
};

describe('podtop events output', () => {
	test('text: time kind pod/container delta victim, control characters escaped', () => {
		assert.equal(formatEventText(kill), '2025-11-23T16:00:00.250Z oom-kill podtop-x/app1 +1 value=1 victim=1234(no\\x1b[2Jde) limit=unknown cgroup=/podtop-x/app1');
		assert.equal(
			formatEventText({...kill, limit: {cgroup: '/podtop-x', level: 'pod', bytes: 256 * 1024 * 1024}, group: '/podtop-x/app1'}),
			'2025-11-23T16:00:00.250Z oom-kill podtop-x/app1 +1 value=1 victim=1234(no\\x1b[2Jde) limit=pod:/podtop-x:256M group=/podtop-x/app1 cgroup=/podtop-x/app1',
		);
		assert.match(formatEventText({...kill, limit: {cgroup: null, level: 'node', bytes: null}}), / limit=node:-:\? /);
		assert.equal(
			formatEventText({...kill, kind: 'memory.max', containerId: null, containerName: null, cgroup: '/podtop-x', delta: 7, value: 9, victim: undefined}),
			'2025-11-23T16:00:00.250Z memory.max podtop-x/(pod) +7 value=9 cgroup=/podtop-x',
		);
		assert.match(formatEventText({...kill, victim: null}), / victim=unknown /);
		const notLogged = {...kill, cgroup: '', podId: '', podName: '', containerId: null, containerName: null};
		assert.equal(formatEventText(notLogged), '2025-11-23T16:00:00.250Z oom-kill - +1 value=1 victim=1234(no\\x1b[2Jde) limit=unknown cgroup=-', 'a kill logged without its cgroup');
	});

	test('json: the event fields, victim only on oom-kill (null when unknown)', () => {
		assert.deepEqual(JSON.parse(JSON.stringify(eventToJson({...kill, victim: null}))).victim, null);
		assert.equal('victim' in JSON.parse(JSON.stringify(eventToJson({...kill, kind: 'limit-hit', victim: undefined}))), false);
		assert.deepEqual(JSON.parse(JSON.stringify(eventToJson(kill))).victim, {pid: 1234, comm: 'no\u001b[2Jde'});
		assert.equal(JSON.parse(JSON.stringify(eventToJson(kill))).limit, null, 'limit null when unknown');
		const limit = {cgroup: '/podtop-x', level: 'pod', bytes: 268_435_456};
		assert.deepEqual(JSON.parse(JSON.stringify(eventToJson({...kill, limit: {...limit, level: 'pod'}}))).limit, limit);
		const notLogged = eventToJson({...kill, cgroup: '', podId: '', podName: '', containerId: null, containerName: null});
		assert.deepEqual([notLogged.cgroup, notLogged.podId, notLogged.podName], [null, null, null], 'a kill logged without its cgroup: no cgroup, no pod');
	});

	test('bad flags and a bad --proc exit 2 with one line', async () => {
		const short = await runPodtop(['events', '--interval', '5']);
		assert.equal(short.code, 2);
		assert.match(short.stderr, /^podtop: --interval must be between 100 and 3600000 ms, not 5\n$/);
		const noProc = await runPodtop(['events', '--proc', '/nonexistent']);
		assert.equal(noProc.code, 2);
		assert.match(noProc.stderr, /^podtop: \/nonexistent is not a procfs/);
		const extra = await runPodtop(['events', 'more']);
		assert.equal(extra.code, 2);
	});
});

const MiB = 1024 * 1024;

test('a limit hit right after the status line is told: the line waits for the first reading of the counters', async (t) => {
	const tree = new FixtureTree();
	t.after(() => tree.remove());
	const pod = tree.v2KubepodsNode('0a0a0a0a-0000-4000-8000-000000000007');
	const app = `${pod}/${'d'.repeat(64)}`;
	tree.cgroupFiles(pod, v2MemoryFiles(40 * MiB, 512 * MiB));
	tree.cgroupFiles(app, v2MemoryFiles(40 * MiB, 64 * MiB));
	tree.addProcess({pid: 200, comm: 'node', cmdline: ['node'], cgroup: `0::${app}\n`, namespaces: {net: 4026532100, ipc: 4026532101, uts: 4026532102, pid: 4026532103, mnt: 4026532104}});
	const limitHits = (count: number) => `low 0\nhigh 0\nmax ${count}\noom 0\noom_kill 0\noom_group_kill 0\n`;
	for (const cgroup of [pod, app]) tree.cgroupFiles(cgroup, {'memory.events': limitHits(0)});

	// The kernel counts three hits of the container's limit the moment podtop says it watches.
	const statusLines: string[] = [];
	const status = new Writable({
		write(chunk: Buffer, _encoding, done) {
			statusLines.push(chunk.toString());
			tree.chargeCpu(app, 1000);
			for (const cgroup of [pod, app]) tree.cgroupFiles(cgroup, {'memory.events': limitHits(3)});
			done();
		},
	});
	const output = new PassThrough();
	const events = collectNdjson<JsonEvent>(output);
	let stop!: () => void;
	const stopSignal = new Promise<void>((resolve) => (stop = resolve));
	const finished = runEventsCommand({json: true, intervalMs: 50, procRoot: tree.proc, cgroupRoot: tree.cgroup, kmsgPath: '/nonexistent/kmsg', output, status, stopSignal});
	t.after(async () => {
		stop();
		await finished;
	});

	const hit = await waitFor(() => events.find((event) => event.kind === 'memory.max'), 30_000, 'the memory.max event');
	assert.equal(statusLines.length, 1);
	assert.match(statusLines[0], /^podtop events: every 50 ms, watching v2 memory\.events\/pids\.events, kernel log unreadable/);
	assert.equal(hit.cgroup, app);
	assert.equal(hit.delta, 3);
	assert.deepEqual(
		events.map((event) => [event.kind, event.cgroup, event.delta]),
		[['memory.max', app, 3]],
		'the pod counts its container\'s hits and tells none of its own',
	);
});
