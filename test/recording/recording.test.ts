import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {Writable} from 'node:stream';
import {describe, test, type TestContext} from 'node:test';
import fc from 'fast-check';
import {Collector} from '../../source/collect/collector.js';
import {createMonitor, type Monitor} from '../../source/model/monitor.js';
import {parseRuntimeCgroupPath} from '../../source/model/runtime-path.js';
import type {PodtopEvent} from '../../source/model/events.js';
import type {PodModel} from '../../source/model/types.js';
import {RecordingError} from '../../source/recording/directory.js';
import {fileHeaderBytes, formatVersion, magic} from '../../source/recording/format.js';
import {parseMoment, parseDuration, parseSize} from '../../source/recording/parse-time.js';
import {applyPatch, diff, PatchError, type Json, type Patch} from '../../source/recording/patch.js';
import {Recording} from '../../source/recording/reader.js';
import {recordedModelAt} from '../../source/replay-command.js';
import {modelToJson} from '../../source/output/json.js';
import {recordedForm, RecordingWriter, type WriterOptions} from '../../source/recording/writer.js';

/** A temp directory of this test's own (0700, as mkdtemp makes it), removed after. */
function tempDirectory(t: TestContext): string {
	const directory = fs.mkdtempSync(path.join(os.tmpdir(), `podtop-record-${randomBytes(3).toString('hex')}-`));
	t.after(() => fs.rmSync(directory, {recursive: true, force: true}));
	return directory;
}

/** This machine's own /proc and cgroups, as the live view reads them. */
function openRealMonitor(): Monitor {
	return createMonitor(new Collector({procRoot: '/proc', cgroupRoot: null}), {identify: parseRuntimeCgroupPath});
}

function realMonitor(t: TestContext): Monitor {
	const monitor = openRealMonitor();
	t.after(() => monitor.close());
	return monitor;
}

function writer(directory: string, options: Partial<WriterOptions> = {}): RecordingWriter {
	return new RecordingWriter({
		directory,
		cmdlines: true,
		retainMs: 86_400_000,
		maxBytes: 512 * 1024 * 1024,
		meta: {hostname: 'test', intervalMs: 1000, podtopVersion: 'test'},
		...options,
	});
}

/** What a reader must give back: the model with its processes' ProcessRecord fields. */
const plain = (model: PodModel): unknown => recordedForm(model);

function segmentFiles(directory: string): string[] {
	return fs.readdirSync(directory).filter((name) => name.endsWith('.rec')).sort();
}

/** The models recordReal wrote, as they were. */
const models: PodModel[] = [];

/**
 * Records `count` real samples, a few ms apart so that processes' counters move. The monitor is closed
 * before returning: each keeps descriptors up to the open-file limit, so two at once on a busy node run out.
 */
async function recordReal(directory: string, count: number, options: Partial<WriterOptions> = {}): Promise<unknown[]> {
	const monitor = openRealMonitor();
	const recorder = writer(directory, options);
	const written: unknown[] = [];
	models.length = 0;
	try {
		for (let index = 0; index < count; index++) {
			const model = monitor.refresh();
			recorder.write(model, []);
			written.push(plain(model));
			models.push(structuredClone(model));
			await new Promise((resolve) => setTimeout(resolve, 5));
		}
	} finally {
		recorder.close();
		monitor.close();
	}
	return written;
}

