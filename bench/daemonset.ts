/**
 * The readme's DaemonSet: each of its containers' commands run alone in a memory cgroup of its own, as a
 * container runs, at 10,000 processes and at 110 pods: what the cgroup is charged (RSS, the kernel's memory
 * for the files podtop keeps open and the /proc entries it looks up, page cache) against the manifest's limit.
 */
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {onCleanup} from './cleanup.js';
import {cliPath, cpuTicks, clockTicksPerSecond, log, processCount, sleep, statusKiB} from './common.js';
import {type MemoryCharge, MemoryCgroup} from './memory-cgroup.js';
import {startPopulation} from './population.js';
import {charge, mebibytes} from './report.js';

/** The readme's DaemonSet gives each container this much. */
export const daemonSetLimitBytes = 192 * 2 ** 20;

type Shape = {label: string; size: number; pods?: number};
const shapes: readonly Shape[] = [
	{label: '10,000 sleepers', size: 10_000},
	{label: '110 pods', size: 0, pods: 110},
];

/** The DaemonSet's containers' commands (readme), without `--root /host`. */
function commands(recordDirectory: string): Array<{name: string; args: string[]}> {
	return [
		{name: '--json --interval 15000', args: ['--json', '--interval', '15000']},
		{name: 'events --json', args: ['events', '--json']},
		{name: 'serve --interval 15000', args: ['serve', '--listen', '127.0.0.1:0', '--interval', '15000']},
		{name: 'record --retain 26h --max-size 1G', args: ['record', '--retain', '26h', '--max-size', '1G', '--dir', recordDirectory]},
	];
}

export type DaemonSetResult = {shape: string; processes: number; command: string; seconds: number; charge: MemoryCharge | null; rssPeakBytes: number | null; cpuPercent: number | null};

async function measureCommand(shape: string, command: {name: string; args: string[]}, seconds: number): Promise<DaemonSetResult> {
	const cgroup = MemoryCgroup.create(`podtop-bench-daemonset-${process.pid}`);
	if (!cgroup) throw new Error('no memory controller to measure a container\'s charge with');
	const argv = cgroup.wrap([process.execPath, cliPath, ...command.args]);
	const child = spawn(argv[0], argv.slice(1), {stdio: ['ignore', 'ignore', 'ignore']});
	const forget = onCleanup(`podtop ${command.name}`, () => {
		child.kill('SIGKILL');
	});
	try {
		// The start's cold scan and first samples are in the peak; the window's CPU is steady state.
		await sleep(10_000);
		const before = cpuTicks(child.pid!);
		await sleep(seconds * 1000);
		const after = cpuTicks(child.pid!);
		const measured = {charge: cgroup.charge(), rssPeakBytes: statusKiB(child.pid!, 'VmHWM')};
		if (before === null || after === null) throw new Error(`podtop ${command.name} exited`);
		return {shape, processes: processCount(), command: command.name, seconds, ...measured, cpuPercent: ((after - before) / clockTicksPerSecond / seconds) * 100};
	} finally {
		child.kill('SIGTERM');
		await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
		forget();
		await cgroup.remove();
	}
}

export async function measureDaemonSet(options: {seconds: number}): Promise<DaemonSetResult[]> {
	const results: DaemonSetResult[] = [];
	const recordDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-bench-record-'));
	fs.chmodSync(recordDirectory, 0o700);
	const forgetDirectory = onCleanup('the recording directory', () => fs.rmSync(recordDirectory, {recursive: true, force: true}));
	try {
		for (const shape of shapes) {
			log(`daemonset: ${shape.label}: starting`);
			const population = await startPopulation({size: shape.size, pods: shape.pods});
			try {
				for (const command of commands(recordDirectory)) {
					log(`daemonset: ${shape.label}: podtop ${command.name} for ${options.seconds} s after 10 s`);
					results.push(await measureCommand(shape.label, command, options.seconds));
				}
			} finally {
				log(`daemonset: ${shape.label}: removing`);
				await population.cleanup();
			}
		}
	} finally {
		forgetDirectory();
		fs.rmSync(recordDirectory, {recursive: true, force: true});
	}
	return results;
}

export function daemonSetMarkdown(results: readonly DaemonSetResult[], date: string, command: string): string {
	const limit = daemonSetLimitBytes;
	const rows = results.map((result) => {
		const peak = result.charge?.peakBytes ?? null;
		const spare = peak === null ? '–' : `${(100 * (1 - peak / limit)).toFixed(0)} %`;
		return `| ${result.shape} (${result.processes.toLocaleString('en-US')} processes) | \`${result.command}\` | ${charge(result.charge)} | ${spare} | ${mebibytes(result.rssPeakBytes)} | ${result.cpuPercent?.toFixed(2) ?? '–'} % |`;
	});
	return [
		`## The DaemonSet's containers (${date})`,
		'',
		`\`${command}\`: each container's command alone in a memory cgroup of its own, ${results[0]?.seconds ?? '–'} s after 10 s; ` +
			`the charge is what the kernel compares with the container's limit (${mebibytes(limit)}).`,
		'',
		'| shape | command | memory cgroup at the end (peak; the kernel\'s) | limit spare at the peak | RSS peak | CPU, % of a core |',
		'|---|---|---|---|---|---|',
		...rows,
		'',
	].join('\n');
}
