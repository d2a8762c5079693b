/**
 * Runs podtop's refresh loop in a process of its own, on the built code (dist/), and prints one JSON
 * document. Started by refresh.ts; it can be run by hand too:
 *
 *   node --expose-gc --import tsx bench/refresh-child.ts timing --warmup 15 --budget-ms 3000
 *   node --import tsx bench/refresh-child.ts paced --refreshes 15 --interval-ms 1000
 *   node --expose-gc --min-semi-space-size=256 --max-semi-space-size=256 --import tsx bench/refresh-child.ts alloc
 *   node --import tsx bench/refresh-child.ts sites --refreshes 20     (allocation by function)
 *   node --import tsx bench/refresh-child.ts count --refreshes 20     (under strace -c -f)
 */
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import fs from 'node:fs';
import {Session} from 'node:inspector/promises';
import path from 'node:path';
import {constants as perfConstants, PerformanceObserver, type PerformanceEntry} from 'node:perf_hooks';
import {fileURLToPath, pathToFileURL} from 'node:url';
import v8 from 'node:v8';
import type {Monitor, SnapshotSource} from '../source/model/monitor.js';
import type {PodModel, Snapshot} from '../source/model/types.js';

type CollectorModule = typeof import('../source/collect/collector.js');
type MonitorModule = typeof import('../source/model/monitor.js');
type RuntimePathModule = typeof import('../source/model/runtime-path.js');

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The built podtop to measure; PODTOP_BENCH_DIST points at another build (a patched copy, to try a fix). */
const dist = process.env.PODTOP_BENCH_DIST ?? path.join(projectRoot, 'dist');
const load = async <T>(relative: string): Promise<T> => (await import(pathToFileURL(path.join(dist, relative)).href)) as T;

const [mode = 'timing', ...rest] = process.argv.slice(2);
const flags = new Map<string, number>();
for (let index = 0; index < rest.length; index += 2) flags.set(rest[index].replace(/^--/, ''), Number(rest[index + 1]));
const flag = (name: string, fallback: number) => flags.get(name) ?? fallback;

const usedHeap = () => v8.getHeapStatistics().used_heap_size;
const externalMemory = () => v8.getHeapStatistics().external_memory;
const forceGc = (): void => {
	const gc = (globalThis as {gc?: () => void}).gc;
	if (!gc) throw new Error('run with --expose-gc');
	gc();
};