describe('patches', () => {
	test('objects, keyed arrays (added, removed, reordered elements) and other arrays round-trip', () => {
		const before: Json = {a: 1, gone: true, list: [1, 2], pods: [{id: 'x', n: 1}, {id: 'y', n: 2}, {id: 'z', n: 3}], processes: [{pid: 1, c: 'a'}]};
		const after: Json = {a: 2, list: [1, 2, 3], pods: [{id: 'z', n: 3}, {id: 'x', n: 5}, {id: 'w', n: 0}], processes: [{pid: 1, c: 'a'}], added: null};
		const patch = diff(before, after);
		assert.ok(patch);
		assert.deepEqual(applyPatch(before, patch), after);
		assert.equal(diff(after, structuredClone(after)), null, 'equal values need no patch');
		assert.deepEqual(before.pods, [{id: 'x', n: 1}, {id: 'y', n: 2}, {id: 'z', n: 3}], 'the value patched is left as it was');
	});

	test('a fork and an exit among many processes: the keys removed and inserted, and the child as its parent patched', () => {
		const cgroups = {memory: '/kubepods/burstable/pod1/abc', cpu: '/kubepods/burstable/pod1/abc'};
		const process = (pid: number, ppid: number, comm: string): Json => ({pid, ppid, comm, cmdline: `${comm} --serve`, cgroups, namespaces: {net: 4026532000, mnt: 4026532001}, rssBytes: pid * 4096});
		const processes = Array.from({length: 200}, (_, index) => process(100 + index, 1, `app${index}`));
		const before: Json = {hostProcesses: processes};
		const after: Json = {hostProcesses: [...processes.filter((value) => (value as {pid: number}).pid !== 150), process(400, 120, 'sleep')]};
		const patch = diff(before, after)!;
		assert.deepEqual(patch, [
			'o',
			{hostProcesses: ['K', 'pid', [150], [[199, 400]], {400: ['c', 120, ['o', {pid: ['v', 400], ppid: ['v', 120], comm: ['v', 'sleep'], cmdline: ['v', 'sleep --serve'], rssBytes: ['v', 400 * 4096]}, []]]}]},
			[],
		]);
		assert.deepEqual(applyPatch(before, patch), after);

		// An order the kept keys do not keep: the whole list, as format 1 wrote it.
		const reordered: Json = {hostProcesses: [...processes].reverse()};
		assert.equal((diff(before, reordered) as ['o', Record<string, Patch>, string[]])[1].hostProcesses[0], 'k', 'the whole order');
		assert.deepEqual(applyPatch(before, diff(before, reordered)!), reordered);
	});

	test('any keyed arrays, any elements removed, inserted (forked from another), patched or moved: the patch gives back the new array', () => {
		type Element = {pid: number; ppid: number; comm: string; n: number};
		const element = fc.record({pid: fc.integer({min: 1, max: 60}), ppid: fc.integer({min: 0, max: 60}), comm: fc.constantFrom('sh', 'sleep', 'node'), n: fc.integer({min: 0, max: 3})}, {noNullPrototype: true});
		const edits = fc.record({
			kept: fc.array(fc.integer({min: 0, max: 9}).map((draw) => draw < 8), {maxLength: 40}),
			bumped: fc.array(fc.integer({min: 0, max: 9}).map((draw) => draw < 2), {maxLength: 40}),
			forks: fc.array(fc.record({at: fc.nat(), parent: fc.nat(), comm: fc.constantFrom('sh', 'sleep')}, {noNullPrototype: true}), {maxLength: 5}),
			shuffled: fc.integer({min: 0, max: 9}).map((draw) => draw === 0),
		}, {noNullPrototype: true});
		const seen = {K: 0, c: 0, k: 0};
		fc.assert(fc.property(fc.uniqueArray(element, {selector: (value) => value.pid, minLength: 1, maxLength: 40}), edits, (before, {kept, bumped, forks, shuffled}) => {
			const after: Element[] = before.filter((_, index) => kept[index] ?? true).map((value, index) => (bumped[index] ? {...value, n: value.n + 1} : value));
			forks.forEach((fork, index) => {
				const parent = before[fork.parent % before.length];
				after.splice(fork.at % (after.length + 1), 0, {pid: 100 + index, ppid: parent.pid, comm: fork.comm, n: 0});
			});
			if (shuffled) after.reverse();
			const patch = diff({list: before}, {list: after});
			const result = patch === null ? {list: before} : applyPatch({list: before}, patch);
			assert.deepEqual(result, {list: after});
			const text = JSON.stringify(patch);
			for (const op of ['K', 'c', 'k'] as const) if (text?.includes(`"${op}"`)) seen[op]++;
		}), {numRuns: 500});
		assert.ok(seen.K > 0 && seen.c > 0 && seen.k > 0, `every kind of keyed patch was made: ${JSON.stringify(seen)}`);
	});

	test('malformed keyed patches are errors, not frames', () => {
		const before: Json = [{pid: 1}, {pid: 2}];
		assert.throws(() => applyPatch(before, ['K', 'pid', [], [[5, 3]], {3: ['v', {pid: 3}]}]), PatchError, 'an insertion past the end');
		assert.throws(() => applyPatch(before, ['K', 'pid', [], [[1, 3], [0, 4]], {3: ['v', {pid: 3}], 4: ['v', {pid: 4}]}]), PatchError, 'insertions out of order');
		assert.throws(() => applyPatch(before, ['K', 'pid', [], [[2, 3]], {}]), PatchError, 'a new key with no element');
		assert.throws(() => applyPatch(before, ['K', 'pid', [], [[2, 3]], {3: ['c', 9, ['o', {}, []]]}]), PatchError, 'a copy of an element that was not there');
		assert.throws(() => applyPatch(before, ['c', 1, ['o', {}, []]]), PatchError, 'a copy outside a keyed array');
	});

	test('a key named __proto__ is kept as a key, never taken for the prototype', () => {
		const before = JSON.parse('{"m": {"__proto__": {"polluted": 1}}, "ids": [{"id": "__proto__", "v": 1}]}') as Json;
		const after = JSON.parse('{"m": {"__proto__": {"polluted": 2}}, "ids": [{"id": "__proto__", "v": 2}]}') as Json;
		const result = applyPatch(before, diff(before, after)!);
		assert.equal(JSON.stringify(result), JSON.stringify(after));
		assert.equal(({} as Record<string, unknown>).polluted, undefined);
	});
});

