import type {CommandTiming} from './commands.js';
import type {EventsResult, EventsResults, EventsSkipped} from './events.js';
import type {LiveFloor, StartFloors} from './floor.js';
import type {LiveResult} from './live.js';
import type {Machine} from './machine.js';
import type {MemoryCharge} from './memory-cgroup.js';
import type {measureRefresh} from './refresh.js';
import type {FirstFrame} from './start.js';
import {ratio} from './stats.js';

export type PeerTiming = CommandTiming & {processes: number; microsPerProcess: number | null};

/** floor and nodeRssBytes: absent in results from before they were measured; floor null without a C compiler. */
export type LiveRun = {
	podtop: LiveResult;
	htop: LiveResult | null;
	options: {seconds: number; warmupSeconds: number; intervalMs: number; columns: number; rows: number};
	floor?: LiveFloor | null;
	nodeRssBytes?: number | null;
};

export type SizeResult = {
	size: number;
	date: string;
	command: string;
	quick: boolean;
	machine: Machine;
	podtop: {commit: string | null; uncommittedSourceFiles: number | null};
	population: {
		size: number;
		groups: Record<string, number>;
		groupedProcesses: number;
		cgroups: number;
		processesInCgroups: number;
		buildMs: number;
		processesBefore: number;
	};
	busyPercentBefore: number;
	/** The machine's CPU use in the last second before each phase (after waiting for a quiet machine), in % of all CPUs. */
	busyPercentBeforePhase: Partial<Record<'refresh' | 'peers' | 'start' | 'live', number>>;
	loadBefore: number[];
	loadAfter: number[];
	refresh?: Awaited<ReturnType<typeof measureRefresh>>;
	peers?: Record<string, PeerTiming>;
	/** htopFirstFrame: null when htop is not installed; absent in results from before it was measured. */
	start?: {firstFrame: FirstFrame; htopFirstFrame?: FirstFrame | null; onceJson: CommandTiming; floors?: StartFloors};
	live?: LiveRun;
	/** The same beside five loops forking a `sleep 1` each second; absent in results from before it was measured. */
	liveForks?: LiveRun;
	events?: EventsResults;
};

/** The results of a run of the events phase alone (`--only events`): no population is built for it. */
export type EventsRun = Pick<SizeResult, 'date' | 'command' | 'quick' | 'machine' | 'podtop'> & {events: EventsResults};

const kB = 1000;
const MB = 1000 * 1000;

function number(value: number | null | undefined, digits = 1): string {
	if (value === null || value === undefined || !Number.isFinite(value)) return '–';
	return value.toLocaleString('en-US', {minimumFractionDigits: digits, maximumFractionDigits: digits});
}

function bytes(value: number | null | undefined): string {
	if (value === null || value === undefined || !Number.isFinite(value)) return '–';
	if (Math.abs(value) >= MB) return `${number(value / MB, 1)} MB`;
	if (Math.abs(value) >= kB) return `${number(value / kB, 1)} KB`;
	return `${number(value, 0)} B`;
}

/** Whole MiB, the unit of a container's memory limit; `–` for no value. */
export function mebibytes(value: number | null | undefined): string {
	return value === null || value === undefined || !Number.isFinite(value) ? '–' : `${number(value / 2 ** 20, 0)} MiB`;
}

/** A memory cgroup's charge in MiB, the unit of a container's limit: at the end (peak; the kernel's). */
export function charge(value: MemoryCharge | null | undefined): string {
	return value ? `${mebibytes(value.bytes)} (${mebibytes(value.peakBytes)}; ${mebibytes(value.kernelBytes)})` : '–';
}

function times(value: number | null): string {
	return value === null ? '–' : `${number(value, value >= 10 ? 0 : value >= 2 ? 1 : 2)}×`;
}

export type Target = {name: string; target: string; measured: string; met: boolean | null; by: string};