/** Every GC V8 reports, with its kind; forced ones (our own gc() calls) are marked. */
const gcEntries: {start: number; duration: number; kind: string; forced: boolean}[] = [];
const gcKinds: Record<number, string> = {
	[perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
	[perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
	[perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
	[perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};
const observer = new PerformanceObserver((list) => {
	for (const entry of list.getEntries() as (PerformanceEntry & {detail?: {kind: number; flags: number}})[]) {
		const detail = entry.detail ?? {kind: 0, flags: 0};
		gcEntries.push({
			start: entry.startTime,
			duration: entry.duration,
			kind: gcKinds[detail.kind] ?? String(detail.kind),
			forced: (detail.flags & perfConstants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0,
		});
	}
});
observer.observe({entryTypes: ['gc']});
/** GC entries arrive asynchronously: let them in before reading gcEntries. */
const flushGcEntries = () => new Promise((resolve) => setTimeout(resolve, 50));
const unforcedGcsBetween = (start: number, end: number) => gcEntries.filter((entry) => !entry.forced && entry.start >= start && entry.start <= end);

/**
 * Wraps the Collector: times its part of each refresh (scan + cgroups) apart from inference and the model,
 * and tells whether the sample changed the structure (a process came, went or moved, or names on disk
 * changed): then the monitor re-infers pods, which is not the steady state.
 */
class MeasuredSource implements SnapshotSource {
	lastSampleMs = 0;
	lastSampleHeap = 0;
	measureHeap = false;
	structureChanged = false;
	lastSnapshot: Snapshot | null = null;
	private lastVersion: string | null = null;

	constructor(private readonly inner: SnapshotSource) {}

	sample(): Snapshot {
		const heapBefore = this.measureHeap ? usedHeap() : 0;
		const started = performance.now();
		const snapshot = this.inner.sample();
		this.lastSampleMs = performance.now() - started;
		if (this.measureHeap) this.lastSampleHeap = usedHeap() - heapBefore;
		const facts = (snapshot as {facts?: {version?: number}}).facts;
		const version = `${snapshot.structureVersion}/${facts?.version ?? 0}`;
		this.structureChanged = version !== this.lastVersion;
		this.lastVersion = version;
		this.lastSnapshot = snapshot;
		return snapshot;
	}

	readCgroupNow(cgroupPath: string): boolean {
		return this.inner.readCgroupNow?.(cgroupPath) ?? false;
	}

	close() {
		this.inner.close();
	}
}

async function open() {
	const {Collector} = await load<CollectorModule>('collect/collector.js');
	const {createMonitor} = await load<MonitorModule>('model/monitor.js');
	const {parseRuntimeCgroupPath} = await load<RuntimePathModule>('model/runtime-path.js');
	const constructStarted = performance.now();
	const collector = new Collector({procRoot: '/proc', cgroupRoot: null});
	const source = new MeasuredSource(collector);
	const monitor = createMonitor(source, {identify: parseRuntimeCgroupPath});
	const constructMs = performance.now() - constructStarted;
	return {collector, source, monitor, constructMs};
}

function openDescriptors(): number {
	return fs.readdirSync('/proc/self/fd').length;
}

function modelFacts(model: PodModel) {
	return {counts: model.counts, problems: model.problems, cgroupMode: model.host.cgroupMode, cpus: model.host.cpus};
}

type Timed = {wallMs: number; userMs: number; systemMs: number; sampleMs: number; changed: boolean};

function timedRefresh(monitor: Monitor, source: MeasuredSource): {model: PodModel; timing: Timed} {
	const cpuBefore = process.cpuUsage();
	const started = performance.now();
	const model = monitor.refresh();
	const wallMs = performance.now() - started;
	const cpu = process.cpuUsage(cpuBefore);
	return {model, timing: {wallMs, userMs: cpu.user / 1000, systemMs: cpu.system / 1000, sampleMs: source.lastSampleMs, changed: source.structureChanged}};
}

/** A process that appears before one refresh and is gone before the next: what a probe or a cron job does. */
async function churn(monitor: Monitor, source: MeasuredSource, count: number): Promise<{appeared: Timed[]; exited: Timed[]}> {
	const appeared: Timed[] = [];
	const exited: Timed[] = [];
	for (let index = 0; index < count; index++) {
		const child = spawn('sleep', ['60'], {stdio: 'ignore'});
		const pid = child.pid!;
		const deadline = performance.now() + 5000;
		while (performance.now() < deadline) {
			try {
				if (fs.readFileSync(`/proc/${pid}/comm`, 'latin1') === 'sleep\n') break;
			} catch {
				// Not yet there.
			}
			await new Promise((resolve) => setTimeout(resolve, 1));
		}
		appeared.push(timedRefresh(monitor, source).timing);
		const exit = once(child, 'exit');
		child.kill('SIGKILL');
		await exit;
		exited.push(timedRefresh(monitor, source).timing);
	}
	return {appeared, exited};
}

/** Least-squares slope of y over x. */
function slope(points: readonly {x: number; y: number}[]): number {
	const n = points.length;
	const meanX = points.reduce((sum, point) => sum + point.x, 0) / n;
	const meanY = points.reduce((sum, point) => sum + point.y, 0) / n;
	let numerator = 0;
	let denominator = 0;
	for (const point of points) {
		numerator += (point.x - meanX) * (point.y - meanY);
		denominator += (point.x - meanX) ** 2;
	}
	return denominator === 0 ? 0 : numerator / denominator;
}

async function timing() {
	const warmup = flag('warmup', 15);
	const budgetMs = flag('budget-ms', 3000);
	const minRefreshes = flag('min-refreshes', 20);
	const maxRefreshes = flag('max-refreshes', 400);
	const churnCount = flag('churn', 10);
	const checkpoints = flag('checkpoints', 6);
	const {source, monitor, constructMs} = await open();
	const first = timedRefresh(monitor, source);
	let model = first.model;
	for (let index = 0; index < warmup; index++) model = monitor.refresh();
	// After the warm-up: some descriptors (schedstat) are taken on a process's second refresh.
	const descriptorsAfterWarmup = openDescriptors();
	// Size the steady run from a warm refresh's cost.
	const probe = timedRefresh(monitor, source).timing.wallMs;
	const refreshes = Math.max(minRefreshes, Math.min(maxRefreshes, Math.round(budgetMs / Math.max(probe, 0.01))));

	// Steady state: timing and GCs, nothing forced inside.
	forceGc();
	const steadyStarted = performance.now();
	const steady: Timed[] = [];
	for (let index = 0; index < refreshes; index++) {
		const result = timedRefresh(monitor, source);
		model = result.model;
		steady.push(result.timing);
	}
	const steadyEnded = performance.now();
	await flushGcEntries();
	const steadyGcs = unforcedGcsBetween(steadyStarted, steadyEnded);
	const gcByKind: Record<string, {count: number; ms: number}> = {};
	for (const entry of steadyGcs) {
		const bucket = (gcByKind[entry.kind] ??= {count: 0, ms: 0});
		bucket.count++;
		bucket.ms += entry.duration;
	}

	// Growth: the live heap after a full GC at checkpoints through as many refreshes again; the slope is
	// what each refresh leaves behind that no GC takes back.
	const live: {x: number; y: number}[] = [];
	const step = Math.max(1, Math.floor(refreshes / (checkpoints - 1)));
	for (let index = 0; index <= step * (checkpoints - 1); index++) {
		if (index % step === 0) {
			forceGc();
			live.push({x: index, y: usedHeap()});
		}
		if (index < step * (checkpoints - 1)) model = monitor.refresh();
	}
	const half = live.slice(Math.floor(live.length / 2));

	const churned = await churn(monitor, source, churnCount);
	const result = {
		mode,
		...modelFacts(model),
		cold: {constructMs, firstRefreshMs: first.timing.wallMs, firstRefreshUserMs: first.timing.userMs, firstRefreshSystemMs: first.timing.systemMs, firstSampleMs: first.timing.sampleMs},
		keptDescriptors: descriptorsAfterWarmup,
		warmup,
		steady,
		gc: {
			refreshes,
			count: steadyGcs.length,
			totalMs: steadyGcs.reduce((sum, entry) => sum + entry.duration, 0),
			byKind: gcByKind,
			liveHeapCheckpoints: live,
			liveGrowthPerRefresh: slope(live),
			liveGrowthPerRefreshSecondHalf: slope(half),
		},
		churn: churned,
	};
	monitor.close();
	return result;
}

type ProcessTableEntry = {comm: string; starttime: number; kernelThread: boolean};

function processTable(snapshot: Snapshot | null): Map<number, ProcessTableEntry> {
	const table = new Map<number, ProcessTableEntry>();
	for (const process of snapshot?.processes ?? []) table.set(process.pid, {comm: process.comm, starttime: process.starttime, kernelThread: process.isKernelThread});
	return table;
}

function lastSnapshot(source: MeasuredSource): Snapshot | null {
	return source.lastSnapshot;
}

/**
 * Refreshes at the live view's pace (a refresh every `interval-ms`, idle between), after a short warm-up:
 * what a refresh costs on a live machine, where things change between refreshes.
 */
async function paced() {
	const refreshes = flag('refreshes', 15);
	const intervalMs = flag('interval-ms', 1000);
	const {source, monitor} = await open();
	let model = monitor.refresh();
	for (let index = 0; index < 5; index++) model = monitor.refresh();
	const timings: Timed[] = [];
	// What changed between refreshes, after the timed part: why a refresh re-inferred.
	const causes = {appeared: 0, exited: 0, kernelThreadRenamed: 0, processRenamed: 0, other: 0};
	let previous = processTable(lastSnapshot(source));
	for (let index = 0; index < refreshes; index++) {
		await new Promise((resolve) => setTimeout(resolve, intervalMs));
		const result = timedRefresh(monitor, source);
		model = result.model;
		timings.push(result.timing);
		const current = processTable(lastSnapshot(source));
		if (result.timing.changed) {
			let explained = false;
			for (const [pid, entry] of current) {
				const before = previous.get(pid);
				if (!before || before.starttime !== entry.starttime) {
					causes.appeared++;
					explained = true;
				} else if (before.comm !== entry.comm) {
					if (entry.kernelThread) causes.kernelThreadRenamed++;
					else causes.processRenamed++;
					explained = true;
				}
			}
			for (const pid of previous.keys()) {
				if (!current.has(pid)) {
					causes.exited++;
					explained = true;
				}
			}
			if (!explained) causes.other++;
		}
		previous = current;
	}
	monitor.close();
	return {mode, ...modelFacts(model), intervalMs, timings, causes};
}

let calibrationSink: unknown = null;

function fourFieldObjects(count: number): unknown {
	let last: unknown = null;
	for (let index = 0; index < count; index++) last = {a: index, b: index, c: index, d: index};
	return last;
}

/**
 * Heap bytes allocated per refresh. Node 20 has no allocation counter, so: a new space far larger than
 * a window of refreshes allocates (--min/max-semi-space-size), a full GC before each window, and the
 * growth of used_heap_size over the window is what it allocated (objects die only in a GC, and none runs:
 * a window in which V8 reports any GC is discarded). A known allocation calibrates the method.
 */
async function alloc() {
	const warmup = flag('warmup', 15);
	const windows = flag('windows', 20);
	const perWindow = flag('per-window', 5);
	const {source, monitor} = await open();
	let model = monitor.refresh();
	for (let index = 0; index < warmup; index++) model = monitor.refresh();

	const statsOverhead: number[] = [];
	for (let index = 0; index < 21; index++) {
		const before = usedHeap();
		statsOverhead.push(usedHeap() - before);
	}
	const overhead = statsOverhead.sort((a, b) => a - b)[10];

	// Calibration: an object literal with four small-integer fields is 56 bytes (map, properties, elements and
	// four 8-byte fields); the last of three rounds runs optimized code, as the warm refreshes do.
	let calibrationBytes = 0;
	for (let round = 0; round < 3; round++) {
		forceGc();
		const before = usedHeap();
		calibrationSink = fourFieldObjects(100_000);
		calibrationBytes = usedHeap() - before - overhead;
	}

	source.measureHeap = true;
	const measured: {start: number; end: number; perRefresh: number; samplePerRefresh: number; externalPerRefresh: number; structureChanges: number}[] = [];
	for (let window = 0; window < windows; window++) {
		forceGc();
		const start = performance.now();
		const externalBefore = externalMemory();
		const before = usedHeap();
		let sampleHeap = 0;
		let structureChanges = 0;
		for (let index = 0; index < perWindow; index++) {
			model = monitor.refresh();
			sampleHeap += source.lastSampleHeap - overhead;
			if (source.structureChanged) structureChanges++;
		}
		const after = usedHeap();
		const end = performance.now();
		measured.push({
			start,
			end,
			// Less the MeasuredSource's own two heap reads per refresh, which are not podtop's.
			perRefresh: (after - before - overhead) / perWindow - 2 * overhead,
			samplePerRefresh: sampleHeap / perWindow,
			externalPerRefresh: (externalMemory() - externalBefore) / perWindow,
			structureChanges,
		});
	}
	await flushGcEntries();
	const clean = measured.filter((window) => unforcedGcsBetween(window.start, window.end).length === 0);
	const steady = clean.filter((window) => window.structureChanges === 0);
	monitor.close();
	return {
		mode,
		...modelFacts(model),
		perWindow,
		windows,
		cleanWindows: clean.length,
		steadyWindows: steady.length,
		statsOverheadBytes: overhead,
		calibrationSinkKept: calibrationSink !== null,
		calibration: {expectedBytes: 5_600_000, measuredBytes: calibrationBytes, ratio: calibrationBytes / 5_600_000},
		all: clean.map(({perRefresh, samplePerRefresh, externalPerRefresh, structureChanges}) => ({perRefresh, samplePerRefresh, externalPerRefresh, structureChanges})),
	};
}

type ProfileNode = {callFrame: {functionName: string; url: string; lineNumber: number}; selfSize: number; children: ProfileNode[]};

/**
 * Allocation by function: V8's sampling heap profiler, counting objects later collected too, over
 * `refreshes` warm refreshes; bytes per refresh per allocating function (sampled every 1 KB on average).
 */
async function sites() {
	const refreshes = flag('refreshes', 20);
	const {monitor, source} = await open();
	let model = monitor.refresh();
	for (let index = 0; index < 15; index++) model = monitor.refresh();
	const session = new Session();
	session.connect();
	await session.post('HeapProfiler.enable');
	await session.post('HeapProfiler.startSampling', {samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true});
	let structureChanges = 0;
	for (let index = 0; index < refreshes; index++) {
		model = monitor.refresh();
		if (source.structureChanged) structureChanges++;
	}
	const {profile} = (await session.post('HeapProfiler.stopSampling')) as {profile: {head: ProfileNode}};
	session.disconnect();
	const bySite = new Map<string, number>();
	let total = 0;
	const walk = (node: ProfileNode) => {
		if (node.selfSize > 0) {
			const {functionName, url, lineNumber} = node.callFrame;
			const file = url.startsWith('file://') ? path.relative(projectRoot, fileURLToPath(url)) : url || '(native)';
			const key = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
			bySite.set(key, (bySite.get(key) ?? 0) + node.selfSize);
			total += node.selfSize;
		}
		for (const child of node.children) walk(child);
	};
	walk(profile.head);
	const top = [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([site, bytes]) => ({site, bytesPerRefresh: Math.round(bytes / refreshes)}));
	monitor.close();
	return {mode, ...modelFacts(model), refreshes, structureChanges, totalBytesPerRefresh: Math.round(total / refreshes), top};
}

/** Just refreshes, for strace -c: two runs of different lengths, differenced, give the syscalls of a refresh. */
async function count() {
	const refreshes = flag('refreshes', 10);
	const {monitor} = await open();
	let model = monitor.refresh();
	for (let index = 1; index < refreshes; index++) model = monitor.refresh();
	monitor.close();
	return {mode, refreshes, ...modelFacts(model)};
}

const modes: Record<string, () => Promise<unknown>> = {timing, paced, alloc, sites, count};
if (!modes[mode]) throw new Error(`unknown mode ${mode}`);
const output = await modes[mode]();
observer.disconnect();
process.stdout.write(JSON.stringify(output) + '\n');