describe('times, durations and sizes', () => {
	const now = Date.parse('2026-12-05T08:30:00Z');
	test('ISO 8601, relative and clock times', () => {
		assert.equal(parseMoment('-10m', now), now - 600_000);
		assert.equal(parseMoment('-2h', now), now - 7_200_000);
		assert.equal(parseMoment('-1h30m', now), now - 5_400_000);
		assert.equal(parseMoment('2026-12-05T08:01:30Z', now), Date.parse('2026-12-05T08:01:30Z'));
		assert.equal(parseMoment('2026-12-05T08:01:30.250+01:00', now), Date.parse('2026-12-05T07:01:30.250Z'));
		const clock = new Date(parseMoment('08:01:30', now)!);
		assert.deepEqual([clock.getHours(), clock.getMinutes(), clock.getSeconds()], [8, 1, 30]);
		for (const bad of ['yesterday', '-10', '10m', '25:00', '2026-13-45T00:00Z', '']) assert.equal(parseMoment(bad, now), null, bad);
	});
	test('durations and sizes', () => {
		assert.equal(parseDuration('24h'), 86_400_000);
		assert.equal(parseDuration('7d'), 7 * 86_400_000);
		assert.equal(parseDuration('h'), null);
		assert.equal(parseSize('500M'), 500 * 1024 * 1024);
		assert.equal(parseSize('64KiB'), 64 * 1024);
		assert.equal(parseSize('2G'), 2 * 1024 ** 3);
		assert.equal(parseSize('lots'), null);
	});
});

