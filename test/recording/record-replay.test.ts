import assert from 'node:assert/strict';
import {type ChildProcess, spawn, spawnSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {once} from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, test, type TestContext} from 'node:test';
import {Recording} from '../../source/recording/reader.js';
import {cliPath, podtopOnceJson, runPodtop, type PodtopJson} from '../helpers/podtop.js';
import {commandExists, isRunning, stopChild, waitFor} from '../helpers/processes.js';
import {isRoot, requireOrSkip} from '../helpers/require.js';
import {createUnsharePod, MiB, requireRigs, startMemoryClimber, withRig} from '../helpers/rigs.js';
import {envWithoutCi, hasTmux, TmuxTerminal} from '../helpers/tmux-terminal.js';

function tempDirectory(t: TestContext, mode = 0o700): string {
	const directory = fs.mkdtempSync(path.join(os.tmpdir(), `podtop-record-${randomBytes(3).toString('hex')}-`));
	fs.chmodSync(directory, mode);
	t.after(() => fs.rmSync(directory, {recursive: true, force: true}));
	return directory;
}

type Recorder = {child: ChildProcess; stderr: () => string};

function startRecorder(t: TestContext, args: readonly string[]): Recorder {
	const child = spawn(process.execPath, [cliPath, 'record', ...args], {stdio: ['ignore', 'ignore', 'pipe']});
	let stderr = '';
	child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	t.after(() => stopChild(child));
	return {child, stderr: () => stderr};
}

/** Waits until the recording in `directory` holds what `ready` asks for; the recording read then. */
async function recordingWhen(directory: string, ready: (recording: Recording) => boolean, what: string, recorder: Recorder): Promise<Recording> {
	return waitFor(() => {
		assert.ok(isRunning(recorder.child), `podtop record exited: ${recorder.stderr()}`);
		try {
			const recording = Recording.open(directory);
			return ready(recording) ? recording : null;
		} catch {
			return null;
		}
	}, 20_000, what);
}

async function stopRecorder(recorder: Recorder): Promise<void> {
	const exited = once(recorder.child, 'exit');
	recorder.child.kill('SIGINT');
	const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
	assert.deepEqual({code, signal}, {code: 0, signal: null}, recorder.stderr());
}

type JsonPod = PodtopJson['pods'][number];

/** What must be the same in the live output and the replay: the pod, its containers, their processes, limits and counters. */
function podFacts(pod: JsonPod) {
	const gaugeFacts = (gauges: Pick<JsonPod, 'memory' | 'cpu' | 'pids'>) => ({
		max: gauges.memory?.max,
		effectiveMax: gauges.memory?.effectiveMax,
		effectiveMaxCgroup: gauges.memory?.effectiveMaxCgroup,
		failcnt: gauges.memory?.failcnt,
		events: gauges.memory?.events,
		quotaCores: gauges.cpu?.quotaCores,
		nrThrottled: gauges.cpu?.nrThrottled,
		pids: gauges.pids,
	});
	return {
		id: pod.id,
		name: pod.name,
		cgroup: pod.cgroup,
		infra: pod.infra,
		shared: pod.shared,
		...gaugeFacts(pod),
		containers: pod.containers.map((container) => ({
			id: container.id,
			name: container.name,
			cgroup: container.cgroup,
			namespaces: container.namespaces,
			...gaugeFacts(container),
			processes: container.processes.map((process) => ({pid: process.pid, comm: process.comm, cmdline: process.cmdline, state: process.state})),
		})),
	};
}

