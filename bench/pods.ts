/**
 * The node podtop pays most on: Kubernetes' default maximum of 110 pods, each an infra and two containers with
 * memory limits, alone and beside 1,600 sleepers and five loops forking every second (on the host, then inside
 * five pods' containers). podtop's live view against htop's in the same run, and the system calls of one refresh.
 */
import {log, processCount} from './common.js';
import {measureLiveFloor, type LiveFloor} from './floor.js';
import {measureLive, type LiveResult, type LiveOptions} from './live.js';
import {waitForQuiet} from './machine.js';
import {startPopulation} from './population.js';
import {syscalls} from './refresh.js';
import {charge, mebibytes} from './report.js';
import {ratio} from './stats.js';

export type PodsShape = {label: string; pods: number; sleepers: number; forkLoops: number; forkLoopsInPods?: boolean};

export type PodsShapeResult = PodsShape & {
	processes: number;
	cgroups: number;
	busyPercentBefore: number;
	syscalls: Awaited<ReturnType<typeof syscalls>>;
	/** floor: the reads of a refresh in C each second (bench/floor.c); null without a C compiler, absent in earlier results. */
	live: {podtop: LiveResult; htop: LiveResult | null; options: LiveOptions; floor?: LiveFloor | null};
};

export const podsShapes: readonly PodsShape[] = [
	{label: '110 pods', pods: 110, sleepers: 0, forkLoops: 0},
	{label: '110 pods + 1,600 sleepers + 5 fork loops', pods: 110, sleepers: 1600, forkLoops: 5},
	// Where probes and shell sidecars fork on a real node: inside the pods' containers.
	{label: '110 pods + 1,600 sleepers + 5 fork loops in containers', pods: 110, sleepers: 1600, forkLoops: 5, forkLoopsInPods: true},
];

export async function measurePods(options: {liveSeconds: number; quietTimeoutMs: number}): Promise<PodsShapeResult[]> {
	const results: PodsShapeResult[] = [];
	for (const shape of podsShapes) {
		log(`pods: ${shape.label}: starting`);
		const population = await startPopulation({size: shape.sleepers, pods: shape.pods, forkLoops: shape.forkLoops, forkLoopsInPods: shape.forkLoopsInPods});
		try {
			const busyPercentBefore = await waitForQuiet(15, options.quietTimeoutMs);
			log(`pods: ${shape.label}: ${processCount()} processes; syscalls of a refresh (strace -c -f)`);
			const calls = await syscalls({straceRefreshes: [5, 25]});
			const liveOptions: LiveOptions = {seconds: options.liveSeconds, warmupSeconds: 5, intervalMs: 1000, columns: 120, rows: 40};
			await waitForQuiet(15, options.quietTimeoutMs);
			const measured = await measureLive(liveOptions);
			log(`pods: ${shape.label}: the reads in C`);
			const live = {...measured, options: liveOptions, floor: await measureLiveFloor(liveOptions)};
			results.push({...shape, processes: processCount(), cgroups: population.cgroups, busyPercentBefore, syscalls: calls, live});
		} finally {
			log(`pods: ${shape.label}: removing`);
			await population.cleanup();
		}
	}
	return results;
}

const f = (value: number | null | undefined, digits = 1) => (value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits));

export function podsMarkdown(results: readonly PodsShapeResult[], date: string, command: string): string {
	const rows = results.map((result) => {
		const {podtop, htop} = result.live;
		const cpuRatio = htop ? ratio(podtop.cpuPercent, htop.cpuPercent) : null;
		const floor = result.live.floor?.cpuPercent;
		return `| ${result.label} (${result.processes} processes, ${result.cgroups} cgroups) | ${f(podtop.cpuPercent, 2)} % | ${f(htop?.cpuPercent, 2)} % | ${f(cpuRatio, 2)}× | ${f(floor, 2)} % (${f(htop ? ratio(floor ?? Number.NaN, htop.cpuPercent) : null, 2)}×) | ${mebibytes(podtop.rssMedianBytes)} / ${mebibytes(podtop.rssPeakBytes)} | ${charge(podtop.memoryCharge)} | ${f(result.syscalls?.perRefresh, 0)} | ${f(result.syscalls?.failedOpensPerRefresh, 1)} |`;
	});
	return [
		`## 110 pods (${date})`,
		'',
		`\`${command}\`: live view at 1 s in a 120×40 tmux pane, ${results[0]?.live.options.seconds ?? '–'} s from 5 s after the first complete frame; htop -d 10 the same way, right after; ` +
			'then the floor: the reads of a refresh in C (bench/floor.c) once a second for as long, after as long a warm-up.',
		'',
		'| shape | podtop CPU | htop CPU | ratio | floor CPU (against htop) | podtop RSS median / peak | its memory cgroup at the end (peak; the kernel\'s) | syscalls a refresh | failed opens a refresh |',
		'|---|---|---|---|---|---|---|---|---|',
		...rows,
		'',
	].join('\n');
}
