import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {benchDir, commandExists, log, run, runJsonChild} from './common.js';
import {mean, median, summarize} from './stats.js';

const childScript = path.join(benchDir, 'refresh-child.ts');
const nodeWithTsx = (nodeFlags: readonly string[], args: readonly string[]) => [...nodeFlags, '--import', 'tsx', childScript, ...args];

type Timed = {wallMs: number; userMs: number; systemMs: number; sampleMs: number; changed: boolean};
type Facts = {
	counts: {pods: number; containers: number; processes: number};
	problems: {unreadableNamespaces: number; runningAsRoot: boolean; fdBudgetExhausted: boolean; noCgroupfs: boolean};
	cgroupMode: string;
	cpus: number;
};
type TimingOutput = Facts & {
	cold: {constructMs: number; firstRefreshMs: number; firstRefreshUserMs: number; firstRefreshSystemMs: number; firstSampleMs: number};
	keptDescriptors: number;
	steady: Timed[];
	gc: {
		refreshes: number;
		count: number;
		totalMs: number;
		byKind: Record<string, {count: number; ms: number}>;
		liveHeapCheckpoints: {x: number; y: number}[];
		liveGrowthPerRefresh: number;
		liveGrowthPerRefreshSecondHalf: number;
	};
	churn: {appeared: Timed[]; exited: Timed[]};
};
type AllocWindow = {perRefresh: number; samplePerRefresh: number; externalPerRefresh: number; structureChanges: number};
type AllocOutput = Facts & {
	perWindow: number;
	windows: number;
	cleanWindows: number;
	steadyWindows: number;
	calibration: {expectedBytes: number; measuredBytes: number; ratio: number};
	all: AllocWindow[];
};
type PacedOutput = Facts & {intervalMs: number; timings: Timed[]; causes: Record<string, number>};
type SitesOutput = Facts & {refreshes: number; structureChanges: number; totalBytesPerRefresh: number; top: {site: string; bytesPerRefresh: number}[]};

export type RefreshOptions = {runs: number; budgetMs: number; churn: number; allocWindows: number; straceRefreshes: [number, number]; pacedRefreshes: number};

const perProcess = (ms: number, processes: number) => (ms * 1000) / processes;

async function timingRuns(options: RefreshOptions) {
	const runs: TimingOutput[] = [];
	for (let index = 0; index < options.runs; index++) {
		runs.push(await runJsonChild<TimingOutput>(process.execPath, nodeWithTsx(['--expose-gc'], ['timing', '--budget-ms', String(options.budgetMs), '--churn', String(options.churn)])));
	}
	const perRun = runs.map((output) => {
		const processes = output.counts.processes;
		// Steady: refreshes in which nothing forked, exited or moved; those that did re-infer the pods.
		const steady = output.steady.filter((timed) => !timed.changed);
		const wall = steady.map((timed) => perProcess(timed.wallMs, processes));
		const allWall = output.steady.map((timed) => perProcess(timed.wallMs, processes));
		const churned = [...output.churn.appeared, ...output.churn.exited].map((timed) => perProcess(timed.wallMs, processes));
		return {
			processes,
			refreshes: output.steady.length,
			structureChanges: output.steady.length - steady.length,
			steadyMedian: median(wall)!,
			steadyMean: mean(wall)!,
			steadyP90: summarize(wall).p90!,
			steadyUserMean: mean(steady.map((timed) => perProcess(timed.userMs, processes)))!,
			steadySystemMean: mean(steady.map((timed) => perProcess(timed.systemMs, processes)))!,
			allRefreshesMean: mean(allWall)!,
			collectorShare: mean(steady.map((timed) => timed.sampleMs))! / mean(steady.map((timed) => timed.wallMs))!,
			coldPerProcess: perProcess(output.cold.constructMs + output.cold.firstRefreshMs, processes),
			coldMs: output.cold.constructMs + output.cold.firstRefreshMs,
			coldSystemMs: output.cold.firstRefreshSystemMs,
			churnMedian: median(churned)!,
			gcPerRefresh: output.gc.count / output.gc.refreshes,
			gcMsPerRefresh: output.gc.totalMs / output.gc.refreshes,
			gcByKind: output.gc.byKind,
			liveGrowth: output.gc.liveGrowthPerRefresh,
			liveGrowthSecondHalf: output.gc.liveGrowthPerRefreshSecondHalf,
			liveHeap: output.gc.liveHeapCheckpoints.at(-1)?.y ?? null,
			liveHeapCheckpoints: output.gc.liveHeapCheckpoints,
			keptDescriptors: output.keptDescriptors,
		};
	});
	type PerRun = (typeof perRun)[number];
	const pick = (key: keyof PerRun) => median(perRun.map((entry) => entry[key] as number));
	return {
		facts: {counts: runs[0].counts, problems: runs[0].problems, cgroupMode: runs[0].cgroupMode, cpus: runs[0].cpus},
		processes: pick('processes'),
		runs: perRun.length,
		steadyMicrosPerProcess: {
			median: pick('steadyMedian'),
			mean: pick('steadyMean'),
			p90: pick('steadyP90'),
			userMean: pick('steadyUserMean'),
			systemMean: pick('steadySystemMean'),
			allRefreshesMean: pick('allRefreshesMean'),
		},
		collectorShareOfRefresh: pick('collectorShare'),
		coldMicrosPerProcess: pick('coldPerProcess'),
		coldMs: pick('coldMs'),
		coldSystemMs: pick('coldSystemMs'),
		churnMicrosPerProcess: pick('churnMedian'),
		gc: {
			perRefresh: pick('gcPerRefresh'),
			msPerRefresh: pick('gcMsPerRefresh'),
			byKindFirstRun: perRun[0].gcByKind,
			liveGrowthBytesPerRefresh: pick('liveGrowth'),
			liveGrowthSecondHalfBytesPerRefresh: pick('liveGrowthSecondHalf'),
			liveHeapBytes: pick('liveHeap'),
		},
		keptDescriptors: pick('keptDescriptors'),
		perRun,
	};
}