describe('record and replay on a real pod', () => {
	test('a container climbing to its limit and OOM-killed: --at equals --once --json then, the frame before the kill is near the limit, in JSON and in the replay view', {timeout: 120_000}, async (t) => {
		if (!requireRigs(t, 'unshare', 'climber') || !requireOrSkip(t, hasTmux(), 'needs tmux')) return;
		const rig = await withRig(t, () => createUnsharePod());
		const app1 = rig.apps[0];
		const directory = tempDirectory(t);
		const recorder = startRecorder(t, ['--dir', directory, '--interval', '250']);
		const ours = (recording: Recording) => recording.events.filter(({event}) => event.podId === rig.cgroup);
		await recordingWhen(directory, (recording) => recording.samples.length >= 2, 'two samples recorded', recorder);

		const live = await podtopOnceJson();
		const livePod = live.pods.find((pod) => pod.id === rig.cgroup);
		assert.ok(livePod, 'the rig pod in --once --json');

		const climber = await withRig(t, () => startMemoryClimber(app1, {stepMiB: 4, everyMs: 300}));
		assert.deepEqual(await climber.exited, {code: null, signal: 'SIGKILL'}, 'the climber is OOM-killed');
		const recording = await recordingWhen(directory, (candidate) => ours(candidate).some(({event}) => event.kind === 'oom-kill'), 'the oom-kill recorded', recorder);
		await stopRecorder(recorder);

		// The moment --once --json printed, replayed: the same pod, containers, processes, limits and counters.
		const replayed = await runPodtop(['replay', '--dir', directory, '--once', '--json', '--at', live.time]);
		assert.equal(replayed.code, 0, replayed.stderr);
		assert.equal(replayed.stderr, '');
		const replay = JSON.parse(replayed.stdout) as PodtopJson;
		assert.ok(Date.parse(replay.time) <= Date.parse(live.time) && Date.parse(live.time) - Date.parse(replay.time) < 5000, `${replay.time} shown for ${live.time}`);
		const replayPod = replay.pods.find((pod) => pod.id === rig.cgroup);
		assert.ok(replayPod, 'the rig pod in the replay');
		assert.deepEqual(podFacts(replayPod), podFacts(livePod));
		assert.equal(replay.host.hostname, live.host.hostname);

		// The kill, with its victim and the limit that struck, and the frame before it.
		const kill = ours(recording).find(({event}) => event.kind === 'oom-kill')!;
		assert.equal(kill.event.containerName, 'app1');
		assert.deepEqual(kill.event.victim, {pid: climber.pid, comm: climber.comm});
		const before = recording.modelAt(kill.sample - 1);
		const app1Before = before.pods.find((pod) => pod.id === rig.cgroup)?.containers.find((container) => container.name === 'app1');
		assert.ok(app1Before, 'app1 in the frame before the kill');
		assert.equal(app1Before.gauges.memory.effectiveMax, 64 * MiB);
		assert.ok(app1Before.gauges.memory.usedFraction! >= 0.75, `app1 at ${app1Before.gauges.memory.current} bytes of ${64 * MiB} just before the kill`);
		assert.ok(app1Before.processes.some((process) => process.pid === climber.pid), 'the victim still there');

		// The same frame through the CLI, by an ISO time.
		const beforeKill = await runPodtop(['replay', '--dir', directory, '--once', '--json', '--at', new Date(before.time).toISOString()]);
		assert.equal(beforeKill.code, 0, beforeKill.stderr);
		const app1Json = (JSON.parse(beforeKill.stdout) as PodtopJson).pods.find((pod) => pod.id === rig.cgroup)!.containers.find((container) => container.name === 'app1')!;
		assert.equal(app1Json.memory.current, app1Before.gauges.memory.current);

		// Relative times: an hour ago is before this recording began.
		const early = await runPodtop(['replay', '--dir', directory, '--once', '--json', '--at', '-1h']);
		assert.equal(early.code, 2);
		assert.match(early.stderr, /^podtop: the recording starts at \S+, after \S+\n$/);
		assert.equal(early.stdout, '');

		// The replay view, from the moment --once --json printed, filtered to the rig's pod.
		const podName = rig.cgroup.slice(1);
		const whole = Recording.open(directory);
		const total = whole.samples.length;
		const start = whole.indexAt(Date.parse(live.time));
		const terminal = new TmuxTerminal(120, 30, [process.execPath, cliPath, 'replay', '--dir', directory, '--at', live.time], {env: envWithoutCi, recordExit: true});
		t.after(() => terminal.close());
		const position = (screen: string) => /REPLAY \S+ \S+ \S+ (\d+)\/(\d+)/.exec(screen.split('\n')[1] ?? '');
		await terminal.waitForScreen((screen) => position(screen)?.[1] === String(start + 1), `the replay at sample ${start + 1}`);
		terminal.type('/');
		terminal.typeText(podName);
		terminal.type('Enter');
		await terminal.waitForScreen((screen) => /^filter /.test(screen.trimEnd().split('\n').at(-1) ?? '') && screen.includes('app1'), 'the rig pod filtered');

		// Each ] lands on the next sample with an event (of any pod on this node), the kill among them.
		const eventSamples = [...new Set(whole.events.filter(({event, sample}) => event.kind !== 'cpu-throttled' && sample > start && sample <= kill.sample).map(({sample}) => sample))];
		assert.equal(eventSamples.at(-1), kill.sample);
		for (const sample of eventSamples) {
			terminal.type(']');
			await terminal.waitForScreen((screen) => position(screen)?.[1] === String(sample + 1), `] to sample ${sample + 1}`);
		}
		const atKill = terminal.rows()[1];
		assert.ok(atKill.includes(`${kill.sample + 1}/${total}`) && atKill.includes(`◆ oom-kill ${podName}/app1`), atKill);

		// One sample back: the frame before the kill, app1 near its limit.
		terminal.type(',');
		const beforeScreen = await terminal.waitForScreen((screen) => position(screen)?.[1] === String(kill.sample), 'the sample before the kill');
		const app1Row = /^\s*[▸▾]?\s*app1\b.*\s!?(\d+)%\s*$/m.exec(beforeScreen);
		assert.ok(app1Row, beforeScreen);
		assert.ok(Number(app1Row[1]) >= 75, app1Row[0]);
		assert.match(app1Row[0], /\/64M/);

		terminal.type('?');
		await terminal.waitForScreen((screen) => screen.includes('replay: previous / next event') && screen.includes('replay: jump to a time'), 'the replay keys in the help');
		terminal.type('?');
		// A typed time (ISO 8601) lands on the kill again; a minute back is the start of this short recording.
		terminal.type('t');
		await terminal.waitForScreen((screen) => screen.includes('REPLAY jump to: '), 'the time prompt');
		terminal.typeText(new Date(whole.samples[kill.sample].time).toISOString());
		terminal.type('Enter');
		await terminal.waitForScreen((screen) => position(screen)?.[1] === String(kill.sample + 1), 'the typed time');
		terminal.type('<');
		await terminal.waitForScreen((screen) => position(screen)?.[1] === String(Math.max(0, whole.indexAt(whole.samples[kill.sample].time - 60_000)) + 1), 'a minute back');
		terminal.type('q');
		assert.equal(await terminal.exitStatus(), 0);
	});
});