/** podtop's targets, judged on the run at 2,000 processes (or the size nearest to it). */
export function judgeTargets(result: SizeResult | null, events: EventsResults | null): Target[] {
	const targets: Target[] = [];
	const add = (name: string, target: string, value: number | null | undefined, limit: number, format: (value: number) => string) => {
		if (value === null || value === undefined || !Number.isFinite(value)) {
			targets.push({name, target, measured: '–', met: null, by: 'not measured'});
			return;
		}
		const met = value <= limit;
		const by = value <= 0 ? 'none measured' : met ? `${times(limit / value)} under` : `${times(value / limit)} over`;
		targets.push({name, target, measured: format(value), met, by});
	};
	const refresh = result?.refresh;
	add('steady refresh, nothing changed (mean)', '≤ 10 µs/process', refresh?.timing.steadyMicrosPerProcess.mean, 10, (value) => `${number(value, 2)} µs`);
	add('refresh every 1 s on the live machine (mean)', '≤ 10 µs/process', refresh?.paced.microsPerProcess.mean, 10, (value) => `${number(value, 2)} µs`);
	add('heap allocated per refresh', '≤ 100 KB', refresh?.allocation.bytesPerRefresh, 100 * kB, bytes);
	add('no GC growth: live heap growth per refresh (slope after full GCs)', '≈ 0 (≤ 100 B)', refresh?.timing.gc.liveGrowthBytesPerRefresh, 100, (value) => (value > 0 ? `${bytes(value)} (${bytes(value * 3600)} per hour at 1 s)` : bytes(value)));
	const live = result?.live;
	const htop = live?.htop;
	add('live CPU at 1 s', `≤ 0.35× htop's (${htop ? number(htop.cpuPercent, 2) : '–'} %)`, live?.podtop.cpuPercent, htop ? htop.cpuPercent * 0.35 : Number.NaN, (value) => `${number(value, 2)} %`);
	const forksHtop = result?.liveForks?.htop;
	add('live CPU at 1 s beside five fork loops', `≤ 0.5× htop's (${forksHtop ? number(forksHtop.cpuPercent, 2) : '–'} %)`, result?.liveForks?.podtop.cpuPercent, forksHtop ? forksHtop.cpuPercent * 0.5 : Number.NaN, (value) => `${number(value, 2)} %`);
	add('bytes/s to the terminal', `≤ htop's (${htop ? bytes(htop.bytesPerSecond) : '–'}/s)`, live?.podtop.bytesPerSecond, htop ? htop.bytesPerSecond : Number.NaN, (value) => `${bytes(value)}/s`);
	add('RSS', '≤ 60 MB', live?.podtop.rssBytes, 60 * MB, bytes);
	const htopFrame = result?.start?.htopFirstFrame?.completeFrameMs.median;
	add('first complete frame', `≤ htop's (${htopFrame ? `${number(htopFrame, 0)} ms` : '–'})`, result?.start?.firstFrame.completeFrameMs.median, htopFrame ?? Number.NaN, (value) => `${number(value, 0)} ms`);
	const lsns = result?.peers?.['lsns -J']?.seconds.median;
	add('--once --json wall time', `≤ lsns -J's (${lsns ? `${number(lsns * 1000, 0)} ms` : '–'})`, result?.start ? (result.start.onceJson.seconds.median ?? Number.NaN) * 1000 : null, lsns ? lsns * 1000 : Number.NaN, (value) => `${number(value, 0)} ms`);
	return result ? [...targets, ...eventTargets(events)] : eventTargets(events);
}

function measured(part: EventsResult | EventsSkipped | undefined): EventsResult | undefined {
	return part && 'changes' in part ? part : undefined;
}

