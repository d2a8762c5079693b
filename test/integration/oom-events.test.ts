import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {PassThrough} from 'node:stream';
import {test} from 'node:test';
import {eventToJson, runEventsCommand} from '../../source/events-command.js';
import {cliPath} from '../helpers/podtop.js';
import {isRunning, stopChild, waitFor} from '../helpers/processes.js';
import {createUnsharePod, MiB, requireRigs, startMemoryClimber, withRig} from '../helpers/rigs.js';

type JsonEvent = ReturnType<typeof eventToJson>;

/** `podtop events --json` as a child process, its NDJSON parsed as it comes. */
function startPodtopEvents(args: readonly string[]): {child: ChildProcess; events: JsonEvent[]; stderr: () => string} {
	const child = spawn(process.execPath, [cliPath, 'events', '--json', ...args], {stdio: ['ignore', 'pipe', 'pipe']});
	const events: JsonEvent[] = [];
	let buffered = '';
	let stderr = '';
	child.stdout!.on('data', (chunk: Buffer) => {
		buffered += chunk.toString();
		const lines = buffered.split('\n');
		buffered = lines.pop() ?? '';
		for (const line of lines) if (line) events.push(JSON.parse(line) as JsonEvent);
	});
	child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	return {child, events, stderr: () => stderr};
}

test('podtop events on a real v1 pod: the climb to 64 MiB gives limit-hit, then the oom-kill with its victim', {timeout: 60_000}, async (t) => {
	if (!requireRigs(t, 'unshare', 'climber')) return;
	const rig = await withRig(t, () => createUnsharePod());
	const app1 = rig.apps[0];
	assert.equal(app1.memoryLimitBytes, 64 * MiB);

	const podtop = startPodtopEvents(['--interval', '250']);
	t.after(() => stopChild(podtop.child));
	await waitFor(() => podtop.stderr().includes('\n') || !isRunning(podtop.child), 10_000, 'podtop events to start');
	assert.ok(isRunning(podtop.child), `podtop events exited: ${podtop.stderr()}`);
	const kernelLogReadable = podtop.stderr().includes('victims from the kernel log');

	const climber = await withRig(t, () => startMemoryClimber(app1, {stepMiB: 8, everyMs: 300}));
	const status = await Promise.race([climber.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 30_000))]);
	assert.deepEqual(status, {code: null, signal: 'SIGKILL'}, 'the climber is OOM-killed');

	const ours = () => podtop.events.filter((event) => event.podId === rig.cgroup);
	const oomKill = await waitFor(() => ours().find((event) => event.kind === 'oom-kill'), 5000, 'the oom-kill event').catch((error: unknown) => {
		throw new Error(`${String(error)}; the events: ${JSON.stringify(podtop.events)}`);
	});
	const limitHit = ours().find((event) => event.kind === 'limit-hit');

	const app1Cgroup = `${rig.cgroup}/app1`;
	assert.ok(limitHit, `a limit-hit (failcnt) event; got ${JSON.stringify(ours())}`);
	assert.equal(limitHit.containerName, 'app1');
	assert.equal(limitHit.containerId, app1Cgroup);
	assert.equal(limitHit.cgroup, app1Cgroup);
	assert.equal(limitHit.podName, rig.cgroup.slice(1));
	assert.ok(limitHit.delta > 0 && limitHit.value !== null && limitHit.value >= limitHit.delta);
	assert.ok(limitHit.time <= oomKill.time, 'the limit is hit before (or in the same refresh as) the kill');

	assert.equal(oomKill.containerName, 'app1');
	assert.equal(oomKill.containerId, app1Cgroup);
	assert.equal(oomKill.cgroup, app1Cgroup);
	assert.equal(oomKill.delta, 1);
	assert.equal(oomKill.value, 1);
	assert.deepEqual(oomKill.victim, {pid: climber.pid, comm: climber.comm}, kernelLogReadable ? 'named by the kernel log' : 'the process that vanished');

	// Nothing reported for the other containers of the pod, and the kill only once.
	assert.deepEqual(ours().filter((event) => event.containerName !== 'app1'), []);
	assert.equal(ours().filter((event) => event.kind === 'oom-kill').length, 1);

	// SIGINT: podtop events closes everything and exits 0.
	const exited = once(podtop.child, 'exit');
	podtop.child.kill('SIGINT');
	const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
	assert.deepEqual({code, signal}, {code: 0, signal: null}, podtop.stderr());
});

test('the same without the kernel log (in process): the vanished process is named the victim', {timeout: 60_000}, async (t) => {
	if (!requireRigs(t, 'unshare', 'climber')) return;
	const rig = await withRig(t, () => createUnsharePod({apps: [{name: 'app1', memoryLimitBytes: 64 * MiB}]}));
	const output = new PassThrough();
	const events: JsonEvent[] = [];
	let buffered = '';
	output.on('data', (chunk: Buffer) => {
		buffered += chunk.toString();
		const lines = buffered.split('\n');
		buffered = lines.pop() ?? '';
		for (const line of lines) if (line) events.push(JSON.parse(line) as JsonEvent);
	});
	let stop!: () => void;
	const stopSignal = new Promise<void>((resolve) => (stop = resolve));
	const status = new PassThrough();
	let statusText = '';
	status.on('data', (chunk: Buffer) => (statusText += chunk.toString()));
	const finished = runEventsCommand({json: true, intervalMs: 250, procRoot: '/proc', cgroupRoot: null, kmsgPath: '/nonexistent/kmsg', output, status, stopSignal});
	t.after(async () => {
		stop();
		await finished;
	});
	assert.match(statusText, /kernel log unreadable/);
	const climber = await withRig(t, () => startMemoryClimber(rig.apps[0]));
	assert.deepEqual(await climber.exited, {code: null, signal: 'SIGKILL'});
	const ours = () => events.filter((event) => event.podId === rig.cgroup);
	const oomKill = await waitFor(() => ours().find((event) => event.kind === 'oom-kill'), 5000, 'the oom-kill event').catch((error: unknown) => {
		throw new Error(`${String(error)}; the events: ${JSON.stringify(events)}`);
	});
	assert.equal(oomKill.containerName, 'app1');
	assert.deepEqual(oomKill.victim, {pid: climber.pid, comm: climber.comm});
	assert.ok(ours().some((event) => event.kind === 'limit-hit' && event.containerName === 'app1'));
	stop();
	assert.equal(await finished, 0);
});