describe('replay of damaged or missing recordings', () => {
	test('kill -9 of the recorder: every whole sample replays; a frame cut mid-write is one warning, never a wrong frame', {timeout: 60_000}, async (t) => {
		const directory = tempDirectory(t);
		const recorder = startRecorder(t, ['--dir', directory, '--interval', '100']);
		await recordingWhen(directory, (recording) => recording.samples.length >= 5, 'five samples recorded', recorder);
		const exited = once(recorder.child, 'exit');
		recorder.child.kill('SIGKILL');
		await exited;

		const whole = Recording.open(directory);
		const last = whole.samples.length - 1;
		const clean = await runPodtop(['replay', '--dir', directory, '--once', '--json']);
		assert.equal(clean.code, 0, clean.stderr);
		assert.equal(clean.stderr, '');
		assert.equal((JSON.parse(clean.stdout) as PodtopJson).time, new Date(whole.samples[last].time).toISOString());

		// A kill between two writes is the likely case; the unlikely one, mid-frame, is made here.
		const file = path.join(directory, fs.readdirSync(directory).sort().at(-1)!);
		fs.truncateSync(file, whole.samples[last].offset + Math.floor(whole.samples[last].length / 2));
		const cut = await runPodtop(['replay', '--dir', directory, '--once', '--json']);
		assert.equal(cut.code, 0, cut.stderr);
		assert.match(cut.stderr, /^podtop: \S+: its last frame is incomplete \(being written, or the recorder was killed\): read up to sample \d+\n$/);
		assert.equal((JSON.parse(cut.stdout) as PodtopJson).time, new Date(whole.samples[last - 1].time).toISOString());
	});

	test('an empty directory, a missing one, only a byte-flipped file: a one-line message and exit 2', async (t) => {
		const directory = tempDirectory(t);
		const empty = await runPodtop(['replay', '--dir', directory, '--once', '--json']);
		assert.deepEqual({code: empty.code, stdout: empty.stdout}, {code: 2, stdout: ''});
		assert.match(empty.stderr, /^podtop: no readable recording in \S+\n$/);
		const missing = await runPodtop(['replay', '--dir', path.join(directory, 'nothing'), '--once']);
		assert.equal(missing.code, 2);
		assert.match(missing.stderr, /^podtop: no recording in \S+ \(no such directory\)\n$/);

		const recorder = startRecorder(t, ['--dir', directory, '--interval', '100']);
		await recordingWhen(directory, (recording) => recording.samples.length >= 1, 'a sample recorded', recorder);
		await stopRecorder(recorder);
		const badTime = await runPodtop(['replay', '--dir', directory, '--once', '--at', 'yesterday']);
		assert.equal(badTime.code, 2);
		assert.match(badTime.stderr, /^podtop: --at takes an ISO 8601 time/);
		const [file] = fs.readdirSync(directory);
		const data = fs.readFileSync(path.join(directory, file));
		data[40] ^= 0x01;
		fs.writeFileSync(path.join(directory, file), data);
		const flipped = await runPodtop(['replay', '--dir', directory, '--once', '--json']);
		assert.deepEqual({code: flipped.code, stdout: flipped.stdout}, {code: 2, stdout: ''});
		assert.match(flipped.stderr, /^podtop: \S+: corrupt at byte \d+: read up to its last good sample \(0 read\)\npodtop: no readable recording in \S+\n$/);

	});
});