/** The events rows of the targets: the median for the v2 watch (fixture, real in the VM); every change within one interval on v1. */
function eventTargets(events: EventsResults | null): Target[] {
	const targets: Target[] = [];
	const median = (name: string, part: EventsResult | EventsSkipped | undefined) => {
		const value = measured(part)?.latencyMs.median;
		if (value === null || value === undefined) {
			targets.push({name, target: '< 100 ms', measured: '–', met: null, by: part && 'skipped' in part ? part.skipped : 'not measured'});
			return;
		}
		const met = value < 100;
		targets.push({name, target: '< 100 ms', measured: `${number(value, 1)} ms (median)`, met, by: met ? `${times(100 / value)} under` : `${times(value / 100)} over`});
	};
	median('memory.events change → event, v2 fixture (median)', events?.fixture);
	median('memory.events change → event, real v2 in the qemu VM (median)', events?.vm);
	const v1 = measured(events?.v1);
	const name = 'memory.failcnt / oom_kill change → event, real v1 (every change)';
	if (!v1 || v1.latencyMs.max === null) {
		const skipped = events?.v1 && 'skipped' in events.v1 ? events.v1.skipped : 'not measured';
		targets.push({name, target: 'within one interval', measured: '–', met: null, by: skipped});
	} else {
		const unreported = v1.changes - v1.reported;
		targets.push({
			name,
			target: `within one interval (${number(v1.intervalMs, 0)} ms)`,
			measured: `max ${number(v1.latencyMs.max, 0)} ms${unreported > 0 ? `, ${unreported} of ${v1.changes} never reported` : ''}`,
			met: v1.withinInterval ?? null,
			by: v1.latencyMs.max <= v1.intervalMs ? `${number(v1.intervalMs - v1.latencyMs.max, 0)} ms to spare` : `${number(v1.latencyMs.max - v1.intervalMs, 0)} ms over`,
		});
	}
	return targets;
}

function runLines(run: Pick<SizeResult, 'date' | 'quick' | 'machine' | 'podtop'>, command: string): string[] {
	const {machine, podtop} = run;
	return [
		`Machine: ${machine.cores} cores (${machine.cpuModel ?? 'unknown CPU'}${machine.virtualized ? ', virtualized' : ''}), ` +
			`${bytes(machine.memoryBytes)} RAM, kernel ${machine.kernel}, Node ${machine.node}, cgroup ${machine.cgroupMode}, ` +
			`open files ${machine.openFilesSoftHard} (soft/hard), ${machine.root ? 'root' : 'not root'}. ` +
			`Tools: ${Object.entries(machine.tools).map(([name, version]) => `${name} ${version ?? 'absent'}`).join(', ')}.`,
		'',
		`Command: \`${command}\`${run.quick ? ' (quick run: fewer repetitions, shorter live window)' : ''}, ${run.date}, ` +
			`podtop ${podtop.commit ?? 'unknown commit'}${podtop.uncommittedSourceFiles ? ` with ${podtop.uncommittedSourceFiles} uncommitted files under source/` : ''}.`,
		'',
	];
}

function eventsLine(label: string, part: EventsResult | EventsSkipped): string {
	if ('skipped' in part) return `- ${label}: not measured (${part.skipped}).`;
	const {latencyMs, latencyFromReadBeforeMs, observerGapMs, busyPercentBefore} = part;
	return (
		`- ${label}, interval ${number(part.intervalMs, 0)} ms: ${part.reported} of ${part.changes} changes reported, median ${number(latencyMs.median, 1)} ms ` +
		`(min ${number(latencyMs.min, 1)}, p90 ${number(latencyMs.p90, 1)}, max ${number(latencyMs.max, 1)})` +
		(latencyFromReadBeforeMs
			? ` from the observer's read that saw the change, median ${number(latencyFromReadBeforeMs.median, 1)} ms (max ${number(latencyFromReadBeforeMs.max, 1)}) from its read before`
			: '') +
		'; ' +
		(observerGapMs ? `observer reads ${number(observerGapMs.median, 1)} ms apart (median; max ${number(observerGapMs.max, 1)}); ` : '') +
		(busyPercentBefore === undefined ? '' : `machine ${number(busyPercentBefore, 0)} % busy just before; `) +
		`${part.note}.`
	);
}