describe('recording and reading back', () => {
	test('every sample of real models reads back as written, from keyframes and the deltas after them', async (t) => {
		const directory = tempDirectory(t);
		const written = await recordReal(directory, 12, {keyframeEvery: 4});
		const recording = Recording.open(directory);
		assert.equal(recording.samples.length, 12);
		assert.deepEqual(recording.samples.map((sample) => sample.keyframe), [true, false, false, false, true, false, false, false, true, false, false, false]);
		// In order, then out of order (from a keyframe again).
		for (let index = 0; index < 12; index++) assert.deepEqual(recording.modelAt(index), written[index], `sample ${index}`);
		// What the outputs and views read of a model is all there.
		assert.deepEqual(modelToJson(recording.modelAt(11), {version: 'test'}), modelToJson(models[11], {version: 'test'}));
		for (const index of [11, 2, 7, 0, 5]) assert.deepEqual(recording.modelAt(index), written[index], `sample ${index} again`);
		const times = (written as PodModel[]).map((model) => model.time);
		assert.equal(recording.indexAt(times[5]), 5);
		assert.equal(recording.indexAt(times[5] + 1), 5);
		assert.equal(recording.indexAt(times[0] - 1), -1);
		assert.ok(written.some((model) => (model as PodModel).hostProcesses.some((process) => process.cmdline !== '')), 'command lines were recorded');
	});

	test('records changed in place between samples, fields that come and go, lists reordered: every sample reads back as it was', (t) => {
		type Record = {pid: number; ppid: number; comm: string; starttime: number; previousCpuTicks: number; utime: number; cmdline: string; namespaces: {net: number | null}; cgroups: {container: string}; revision?: number};
		type Op = {kind: 'cpu' | 'netns' | 'note' | 'comm'; index: number; value: number} | {kind: 'reverse' | 'reverseInPlace' | 'fork' | 'exit' | 'gauge'; index: number; value: number};
		const op: fc.Arbitrary<Op> = fc.record({
			kind: fc.constantFrom('cpu', 'netns', 'note', 'comm', 'reverse', 'reverseInPlace', 'fork', 'exit', 'gauge'),
			index: fc.nat(50),
			value: fc.integer({min: 0, max: 3}),
		}) as fc.Arbitrary<Op>;
		let runs = 0;
		fc.assert(
			// With revisions, as the scanner's records have them (bumped with every change), or without.
			fc.property(fc.array(fc.array(op, {maxLength: 4}), {minLength: 2, maxLength: 8}), fc.boolean(), fc.boolean(), (samples, cmdlines, revisions) => {
				const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-record-copies-'));
				try {
					let nextPid = 100;
					const record = (): Record => ({pid: nextPid, ppid: 1, comm: 'sleep', starttime: nextPid++, previousCpuTicks: 0, utime: 0, cmdline: 'sleep 1', namespaces: {net: 1}, cgroups: {container: '/a'}, ...(revisions ? {revision: 0} : {})});
					let processes: Record[] = [record(), record(), record()];
					const gauges: {memory: {current: number; stat: {anon: number}; note?: string}} = {memory: {current: 1, stat: {anon: 1}}};
					const model = {time: 1000, pods: [{id: 'pod', containers: [{id: 'c', gauges, processes}]}], hostProcesses: processes};
					const recorder = writer(directory, {cmdlines, keyframeEvery: 3});
					const expected: Json[] = [];
					for (const [sample, ops] of samples.entries()) {
						for (const change of ops) {
							const target = processes[change.index % Math.max(1, processes.length)];
							if (change.kind === 'fork') processes = [...processes, record()];
							else if (change.kind === 'reverse') processes = [...processes].reverse();
							else if (change.kind === 'reverseInPlace') processes.reverse();
							else if (change.kind === 'gauge') gauges.memory.stat.anon = change.value;
							else if (change.kind === 'note' && change.value === 0) delete gauges.memory.note;
							else if (change.kind === 'note') gauges.memory.note = `note ${change.value}`;
							else if (!target) continue;
							else if (change.kind === 'exit') processes = processes.filter((process) => process !== target);
							else if (change.kind === 'cpu') target.utime += change.value;
							else if (change.kind === 'netns') Object.assign(target.namespaces, {net: change.value === 0 ? null : change.value});
							else target.comm = `exec${change.value}`;
							if (target && revisions && ['cpu', 'netns', 'comm'].includes(change.kind)) target.revision! += 1;
						}
						model.time = 1000 + sample * 1000;
						model.hostProcesses = processes;
						model.pods[0].containers[0].processes = processes;
						recorder.write(model as unknown as PodModel, []);
						const fresh = recordedForm(model as unknown as PodModel) as {hostProcesses: Array<{cmdline: string}>};
						if (!cmdlines) for (const process of fresh.hostProcesses) process.cmdline = '';
						expected.push(JSON.parse(JSON.stringify(fresh)) as Json);
					}
					recorder.close();
					const recording = Recording.open(directory);
					const read = samples.map((_, index) => JSON.parse(JSON.stringify(recording.modelAt(index))) as Json);
					if (!cmdlines) for (const model of read as Array<{pods: Array<{containers: Array<{processes: Array<{cmdline: string}>}>}>}>) for (const process of model.pods[0].containers[0].processes) process.cmdline = '';
					if (!cmdlines) for (const model of expected as Array<{pods: Array<{containers: Array<{processes: Array<{cmdline: string}>}>}>}>) for (const process of model.pods[0].containers[0].processes) process.cmdline = '';
					assert.deepEqual(read, expected);
					runs++;
				} finally {
					fs.rmSync(directory, {recursive: true, force: true});
				}
			}),
			{
				numRuns: 150,
				// A field gone from an object whose other field changed in the same sample.
				examples: [[[[{kind: 'note', index: 0, value: 1}], [{kind: 'note', index: 0, value: 0}, {kind: 'gauge', index: 0, value: 3}]], true]],
			},
		);
		assert.equal(runs, 150);
		t.diagnostic(`${runs} recordings`);
	});

	test('events are kept with every field they have, also ones this podtop does not know', (t) => {
		const directory = tempDirectory(t);
		const monitor = realMonitor(t);
		const recorder = writer(directory);
		const event = {time: Date.now(), kind: 'oom-kill', cgroup: '/pod/app', podId: '/pod', podName: 'pod', containerId: '/pod/app', containerName: 'app', delta: 1, value: 1, victim: {pid: 42, comm: 'busybox'}, limit: {cgroup: '/pod', level: 'pod', bytes: 67_108_864}};
		recorder.write(monitor.refresh(), []);
		recorder.write(monitor.refresh(), [event as PodtopEvent]);
		recorder.close();
		const recording = Recording.open(directory);
		assert.deepEqual(recording.eventsAt(1), [event]);
		assert.deepEqual(recording.countsUpTo(0), {events: 0, oomKills: 0});
		assert.deepEqual(recording.countsUpTo(1), {events: 1, oomKills: 1});
		const withoutEvents = Recording.read(directory, {events: false});
		assert.equal(withoutEvents.samples.length, 2);
		assert.deepEqual(withoutEvents.events, []);
	});

	test('--no-cmdline: no command line is in the recording, everything else is', async (t) => {
		const directory = tempDirectory(t);
		const written = await recordReal(directory, 3, {cmdlines: false});
		const original = written[2] as PodModel;
		const all = (model: PodModel) => [...model.hostProcesses, ...model.pods.flatMap((pod) => pod.containers.flatMap((container) => container.processes))];
		const ownCommandLine = all(original).find((process) => process.pid === globalThis.process.pid)?.cmdline ?? '';
		assert.ok(ownCommandLine.includes('recording.test.ts'), 'this test\'s own command line was there to record');
		const model = Recording.open(directory).modelAt(2);
		const processes = [...model.hostProcesses, ...model.pods.flatMap((pod) => pod.containers.flatMap((container) => container.processes))];
		assert.ok(processes.length > 10);
		assert.ok(processes.every((process) => process.cmdline === ''));
		assert.deepEqual(model.counts, original.counts);
		assert.deepEqual(model.hostProcesses.map((process) => process.comm), original.hostProcesses.map((process) => process.comm));
	});

	test('the directory is created 0700 and the files 0600; a wider, foreign or linked directory is refused', (t) => {
		const parent = tempDirectory(t);
		const directory = path.join(parent, 'fresh', 'podtop');
		const recorder = writer(directory);
		recorder.close();
		assert.equal(fs.statSync(directory).mode & 0o777, 0o700);
		const monitorless: PodModel = JSON.parse(JSON.stringify({time: Date.now(), pods: [], hostProcesses: []})) as PodModel;
		const second = writer(directory);
		second.write(monitorless, []);
		second.close();
		for (const name of segmentFiles(directory)) assert.equal(fs.statSync(path.join(directory, name)).mode & 0o777, 0o600, name);

		const wide = path.join(parent, 'wide');
		fs.mkdirSync(wide, {mode: 0o755});
		fs.chmodSync(wide, 0o755);
		assert.throws(() => writer(wide), (error: Error) => error instanceof RecordingError && /open to others \(mode 0755\)/.test(error.message) && !error.message.includes('\n'));
		const linked = path.join(parent, 'linked');
		fs.symlinkSync(directory, linked);
		assert.throws(() => writer(linked), /not a directory/);
		if (process.getuid?.() === 0) {
			const foreign = path.join(parent, 'foreign');
			fs.mkdirSync(foreign, {mode: 0o700});
			fs.chownSync(foreign, 65_534, 65_534);
			assert.throws(() => writer(foreign), /belongs to uid 65534, not to this user \(uid 0\)/);
		}
	});

	test('retention by age: a segment goes once all its samples are older than --retain, the newer ones stay whole', (t) => {
		const directory = tempDirectory(t);
		const model = realMonitor(t).refresh();
		const start = Date.parse('2026-12-06T10:00:00Z');
		const minute = 60_000;
		let now = start;
		// 24 minutes kept: a segment a minute.
		const recorder = writer(directory, {retainMs: 24 * minute, now: () => now});
		for (let at = start; at <= start + 60 * minute; at += 30_000) {
			now = at;
			recorder.write({...model, time: at}, []);
		}
		recorder.close();
		const recording = Recording.open(directory);
		const times = recording.samples.map((sample) => sample.time);
		// The segment that began at 10:35 ended at 10:36, when the kept 24 minutes begin: it goes, 10:36 stays.
		assert.equal(new Date(times[0]).toISOString(), '2026-12-06T10:36:00.000Z');
		assert.equal(new Date(times.at(-1)!).toISOString(), '2026-12-06T11:00:00.000Z');
		assert.equal(times.length, 49, 'every sample from 10:36 to 11:00, 30 s apart');
		assert.equal(segmentFiles(directory).length, 25);
	});

	test('retention removes the oldest segments at the size bound, and what is left reads from its first sample', async (t) => {
		const directory = tempDirectory(t);
		const maxBytes = 64 * 1024;
		const written = await recordReal(directory, 60, {maxBytes, keyframeEvery: 1});
		const files = segmentFiles(directory);
		const sizes = files.map((name) => fs.statSync(path.join(directory, name)).size);
		const total = sizes.reduce((sum, size) => sum + size, 0);
		// The newest segment is never removed while written; the older ones stay within the budget.
		assert.ok(total - sizes.at(-1)! <= maxBytes, `${total} bytes in ${files.length} files: ${sizes.join(', ')}`);
		const recording = Recording.open(directory);
		// A segment is an eighth of the budget (at least 16 KiB), unless one sample alone is larger.
		const newestSamples = recording.samples.filter((sample) => sample.segment === files.length - 1).length;
		assert.ok(sizes.at(-1)! <= 16 * 1024 || newestSamples === 1, `the newest segment: ${sizes.at(-1)} bytes, ${newestSamples} samples`);
		for (const [index, size] of sizes.slice(0, -1).entries()) {
			const samples = recording.samples.filter((sample) => sample.segment === index).length;
			assert.ok(size <= 16 * 1024 || samples === 1, `segment ${index}: ${size} bytes, ${samples} samples`);
		}
		assert.ok(recording.samples.length < written.length, 'the oldest samples are gone');
		const firstKept = written.length - recording.samples.length;
		assert.deepEqual(recording.modelAt(0), written[firstKept]);
		assert.deepEqual(recording.modelAt(recording.samples.length - 1), written.at(-1));
	});
});

