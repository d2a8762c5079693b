/**
 * The refresh loop under churn, in a process of its own (run with --expose-gc): refreshes every 100 ms,
 * checks every model against /proc, and reports on stdout, one JSON line each:
 * `{"phase":"baseline",...}` after a warm-up, then, once a line arrives on stdin (the churn is over),
 * `{"phase":"after",...}` after a cool-down.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import {setTimeout as sleep} from 'node:timers/promises';
import {Collector} from '../../source/collect/collector.js';
import {createMonitor} from '../../source/model/monitor.js';
import {parseRuntimeCgroupPath} from '../../source/model/runtime-path.js';
import type {PodModel, ProcessRecord} from '../../source/model/types.js';

const intervalMs = 100;
const gc = (globalThis as {gc?: () => void}).gc;
if (!gc) throw new Error('run with --expose-gc');

const monitor = createMonitor(new Collector({procRoot: '/proc', cgroupRoot: null}), {identify: parseRuntimeCgroupPath});
let refreshes = 0;
let errors: string[] = [];
let stale: string[] = [];
let slowestMs = 0;
let maxProcesses = 0;
let known = new Map<number, number>();
let reused = 0;

function starttimeNow(pid: number): number | null {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
		const state = stat.slice(stat.lastIndexOf(')') + 2);
		if (state[0] === 'Z' || state[0] === 'X') return null;
		return Number(state.split(' ')[19]);
	} catch {
		return null;
	}
}

function processesOf(model: PodModel): ProcessRecord[] {
	return [...model.pods.flatMap((pod) => pod.containers.flatMap((container) => container.processes)), ...model.hostProcesses];
}

function refreshAndCheck(): void {
	// Processes of the last model that are gone (or replaced) now, before the sample: dead for sure.
	const deadBefore = new Map<number, number>();
	for (const [pid, starttime] of known) if (starttimeNow(pid) !== starttime) deadBefore.set(pid, starttime);
	const started = performance.now();
	let model: PodModel;
	try {
		model = monitor.refresh();
	} catch (error) {
		errors.push(String((error as Error).stack ?? error));
		return;
	}
	slowestMs = Math.max(slowestMs, performance.now() - started);
	refreshes++;
	const next = new Map<number, number>();
	const processes = processesOf(model);
	maxProcesses = Math.max(maxProcesses, processes.length);
	for (const process of processes) {
		// A zombie shown as Z is not shown as alive.
		if (deadBefore.get(process.pid) === process.starttime && process.state !== 'Z' && process.state !== 'X') {
			stale.push(`pid ${process.pid} (${process.comm}, ${process.state}) shown after it exited`);
		}
		const before = known.get(process.pid);
		if (before !== undefined && before !== process.starttime) {
			reused++;
			if (process.previousCpuTicks !== -1) errors.push(`pid ${process.pid} reused (starttime ${before} → ${process.starttime}) kept the old record's CPU figure`);
		}
		next.set(process.pid, process.starttime);
	}
	known = next;
	if (new Set(processes.map((process) => process.pid)).size !== processes.length) errors.push('a pid is listed twice');
}

function measure(phase: string): void {
	gc?.();
	gc?.();
	const result = {
		phase,
		refreshes,
		errors: errors.slice(0, 5),
		errorCount: errors.length,
		stale: stale.slice(0, 5),
		staleCount: stale.length,
		slowestMs: Math.round(slowestMs),
		maxProcesses,
		heapUsed: process.memoryUsage().heapUsed,
		fds: fs.readdirSync('/proc/self/fd').length,
		processes: known.size,
		reused,
	};
	process.stdout.write(JSON.stringify(result) + '\n');
	errors = [];
	stale = [];
	slowestMs = 0;
	maxProcesses = 0;
}

async function loop(count: number): Promise<void> {
	for (let index = 0; index < count; index++) {
		refreshAndCheck();
		await sleep(intervalMs);
	}
}

process.on('uncaughtException', (error) => errors.push(`uncaught: ${error.stack}`));
process.on('unhandledRejection', (error) => errors.push(`unhandled: ${String(error)}`));

await loop(30);
measure('baseline');
let churnOver = false;
const input = readline.createInterface({input: process.stdin});
input.once('line', () => {
	churnOver = true;
	input.close();
});
while (!churnOver) await loop(1);
measure('churn');
await loop(30);
measure('after');
monitor.close();
process.exit(0);