function eventsLines(events: EventsResults): string[] {
	return [
		'Events: a counter change → the NDJSON line of `podtop events --json` that reports it:',
		'',
		eventsLine('v2 fixture (the watch alone)', events.fixture),
		eventsLine('real v2 in the qemu VM (the watch alone)', events.vm),
		eventsLine('real v1 here (counters compared each refresh)', events.v1),
		'',
	];
}

/** The markdown of `--only events`: the events and their targets. */
export function eventsMarkdown(run: EventsRun): string {
	const out = [...runLines(run, run.command), ...eventsLines(run.events), 'Targets:', '', '| target | goal | measured | met | by |', '|---|---|---|---|---|'];
	for (const target of judgeTargets(null, run.events)) out.push(targetRow(target));
	return [...out, ''].join('\n');
}

function targetRow(target: Target): string {
	return `| ${target.name} | ${target.target} | ${target.measured} | ${target.met === null ? '–' : target.met ? 'yes' : '**no**'} | ${target.by} |`;
}

export function markdown(results: readonly SizeResult[], events: EventsResults | null, command: string): string {
	const out: string[] = [];
	if (results[0]) out.push(...runLines(results[0], command));
	const header = ['', ...results.map((result) => `${result.size.toLocaleString('en-US')} sleepers`)];
	const rows: string[][] = [];
	const row = (label: string, cell: (result: SizeResult) => string) => rows.push([label, ...results.map(cell)]);
	row('machine busy just before refresh / peers / start / live, % of all CPUs', (r) =>
		(['refresh', 'peers', 'start', 'live'] as const).map((phase) => number(r.busyPercentBeforePhase[phase], 0)).join(' / '),
	);
	row('processes podtop saw (pods, containers)', (r) => (r.refresh ? `${r.refresh.timing.facts.counts.processes} (${r.refresh.timing.facts.counts.pods}, ${r.refresh.timing.facts.counts.containers})` : '–'));
	row('steady refresh, µs/process: mean (median)', (r) => (r.refresh ? `${number(r.refresh.timing.steadyMicrosPerProcess.mean, 2)} (${number(r.refresh.timing.steadyMicrosPerProcess.median, 2)})` : '–'));
	row('… CPU in user / kernel, µs/process', (r) =>
		r.refresh ? `${number(r.refresh.timing.steadyMicrosPerProcess.userMean, 2)} / ${number(r.refresh.timing.steadyMicrosPerProcess.systemMean, 2)}` : '–',
	);
	row('… of which the collector (scan + cgroups)', (r) => (r.refresh ? `${number((r.refresh.timing.collectorShareOfRefresh ?? Number.NaN) * 100, 0)} %` : '–'));
	row('refresh every 1 s as the live view does, µs/process: mean (median); refreshes that re-inferred pods', (r) =>
		r.refresh
			? `${number(r.refresh.paced.microsPerProcess.mean, 2)} (${number(r.refresh.paced.microsPerProcess.median, 2)}); ${r.refresh.paced.reinferred} of ${r.refresh.paced.refreshes} ` +
				`(kernel threads renamed ${r.refresh.paced.causes.kernelThreadRenamed ?? 0}, processes renamed ${r.refresh.paced.causes.processRenamed ?? 0}, ` +
				`appeared ${r.refresh.paced.causes.appeared ?? 0}, exited ${r.refresh.paced.causes.exited ?? 0})`
			: '–',
	);
	row('refresh after a fork or an exit, µs/process', (r) => (r.refresh ? number(r.refresh.timing.churnMicrosPerProcess, 2) : '–'));
	row('cold first scan (new Collector + first refresh), µs/process', (r) => (r.refresh ? `${number(r.refresh.timing.coldMicrosPerProcess, 1)} (${number(r.refresh.timing.coldMs, 0)} ms)` : '–'));
	row('heap allocated per steady refresh (collector part)', (r) => (r.refresh ? `${bytes(r.refresh.allocation.bytesPerRefresh)} (${bytes(r.refresh.allocation.collectorBytesPerRefresh)})` : '–'));
	row('… per refresh in windows that re-inferred pods', (r) => (r.refresh ? bytes(r.refresh.allocation.bytesPerRefreshWithStructureChanges) : '–'));
	row('GCs per refresh, GC ms per refresh', (r) => (r.refresh ? `${number(r.refresh.timing.gc.perRefresh, 2)}, ${number(r.refresh.timing.gc.msPerRefresh, 3)} ms` : '–'));
	row('live heap after full GCs: growth per refresh (second half); live heap', (r) =>
		r.refresh
			? `${bytes(r.refresh.timing.gc.liveGrowthBytesPerRefresh)} (${bytes(r.refresh.timing.gc.liveGrowthSecondHalfBytesPerRefresh)}); ${bytes(r.refresh.timing.gc.liveHeapBytes)}`
			: '–',
	);
	row('syscalls per refresh (per process)', (r) => (r.refresh?.syscalls ? `${number(r.refresh.syscalls.perRefresh, 0)} (${number(r.refresh.syscalls.perProcessPerRefresh, 2)})` : '–'));
	row('file descriptors kept; budget exhausted', (r) => (r.refresh ? `${r.refresh.timing.keptDescriptors}; ${r.refresh.timing.facts.problems.fdBudgetExhausted ? '**yes**' : 'no'}` : '–'));
	for (const name of Object.keys(results.find((r) => r.peers)?.peers ?? {})) {
		row(`\`${name}\`, µs/process (vs podtop steady; vs cold)`, (r) => {
			const peer = r.peers?.[name];
			if (!peer) return '–';
			const steady = r.refresh?.timing.steadyMicrosPerProcess.mean;
			const cold = r.refresh?.timing.coldMicrosPerProcess;
			const failed = peer.failedRuns > 0 ? `, ${peer.failedRuns} of ${peer.runs} runs exited non-zero` : '';
			return `${number(peer.microsPerProcess, 1)} (${times(ratio(peer.microsPerProcess, steady))}; ${times(ratio(peer.microsPerProcess, cold))}${failed})`;
		});
	}
	row('first complete frame in tmux, ms (median); htop\'s (podtop / htop)', (r) => {
		if (!r.start) return '–';
		const podtop = r.start.firstFrame.completeFrameMs.median;
		const htop = r.start.htopFirstFrame?.completeFrameMs.median;
		return htop ? `${number(podtop, 0)}; ${number(htop, 0)} (${times(ratio(podtop, htop))})` : number(podtop, 0);
	});
	row('`podtop --once --json` wall time, ms (median); `lsns -J`\'s (podtop / lsns)', (r) => {
		if (!r.start) return '–';
		const once = r.start.onceJson.seconds.median;
		const lsns = r.peers?.['lsns -J']?.seconds.median;
		return lsns ? `${number((once ?? Number.NaN) * 1000, 0)}; ${number(lsns * 1000, 0)} (${times(ratio(once, lsns))})` : number((once ?? Number.NaN) * 1000, 0);
	});
	row('floors: `node -e 0`; a first scan\'s reads in C (bench/floor.c), ms (median)', (r) => {
		const floors = r.start?.floors;
		if (!floors) return '–';
		const cold = floors.coldReads;
		const node = number((floors.nodeStart.seconds.median ?? Number.NaN) * 1000, 0);
		return cold ? `${node}; ${number((cold.seconds.median ?? Number.NaN) * 1000, 0)} (${cold.processes.toLocaleString('en-US')} processes, ${cold.cgroups} cgroups)` : `${node}; –`;
	});
	out.push(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((cells) => `| ${cells.join(' | ')} |`), '');

	const withLive = results.find((result) => result.live);
	if (withLive?.live) {
		const {podtop, htop, options} = withLive.live;
		out.push(
			`Live, ${withLive.size.toLocaleString('en-US')} sleepers, ${options.columns}×${options.rows} tmux pane, interval ${options.intervalMs} ms, ${options.seconds} s measured after ${options.warmupSeconds} s:`,
			'',
			'| | podtop | htop | podtop / htop |',
			'|---|---|---|---|',
			`| CPU, % of a core | ${number(podtop.cpuPercent, 2)} | ${number(htop?.cpuPercent, 2)} | ${times(ratio(podtop.cpuPercent, htop?.cpuPercent))} |`,
			`| bytes/s to the terminal | ${bytes(podtop.bytesPerSecond)} | ${bytes(htop?.bytesPerSecond)} | ${times(ratio(podtop.bytesPerSecond, htop?.bytesPerSecond))} |`,
			`| everything else on the machine meanwhile, % of all CPUs | ${number(podtop.othersBusyPercent, 1)} | ${number(htop?.othersBusyPercent, 1)} | |`,
			`| RSS at the end (peak) | ${bytes(podtop.rssBytes)} (${bytes(podtop.rssPeakBytes)}) | ${bytes(htop?.rssBytes)} (${bytes(htop?.rssPeakBytes)}) | ${times(ratio(podtop.rssBytes, htop?.rssBytes))} |`,
			`| its memory cgroup's charge at the end (peak; of it the kernel's) | ${charge(podtop.memoryCharge)} | | |`,
		);
		const forks = withLive.liveForks;
		if (forks) {
			out.push(
				`| CPU beside five loops forking a sleep each second, % of a core | ${number(forks.podtop.cpuPercent, 2)} | ${number(forks.htop?.cpuPercent, 2)} | ${times(ratio(forks.podtop.cpuPercent, forks.htop?.cpuPercent))} |`,
				`| RSS at the end (peak) beside them | ${bytes(forks.podtop.rssBytes)} (${bytes(forks.podtop.rssPeakBytes)}) | ${bytes(forks.htop?.rssBytes)} (${bytes(forks.htop?.rssPeakBytes)}) | |`,
				`| its memory cgroup's charge beside them | ${charge(forks.podtop.memoryCharge)} | | |`,
			);
		}
		if (withLive.live.floor) {
			out.push(`| floor: the reads of a refresh in C each second (bench/floor.c), % of a core; beside the fork loops | ${number(withLive.live.floor.cpuPercent, 2)}; ${number(forks?.floor?.cpuPercent, 2)} | | ${times(ratio(withLive.live.floor.cpuPercent, htop?.cpuPercent))} |`);
		}
		if (withLive.live.nodeRssBytes) out.push(`| floor: RSS of a Node that runs nothing | ${bytes(withLive.live.nodeRssBytes)} | | |`);
		if (podtop.updates) {
			const updates = podtop.updates;
			out.push(
				`| podtop screen updates/s; bytes per update | ${number(updates.updatesPerSecond, 2)}; ${bytes(updates.bytesPerUpdate)} | | |`,
				`| podtop rows written per update (median), of ${options.rows}; updates that redrew every row | ${number(updates.rowsPerUpdate, 0)}; ${updates.wholeScreenUpdates} of ${updates.updates} | | |`,
			);
		}
		out.push('');
	}
	if (events) out.push(...eventsLines(events));
	const profiled = results.find((result) => result.size === 2000) ?? results.at(-1);
	if (profiled?.refresh) {
		const {allocationSites, syscalls} = profiled.refresh;
		out.push(
			`Where a warm refresh allocates at ${profiled.size.toLocaleString('en-US')} sleepers (V8 sampling heap profiler, collected objects included, ${bytes(allocationSites.sampledBytesPerRefresh)} per refresh sampled over ${allocationSites.refreshes} refreshes, ${allocationSites.structureChanges} of which re-inferred pods): ` +
				allocationSites.top
					.slice(0, 6)
					.map((site) => `\`${site.site}\` ${bytes(site.bytesPerRefresh)}`)
					.join(', ') +
				'.',
			'',
		);
		if (syscalls) {
			out.push(
				`Syscalls per refresh at ${profiled.size.toLocaleString('en-US')} sleepers: ` +
					Object.entries(syscalls.byNamePerRefresh)
						.filter(([, calls]) => calls > 0)
						.slice(0, 6)
						.map(([name, calls]) => `${name} ${calls.toLocaleString('en-US')}`)
						.join(', ') +
					'.',
				'',
			);
		}
	}
	const judged = results.find((result) => result.size === 2000) ?? results.find((result) => result.live) ?? results[0];
	if (judged) {
		out.push(`Targets, at ${judged.size.toLocaleString('en-US')} sleepers:`, '', '| target | goal | measured | met | by |', '|---|---|---|---|---|');
		for (const target of judgeTargets(judged, events)) out.push(targetRow(target));
		out.push('');
		const floors = floorLines(judged);
		if (floors.length > 0) out.push(`Floors, at ${judged.size.toLocaleString('en-US')} sleepers: what no program on Node doing podtop's reads can go under, and how far podtop is above it:`, '', ...floors, '');
	}
	return out.join('\n');
}