describe('recordings that cannot be trusted', () => {
	/** Three segments of real samples: the writer starts a new one each time it is opened. */
	async function threeSegments(t: TestContext): Promise<{directory: string; files: string[]; written: unknown[][]}> {
		const directory = tempDirectory(t);
		const written: unknown[][] = [];
		for (let segment = 0; segment < 3; segment++) written.push(await recordReal(directory, 4, {keyframeEvery: 2}));
		return {directory, files: segmentFiles(directory), written};
	}

	function open(directory: string): {recording: Recording; warnings: string[]} {
		const warnings: string[] = [];
		const recording = Recording.open(directory, {onWarning: (message) => warnings.push(message)});
		return {recording, warnings};
	}

	test('a byte flipped in the middle segment: read up to its last good sample, with one warning, the others whole', async (t) => {
		const {directory, files, written} = await threeSegments(t);
		const file = path.join(directory, files[1]);
		const data = fs.readFileSync(file);
		data[data.length - 10] ^= 0xff;
		fs.writeFileSync(file, data);
		const {recording, warnings} = open(directory);
		assert.equal(warnings.length, 1);
		assert.match(warnings[0], /corrupt at byte \d+: read up to its last good sample \(3 read\)/);
		assert.equal(recording.samples.length, 11);
		const expected = [...written[0], ...written[1].slice(0, 3), ...written[2]];
		for (let index = 0; index < expected.length; index++) assert.deepEqual(recording.modelAt(index), expected[index], `sample ${index}`);
	});

	test('a last segment cut mid-frame: every whole sample, and a warning', async (t) => {
		const {directory, files, written} = await threeSegments(t);
		const file = path.join(directory, files[2]);
		fs.truncateSync(file, fs.statSync(file).size - 7);
		const {recording, warnings} = open(directory);
		assert.deepEqual(warnings.length, 1);
		assert.match(warnings[0], /last frame is incomplete/);
		assert.equal(recording.samples.length, 11);
		assert.deepEqual(recording.modelAt(10), written[2][2]);
	});

	test('a segment of a newer format, and a file that is no recording: skipped with a warning each', async (t) => {
		const {directory, files, written} = await threeSegments(t);
		const file = path.join(directory, files[0]);
		const data = fs.readFileSync(file);
		data.writeUInt16LE(formatVersion + 1, magic.length);
		fs.writeFileSync(file, data);
		fs.writeFileSync(path.join(directory, files[1]), Buffer.concat([Buffer.from('#!/bin/sh\necho not a recording\n'), Buffer.alloc(fileHeaderBytes)]));
		const {recording, warnings} = open(directory);
		assert.equal(warnings.length, 2);
		assert.match(warnings[0], new RegExp(`recording format ${formatVersion + 1} is newer than this podtop reads \\(${formatVersion}\\): skipped`));
		assert.match(warnings[1], /not a podtop recording: skipped/);
		assert.equal(recording.samples.length, 4);
		assert.deepEqual(recording.modelAt(0), written[2][0]);
	});

	test('an empty directory, a missing one, or only bad files: nothing to show is an error, not an empty frame', (t) => {
		const directory = tempDirectory(t);
		assert.throws(() => Recording.open(directory), (error: Error) => error instanceof RecordingError && /no readable recording in/.test(error.message));
		assert.throws(() => Recording.open(path.join(directory, 'missing')), /no such directory/);
		fs.writeFileSync(path.join(directory, 'podtop-20260101T000000000Z.rec'), randomBytes(300));
		const warnings: string[] = [];
		assert.throws(() => Recording.open(directory, {onWarning: (message) => warnings.push(message)}), /no readable recording/);
		assert.equal(warnings.length, 1);
	});

	test('a seek reads only the segment that holds the moment', async (t) => {
		const {directory, written} = await threeSegments(t);
		const moment = (written[2][1] as PodModel).time;
		const recording = Recording.read(directory, {from: moment});
		assert.equal(recording.skippedSegments, true);
		assert.equal(recording.samples.length, 4);
		assert.deepEqual(recording.modelAt(recording.indexAt(moment)), written[2][1]);
		assert.equal(Recording.read(directory, {from: (written[0][3] as PodModel).time}).samples.length, 12, 'the first segment ends where the second starts');

		// Nor what follows it: replay --once --at a moment in the middle segment reads that one file.
		const middle = (written[1][1] as PodModel).time;
		const one = Recording.read(directory, {from: middle, until: middle});
		assert.deepEqual([one.skippedSegments, one.skippedLaterSegments, one.samples.length], [true, true, 4]);
		assert.deepEqual(one.modelAt(one.indexAt(middle)), written[1][1]);
		let told = '';
		const status = new Writable({write(chunk: Buffer, _encoding, done) {
			told += chunk.toString();
			done();
		}});
		assert.deepEqual(recordedModelAt(directory, new Date(middle).toISOString(), Date.now(), status), written[1][1]);
		assert.deepEqual(recordedModelAt(directory, new Date((written[1][3] as PodModel).time + 1).toISOString(), Date.now(), status), written[1][3]);
		assert.equal(told, '', 'a moment inside the recording is no gap');
	});

	test('a recording being written is read as it grows', async (t) => {
		const directory = tempDirectory(t);
		const monitor = realMonitor(t);
		const recorder = writer(directory);
		t.after(() => recorder.close());
		recorder.write(monitor.refresh(), []);
		const recording = Recording.open(directory);
		assert.equal(recording.samples.length, 1);
		assert.equal(recording.reload(), false);
		const model = monitor.refresh();
		recorder.write(model, []);
		assert.equal(recording.reload(), true);
		assert.deepEqual(recording.modelAt(1), plain(model));
	});
});