describe('the live view with --record', () => {
	test('records what it shows while it runs, and refuses a directory open to others before it starts', {timeout: 60_000}, async (t) => {
		if (!requireOrSkip(t, hasTmux(), 'needs tmux')) return;
		const directory = path.join(tempDirectory(t), 'podtop');
		const terminal = new TmuxTerminal(100, 30, [process.execPath, cliPath, '--record', '--dir', directory, '--interval', '250'], {env: envWithoutCi, recordExit: true});
		t.after(() => terminal.close());
		await terminal.waitForScreen((screen) => /\d+ process/.test(screen), 'the live view');
		await waitFor(() => {
			try {
				return Recording.open(directory).samples.length >= 3;
			} catch {
				return false;
			}
		}, 20_000, 'three samples recorded');
		terminal.type('q');
		assert.equal(await terminal.exitStatus(), 0);
		const recording = Recording.open(directory);
		const replayed = await runPodtop(['replay', '--dir', directory, '--once', '--json']);
		assert.equal(replayed.code, 0, replayed.stderr);
		assert.equal((JSON.parse(replayed.stdout) as PodtopJson).time, new Date(recording.samples.at(-1)!.time).toISOString());

		const open = tempDirectory(t, 0o755);
		const refused = await runPodtop(['--record', '--dir', open]);
		assert.equal(refused.code, 2);
		assert.match(refused.stderr, /^podtop: --record records the live view; without a terminal, run podtop record\n$/);
		const wide = new TmuxTerminal(100, 30, [process.execPath, cliPath, '--record', '--dir', open], {env: envWithoutCi, recordExit: true});
		t.after(() => wide.close());
		assert.equal(await wide.exitStatus(), 2);
		assert.match(wide.raw().toString(), /podtop: \S+ is open to others \(mode 0755\): refused/);
		assert.deepEqual(fs.readdirSync(open), []);
	});
});

describe('who can read a recording', () => {
	const asNobody = ['--reuid=nobody', '--regid=nogroup', '--clear-groups'];

	/** The CLI where nobody can run it. */
	function readableCli(t: TestContext): string {
		const directory = tempDirectory(t, 0o755);
		const copy = path.join(directory, 'podtop.mjs');
		fs.copyFileSync(cliPath, copy);
		fs.chmodSync(copy, 0o644);
		return copy;
	}

	function asNobodyRun(args: readonly string[]) {
		return spawnSync('setpriv', [...asNobody, ...args], {encoding: 'utf8', cwd: os.tmpdir(), timeout: 30_000});
	}

	test('nobody cannot read root\'s recording, nor record into it, nor into a directory it cannot write', {timeout: 60_000}, async (t) => {
		if (!requireOrSkip(t, isRoot && commandExists('setpriv'), isRoot ? 'missing setpriv' : 'needs root to become nobody')) return;
		const cli = readableCli(t);
		const parent = tempDirectory(t, 0o755);
		const directory = path.join(parent, 'podtop');
		const recorder = startRecorder(t, ['--dir', directory, '--interval', '100']);
		await recordingWhen(directory, (recording) => recording.samples.length >= 1, 'a sample recorded', recorder);
		await stopRecorder(recorder);
		const [file] = fs.readdirSync(directory);
		assert.equal(fs.statSync(directory).mode & 0o777, 0o700);
		assert.equal(fs.statSync(path.join(directory, file)).mode & 0o777, 0o600);

		const cat = asNobodyRun(['cat', path.join(directory, file)]);
		assert.notEqual(cat.status, 0);
		assert.match(cat.stderr, /Permission denied/);
		const replay = asNobodyRun([process.execPath, cli, 'replay', '--dir', directory, '--once', '--json']);
		assert.deepEqual({status: replay.status, stdout: replay.stdout}, {status: 2, stdout: ''});
		assert.match(replay.stderr, /^podtop: cannot read \S+: EACCES\n$/);
		const intoRoots = asNobodyRun([process.execPath, cli, 'record', '--dir', directory]);
		assert.equal(intoRoots.status, 2);
		assert.match(intoRoots.stderr, /^podtop: \S+ belongs to uid 0, not to this user \(uid 65534\): refused, a recording holds command lines\n$/);

		const unwritable = path.join(parent, 'unwritable');
		fs.mkdirSync(unwritable, {mode: 0o500});
		fs.chmodSync(unwritable, 0o500);
		fs.chownSync(unwritable, 65_534, 65_534);
		const denied = asNobodyRun([process.execPath, cli, 'record', '--dir', unwritable]);
		assert.equal(denied.status, 2);
		assert.match(denied.stderr, /^podtop: cannot write to \S+: EACCES\n$/);
	});
});