/** A missed goal's floor: podtop above it, and whether the goal is above the floor at all (if not, no work on podtop meets it). */
function floorLine(name: string, podtop: number | null | undefined, floor: number | null, goal: number | null, unit: string, floorParts: string): string | null {
	if (podtop === null || podtop === undefined || floor === null || !Number.isFinite(floor) || !Number.isFinite(podtop)) return null;
	const digits = unit === 'ms' ? 0 : 2;
	const reachable = goal === null || !Number.isFinite(goal) ? '' : floor <= goal ? `; the goal (${number(goal, digits)} ${unit}) is ${times(goal / floor)} the floor` : `; **the floor is above the goal** (${number(goal, digits)} ${unit}) by ${times(floor / goal)}`;
	return `- ${name}: floor ${number(floor, digits)} ${unit} (${floorParts}); podtop ${number(podtop, digits)} ${unit}, ${number(podtop - floor, digits)} ${unit} above it (${times(podtop / floor)})${reachable}.`;
}

function floorLines(result: SizeResult): string[] {
	const lines: Array<string | null> = [];
	const floors = result.start?.floors;
	const milliseconds = (timing: CommandTiming | null | undefined) => (timing?.seconds.median === null || timing?.seconds.median === undefined ? null : timing.seconds.median * 1000);
	const node = milliseconds(floors?.nodeStart);
	const cold = milliseconds(floors?.coldReads);
	if (node !== null && cold !== null && result.start) {
		const parts = `\`node -e 0\` ${number(node, 0)} + the cold reads ${number(cold, 0)}`;
		lines.push(floorLine('first complete frame', result.start.firstFrame.completeFrameMs.median, node + cold, result.start.htopFirstFrame?.completeFrameMs.median ?? null, 'ms', parts));
		const lsns = result.peers?.['lsns -J']?.seconds.median;
		// The second sample is taken 300 ms after the first began: the cold reads overlap that gap.
		const once = `\`node -e 0\` ${number(node, 0)} + the longer of the cold reads (${number(cold, 0)}) and the 300 ms between the two samples CPU rates need`;
		lines.push(floorLine('`--once --json`', milliseconds(result.start.onceJson), node + Math.max(cold, 300), lsns ? lsns * 1000 : null, 'ms', once));
	}
	const live = result.live;
	if (live?.floor) {
		lines.push(floorLine('live CPU, % of a core', live.podtop.cpuPercent, live.floor.cpuPercent, live.htop ? live.htop.cpuPercent * 0.35 : null, '%', 'the reads in C'));
	}
	const forks = result.liveForks;
	if (forks?.floor) {
		lines.push(floorLine('live CPU beside the fork loops, % of a core', forks.podtop.cpuPercent, forks.floor.cpuPercent, forks.htop ? forks.htop.cpuPercent * 0.5 : null, '%', 'the reads in C'));
	}
	if (live?.nodeRssBytes && live.podtop.rssBytes !== null) {
		lines.push(floorLine('RSS, MB', live.podtop.rssBytes / MB, live.nodeRssBytes / MB, 60, 'MB', 'a Node that runs nothing'));
	}
	return lines.filter((line): line is string => line !== null);
}
