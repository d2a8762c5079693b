import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import fs from 'node:fs';
import {PassThrough} from 'node:stream';
import {test, type TestContext} from 'node:test';
import {runEventsCommand} from '../../source/events-command.js';
import {cliPath, collectNdjson, type JsonEvent, runPodtop, startPodtopEvents} from '../helpers/podtop.js';
import {isRunning, stopChild, waitFor} from '../helpers/processes.js';
import {createUnsharePod, type MemoryClimber, MiB, requireRigs, startMemoryClimber, withRig} from '../helpers/rigs.js';
import {isRoot, requireOrSkip} from '../helpers/require.js';
import {cgroupProcsFiles, createCgroup, spawnInCgroups} from '../helpers/cgroups.js';

test('podtop events on a real v1 pod: the climb to 64 MiB gives limit-hit, then the oom-kill with its victim', {timeout: 120_000}, async (t) => {
	if (!requireRigs(t, 'unshare', 'climber')) return;
	const rig = await withRig(t, () => createUnsharePod());
	const app1 = rig.apps[0];
	assert.equal(app1.memoryLimitBytes, 64 * MiB);

	const podtop = startPodtopEvents(['--interval', '250']);
	t.after(() => stopChild(podtop.child));
	await waitFor(() => podtop.stderr().includes('\n') || !isRunning(podtop.child), 30_000, 'podtop events to start');
	assert.ok(isRunning(podtop.child), `podtop events exited: ${podtop.stderr()}`);
	const kernelLogReadable = podtop.stderr().includes('victims from the kernel log');

	const climber = await withRig(t, () => startMemoryClimber(app1, {stepMiB: 8, everyMs: 300}));
	const status = await Promise.race([climber.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 30_000))]);
	assert.deepEqual(status, {code: null, signal: 'SIGKILL'}, 'the climber is OOM-killed');

	const ours = () => podtop.events.filter((event) => event.podId === rig.cgroup);
	const oomKill = await waitFor(() => ours().find((event) => event.kind === 'oom-kill'), 30_000, 'the oom-kill event').catch((error: unknown) => {
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

test('the same without the kernel log (in process): the vanished process is named the victim', {timeout: 120_000}, async (t) => {
	if (!requireRigs(t, 'unshare', 'climber')) return;
	const rig = await withRig(t, () => createUnsharePod({apps: [{name: 'app1', memoryLimitBytes: 64 * MiB}]}));
	const output = new PassThrough();
	const events = collectNdjson<JsonEvent>(output);
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
	const oomKill = await waitFor(() => ours().find((event) => event.kind === 'oom-kill'), 30_000, 'the oom-kill event').catch((error: unknown) => {
		throw new Error(`${String(error)}; the events: ${JSON.stringify(events)}`);
	});
	assert.equal(oomKill.containerName, 'app1');
	assert.deepEqual(oomKill.victim, {pid: climber.pid, comm: climber.comm});
	assert.ok(ours().some((event) => event.kind === 'limit-hit' && event.containerName === 'app1'));
	stop();
	assert.equal(await finished, 0);
});

/** Waits for podtop events' first status line and tells whether it reads the kernel log. */
async function startedReadingKernelLog(podtop: ReturnType<typeof startPodtopEvents>): Promise<boolean> {
	await waitFor(() => podtop.stderr().includes('\n') || !isRunning(podtop.child), 30_000, 'podtop events to start');
	assert.ok(isRunning(podtop.child), `podtop events exited: ${podtop.stderr()}`);
	return podtop.stderr().includes('victims from the kernel log');
}

test('a kill by the pod cgroup\'s limit of a process in an unlimited container: one oom-kill, the pod\'s limit named', {timeout: 120_000}, async (t) => {
	if (!requireRigs(t, 'unshare', 'climber')) return;
	if (!requireOrSkip(t, isRoot && fs.existsSync('/dev/kmsg'), 'needs root to read /dev/kmsg (the kernel names the limit)')) return;
	const rig = await withRig(t, () => createUnsharePod({apps: [{name: 'app1', memoryLimitBytes: null}], podMemoryLimitBytes: 64 * MiB}));
	const podtop = startPodtopEvents(['--interval', '250']);
	t.after(() => stopChild(podtop.child));
	assert.equal(await startedReadingKernelLog(podtop), true);

	// One 96 MiB chunk: killed within moments, often between two refreshes (never seen by a scan).
	const climber = await withRig(t, () => startMemoryClimber(rig.apps[0], {stepMiB: 96, everyMs: 100}));
	assert.deepEqual(await climber.exited, {code: null, signal: 'SIGKILL'}, 'the allocation is OOM-killed');
	const ours = () => podtop.events.filter((event) => event.podId === rig.cgroup);
	const oomKill = await waitFor(() => ours().find((event) => event.kind === 'oom-kill'), 30_000, 'the oom-kill event').catch((error: unknown) => {
		throw new Error(`${String(error)}; the events: ${JSON.stringify(podtop.events)}`);
	});
	assert.deepEqual(oomKill.victim, {pid: climber.pid, comm: climber.comm});
	assert.deepEqual(oomKill.limit, {cgroup: rig.cgroup, level: 'pod', bytes: 64 * MiB});
	assert.equal(oomKill.cgroup, `${rig.cgroup}/app1`);
	assert.equal(oomKill.group, null);

	// A cgroup whose only process is the victim, killed before any refresh could see it: only the kernel log tells.
	const job = `${rig.cgroup}/job`;
	await createCgroup(job);
	const dd = spawnInCgroups(cgroupProcsFiles(job), ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=96M', 'count=1']);
	const ddPid = dd.pid;
	const [, ddSignal] = (await once(dd, 'exit')) as [number | null, NodeJS.Signals | null];
	assert.equal(ddSignal, 'SIGKILL');
	const jobKill = await waitFor(() => ours().find((event) => event.kind === 'oom-kill' && event.cgroup === job), 30_000, 'the job\'s oom-kill').catch((error: unknown) => {
		throw new Error(`${String(error)}; the events: ${JSON.stringify(podtop.events)}`);
	});
	assert.deepEqual(jobKill.victim, {pid: ddPid, comm: 'dd'});
	assert.deepEqual(jobKill.limit, {cgroup: rig.cgroup, level: 'pod', bytes: 64 * MiB});
	assert.equal(jobKill.podName, rig.cgroup.slice(1));

	// The kills are not reported again when a counter catches up: wait for several more refreshes' worth of output.
	const limitHits = () => ours().filter((event) => event.kind === 'limit-hit').length;
	const hitsNow = limitHits();
	const again = spawnInCgroups(cgroupProcsFiles(`${rig.cgroup}/app1`), ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=32M', 'count=4']);
	await once(again, 'exit');
	await waitFor(() => (limitHits() > hitsNow ? true : undefined), 10_000, 'a later limit-hit').catch(() => undefined);
	assert.equal(ours().filter((event) => event.kind === 'oom-kill').length, 2, JSON.stringify(ours()));
});

test('a container killed at its own limit: the container\'s limit named, with its bytes', {timeout: 120_000}, async (t) => {
	if (!requireRigs(t, 'unshare', 'climber')) return;
	if (!requireOrSkip(t, isRoot && fs.existsSync('/dev/kmsg'), 'needs root to read /dev/kmsg (the kernel names the limit)')) return;
	const rig = await withRig(t, () => createUnsharePod({apps: [{name: 'app1', memoryLimitBytes: 48 * MiB}], podMemoryLimitBytes: 256 * MiB}));
	const podtop = startPodtopEvents(['--interval', '250']);
	t.after(() => stopChild(podtop.child));
	assert.equal(await startedReadingKernelLog(podtop), true);
	const climber = await withRig(t, () => startMemoryClimber(rig.apps[0], {stepMiB: 8, everyMs: 200}));
	assert.deepEqual(await climber.exited, {code: null, signal: 'SIGKILL'});
	const ours = () => podtop.events.filter((event) => event.podId === rig.cgroup);
	const oomKill = await waitFor(() => ours().find((event) => event.kind === 'oom-kill'), 30_000, 'the oom-kill event').catch((error: unknown) => {
		throw new Error(`${String(error)}; the events: ${JSON.stringify(podtop.events)}`);
	});
	assert.equal(oomKill.containerName, 'app1');
	assert.deepEqual(oomKill.victim, {pid: climber.pid, comm: climber.comm});
	assert.deepEqual(oomKill.limit, {cgroup: `${rig.cgroup}/app1`, level: 'container', bytes: 48 * MiB});
});

test('not root: the kernel log unreadable, the kills from before start are the cgroups\' counters, never a crash', {timeout: 120_000}, async (t) => {
	if (!requireOrSkip(t, isRoot && fs.readFileSync('/proc/sys/kernel/dmesg_restrict', 'utf8').trim() === '1', 'needs root to drop to nobody, and dmesg_restrict=1')) return;
	const asNobody = ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cliPath];
	const run = (args: readonly string[]) => new Promise<{code: number | null; stdout: string; stderr: string}>((resolve) => {
		const child = spawn('setpriv', [...asNobody, ...args], {stdio: ['ignore', 'pipe', 'pipe'], cwd: '/'});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.once('exit', (code) => resolve({code, stdout, stderr}));
	});
	const json = await run(['--once', '--json']);
	assert.equal(json.code, 0, json.stderr);
	const document = JSON.parse(json.stdout) as {pastEvents: Array<{counted?: boolean; victim: unknown; limit: unknown}>; kernelLog: {readable: boolean; unavailableReason: string | null}};
	assert.ok(Array.isArray(document.pastEvents));
	assert.ok(document.pastEvents.every((event) => event.counted === true && event.victim === null && event.limit === null), 'counted: no victim nor limit claimed');
	assert.equal(document.kernelLog.readable, false);
	assert.match(document.kernelLog.unavailableReason ?? '', /^(EPERM|EACCES)$/);
	const text = await run(['--once']);
	assert.equal(text.code, 0, text.stderr);
	assert.match(text.stdout, /^OOM kills before start: \d+ by the cgroups' counters, when and whom unknown \(kernel log unreadable: (EPERM|EACCES)\)$/m);

	const child = spawn('setpriv', [...asNobody, 'events', '--since-boot', '--json', '--interval', '250'], {stdio: ['ignore', 'pipe', 'pipe'], cwd: '/'});
	t.after(() => stopChild(child));
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	await waitFor(() => stderr.includes('\n') || !isRunning(child), 30_000, 'podtop events to start');
	assert.match(stderr, /kernel log unreadable \((EPERM|EACCES)\).*OOM kills before start from the cgroups' counters \(when and whom unknown\)/);
	assert.ok(isRunning(child), stderr);
	const exited = once(child, 'exit');
	child.kill('SIGINT');
	const [code] = (await exited) as [number | null];
	assert.equal(code, 0, stderr);
});

/**
 * 24 climbers in one container, all started before any grows (one killed while starting would be no climber),
 * then let go at once: a burst of OOM kills.
 */
async function startBurst(t: TestContext, container: {pid: number}): Promise<MemoryClimber[]> {
	const climbers = await Promise.all(Array.from({length: 24}, () => withRig(t, () => startMemoryClimber(container, {stepMiB: 8, everyMs: 50, holdAtBytes: 0}))));
	for (const climber of climbers) climber.release();
	return climbers;
}

test('a burst of kills before start, most logged without their cgroup: each placed in its container, counted once', {timeout: 180_000}, async (t) => {
	if (!requireRigs(t, 'unshare', 'climber')) return;
	if (!requireOrSkip(t, isRoot && fs.existsSync('/dev/kmsg'), 'needs root to read /dev/kmsg')) return;
	const rig = await withRig(t, () => createUnsharePod({apps: [{name: 'app1', memoryLimitBytes: 64 * MiB}]}));
	const app1 = rig.apps[0];
	// More kills than the kernel reports with their cgroup in one 5-s window (10): the others' records name none.
	const climbers = await startBurst(t, app1);
	const statuses = await Promise.all(climbers.map((climber) => climber.exited));
	assert.deepEqual(new Set(statuses.map((status) => status.signal)), new Set(['SIGKILL']), 'every climber OOM-killed');
	const counter = Number(/^oom_kill (\d+)$/m.exec(fs.readFileSync(`/sys/fs/cgroup/memory${app1.cgroup}/memory.oom_control`, 'utf8'))?.[1]);
	assert.ok(counter >= climbers.length, `the container's oom_kill counter ${counter}`);

	const run = await runPodtop(['--once', '--json'], {timeoutMs: 60_000});
	assert.equal(run.code, 0, run.stderr);
	const {pastEvents} = JSON.parse(run.stdout) as {pastEvents: JsonEvent[] | null};
	assert.ok(pastEvents, 'the kernel log read as root');
	const pids = new Set(climbers.map((climber) => climber.pid));
	const ours = pastEvents.filter((event) => event.victim && pids.has(event.victim.pid));
	assert.deepEqual(ours.filter((event) => event.cgroup !== app1.cgroup), [], 'no kill of the burst outside the container, none "cgroup not logged"');
	assert.ok(ours.every((event) => event.containerName === 'app1' && event.podName === rig.cgroup.slice(1)));
	// Told once each: the records the log still holds, and what the counter holds beyond them (the ring may wrap).
	const inContainer = pastEvents.filter((event) => event.cgroup === app1.cgroup);
	assert.equal(inContainer.reduce((sum, event) => sum + event.delta, 0), counter, JSON.stringify(inContainer));
	const withoutLimit = ours.filter((event) => event.limit?.level === 'unknown');
	if (withoutLimit.length === 0) {
		// The kernel named every one only if the kills were spread out over its windows.
		const times = ours.map((event) => event.time);
		assert.ok(Math.max(...times) - Math.min(...times) >= 5000 * (Math.ceil(ours.length / 10) - 1), `${ours.length} kills, all named, within ${Math.max(...times) - Math.min(...times)} ms`);
	}
	t.diagnostic(`${ours.length} kills in the log, ${withoutLimit.length} without their cgroup, counter ${counter}`);
	// The kernel's report window passes before the next test's kill, which wants its cgroup named.
	await new Promise((resolve) => setTimeout(resolve, 5500));
});

test('a burst of kills live, most logged without their cgroup: podtop events tells each once, in its container', {timeout: 180_000}, async (t) => {
	if (!requireRigs(t, 'unshare', 'climber')) return;
	if (!requireOrSkip(t, isRoot && fs.existsSync('/dev/kmsg'), 'needs root to read /dev/kmsg')) return;
	const rig = await withRig(t, () => createUnsharePod({apps: [{name: 'app1', memoryLimitBytes: 64 * MiB}, {name: 'app2', memoryLimitBytes: 64 * MiB}]}));
	const [app1, app2] = rig.apps;
	const podtop = startPodtopEvents(['--interval', '250']);
	t.after(() => stopChild(podtop.child));
	assert.equal(await startedReadingKernelLog(podtop), true);
	const climbers = await startBurst(t, app1);
	await Promise.all(climbers.map((climber) => climber.exited));
	const counter = Number(/^oom_kill (\d+)$/m.exec(fs.readFileSync(`/sys/fs/cgroup/memory${app1.cgroup}/memory.oom_control`, 'utf8'))?.[1]);
	assert.ok(counter >= climbers.length, `the container's oom_kill counter ${counter}`);
	// Then one kill in the other container, once the kernel's report window has passed: when it is told, every
	// record of the burst has been read and matched.
	await new Promise((resolve) => setTimeout(resolve, 5500));
	const marker = await withRig(t, () => startMemoryClimber(app2, {stepMiB: 8, everyMs: 50}));
	await marker.exited;
	const kills = () => podtop.events.filter((event) => event.kind === 'oom-kill');
	await waitFor(() => kills().some((event) => event.cgroup === app2.cgroup), 30_000, 'the kill in app2').catch((error: unknown) => {
		throw new Error(`${String(error)}: ${JSON.stringify(kills())}`);
	});
	const inApp1 = kills().filter((event) => event.cgroup === app1.cgroup);
	assert.equal(inApp1.reduce((sum, event) => sum + event.delta, 0), counter, `told once each: ${JSON.stringify(kills())}`);
	const pids = new Set(climbers.map((climber) => climber.pid));
	assert.deepEqual(kills().filter((event) => event.victim && pids.has(event.victim.pid) && event.cgroup !== app1.cgroup), [], 'no victim of the burst placed elsewhere');
	assert.deepEqual(kills().filter((event) => event.cgroup !== app1.cgroup && event.cgroup !== app2.cgroup), [], 'nothing told outside the pod');
	t.diagnostic(`${counter} kills in ${inApp1.length} events`);
	await new Promise((resolve) => setTimeout(resolve, 5500));
});