/** Refreshes a second apart, as the live view does: how often they re-infer pods, and what they cost. */
async function pacedRun(options: RefreshOptions) {
	const output = await runJsonChild<PacedOutput>(process.execPath, nodeWithTsx([], ['paced', '--refreshes', String(options.pacedRefreshes), '--interval-ms', '1000']));
	const processes = output.counts.processes;
	const wall = output.timings.map((timed) => perProcess(timed.wallMs, processes));
	return {
		intervalMs: output.intervalMs,
		refreshes: output.timings.length,
		reinferred: output.timings.filter((timed) => timed.changed).length,
		microsPerProcess: {mean: mean(wall), median: median(wall)},
		/** Over the refreshes that re-inferred: processes that appeared, exited, kernel threads and processes whose comm changed. */
		causes: output.causes,
		processes,
	};
}

const allocRefreshesPerWindow = 5;

async function allocRun(options: RefreshOptions) {
	// Windows of 5 refreshes with a full GC before each; windows in which pods were re-inferred (something
	// changed on the machine) are told apart. Not a GC before every refresh: V8 then flushes the bytecode of
	// what runs every fifth refresh (the listing, the large cgroup files) and compiles it again, an artefact
	// no live view pays (bench/README.md, heap allocated).
	// 256 MB semi-spaces: no scavenge inside a window, even at 10,000 processes.
	const output = await runJsonChild<AllocOutput>(
		process.execPath,
		nodeWithTsx(['--expose-gc', '--min-semi-space-size=256', '--max-semi-space-size=256'], ['alloc', '--windows', String(options.allocWindows), '--per-window', String(allocRefreshesPerWindow)]),
	);
	const steady = output.all.filter((window) => window.structureChanges === 0);
	return {
		// Refreshes that did not re-infer pods, averaged: every fifth also lists /proc and reads the large
		// cgroup files, so the mean is what a steady refresh allocates over time. The others apart.
		bytesPerRefresh: mean(steady.map((window) => window.perRefresh)),
		bytesPerRefreshMedian: median(steady.map((window) => window.perRefresh)),
		collectorBytesPerRefresh: mean(steady.map((window) => window.samplePerRefresh)),
		externalBytesPerRefresh: mean(steady.map((window) => window.externalPerRefresh)),
		steadyWindows: steady.length,
		windowsWithStructureChanges: output.all.length - steady.length,
		bytesPerRefreshWithStructureChanges: mean(output.all.filter((window) => window.structureChanges > 0).map((window) => window.perRefresh)),
		cleanWindows: output.cleanWindows,
		windows: output.windows,
		refreshesPerWindow: output.perWindow,
		calibration: output.calibration,
		processes: output.counts.processes,
		all: output.all,
	};
}

async function allocationSites() {
	const output = await runJsonChild<SitesOutput>(process.execPath, nodeWithTsx([], ['sites', '--refreshes', '20']));
	return {refreshes: output.refreshes, structureChanges: output.structureChanges, sampledBytesPerRefresh: output.totalBytesPerRefresh, top: output.top};
}

export type SyscallTable = Map<string, {calls: number; errors: number}>;

export function parseStraceSummary(text: string): SyscallTable {
	const table: SyscallTable = new Map();
	for (const line of text.split('\n')) {
		const tokens = line.trim().split(/\s+/);
		if (tokens.length < 5 || !/^\d/.test(tokens[0])) continue;
		const name = tokens.at(-1)!;
		if (name === 'total') continue;
		table.set(name, {calls: Number(tokens[3]), errors: tokens.length >= 6 ? Number(tokens[4]) : 0});
	}
	return table;
}

async function straceRun(refreshes: number): Promise<{table: SyscallTable; processes: number}> {
	const output = path.join(os.tmpdir(), `podtop-bench-strace-${process.pid}-${refreshes}.txt`);
	try {
		const result = await run('strace', ['-f', '-c', '-o', output, process.execPath, ...nodeWithTsx([], ['count', '--refreshes', String(refreshes)])]);
		if (result.code !== 0) throw new Error(`strace run failed: ${result.stderr.slice(-1000)}`);
		const facts = JSON.parse(result.stdout) as Facts;
		return {table: parseStraceSummary(fs.readFileSync(output, 'utf8')), processes: facts.counts.processes};
	} finally {
		fs.rmSync(output, {force: true});
	}
}

/**
 * Syscalls of one refresh: a long and a short run under strace -c -f, differenced, so start-up cancels out.
 * Failed opens are counted apart: a file looked for again and again that is not there.
 */
export async function syscalls(options: Pick<RefreshOptions, 'straceRefreshes'>) {
	if (!commandExists('strace')) return null;
	const [short, long] = options.straceRefreshes;
	const a = await straceRun(short);
	const b = await straceRun(long);
	const processes = (a.processes + b.processes) / 2;
	const byName: Record<string, number> = {};
	let total = 0;
	for (const [name, entry] of b.table) {
		const perRefresh = (entry.calls - (a.table.get(name)?.calls ?? 0)) / (long - short);
		total += perRefresh;
		if (Math.abs(perRefresh) >= 0.5) byName[name] = perRefresh;
	}
	const sorted = Object.fromEntries(
		Object.entries(byName)
			.sort((x, y) => y[1] - x[1])
			.map(([name, perRefresh]) => [name, Math.round(perRefresh)]),
	);
	const failedOpens = ((b.table.get('openat')?.errors ?? 0) - (a.table.get('openat')?.errors ?? 0)) / (long - short);
	return {perRefresh: Math.round(total), perProcessPerRefresh: total / processes, processes, refreshes: [short, long], byNamePerRefresh: sorted, failedOpensPerRefresh: failedOpens};
}

export async function measureRefresh(options: RefreshOptions) {
	log(`refresh: ${options.runs} timing run(s) in fresh processes`);
	const timing = await timingRuns(options);
	const pacedRefreshes = await pacedRun(options);
	log(`refresh: steady ${timing.steadyMicrosPerProcess.mean?.toFixed(2)} µs/process (mean), cold ${timing.coldMicrosPerProcess?.toFixed(1)} µs/process; allocation`);
	const allocation = await allocRun(options);
	const sites = await allocationSites();
	log(`refresh: ${allocation.bytesPerRefresh?.toFixed(0)} B allocated per steady refresh; syscalls (strace -c -f)`);
	const syscallCounts = await syscalls(options);
	return {timing, paced: pacedRefreshes, allocation, allocationSites: sites, syscalls: syscallCounts};
}
