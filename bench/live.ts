import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {TmuxTerminal} from '../test/helpers/tmux-terminal.js';
import {onCleanup} from './cleanup.js';
import {clockTicksPerSecond, cliPath, cpuTicks, isAlive, log, sleep, statusKiB, waitFor, withoutCi} from './common.js';
import {busyPercentSince, cpuTimes} from './machine.js';
import {type MemoryCharge, MemoryCgroup} from './memory-cgroup.js';
import {median} from './stats.js';
import {htopFrameComplete, podtopFrameComplete, withHtopHome} from './terminal.js';

export type LiveOptions = {warmupSeconds: number; seconds: number; columns: number; rows: number; intervalMs: number};

/** podtop writes each screen update inside a synchronized update (BSU … ESU): only the rows that changed. */
export type UpdateAnalysis = {
	updates: number;
	updatesPerSecond: number;
	bytesPerUpdate: number | null;
	/** Rows written per update (median), of the pane's rows. */
	rowsPerUpdate: number | null;
	/** Updates that cleared the screen and drew every row: the first one, and the first after a resize. */
	wholeScreenUpdates: number;
};

export type LiveResult = {
	tool: string;
	command: string;
	seconds: number;
	cpuPercent: number;
	bytesPerSecond: number;
	rssBytes: number | null;
	rssMedianBytes: number | null;
	rssPeakBytes: number | null;
	/** podtop's own memory cgroup's charge (RSS, the kernel's memory for its open files, page cache): what a limit sees. */
	memoryCharge: MemoryCharge | null;
	updates: UpdateAnalysis | null;
	/** The machine's CPU use during the window by everything but the tool, in % of all CPUs: noise. */
	othersBusyPercent: number;
};

const beginSynchronizedUpdate = '\u001B[?2026h';
const rowPosition = /\u001B\[\d+;1H/g;

export function analyzeUpdates(output: Buffer, seconds: number): UpdateAnalysis {
	const updates = output.toString('utf8').split(beginSynchronizedUpdate).slice(1);
	return {
		updates: updates.length,
		updatesPerSecond: updates.length / seconds,
		bytesPerUpdate: updates.length === 0 ? null : output.length / updates.length,
		rowsPerUpdate: median(updates.map((update) => update.match(rowPosition)?.length ?? 0)),
		wholeScreenUpdates: updates.filter((update) => update.includes('\u001B[2J')).length,
	};
}

function fileSize(file: string): number {
	try {
		return fs.statSync(file).size;
	} catch {
		return 0;
	}
}

function readRange(file: string, start: number, end: number): Buffer {
	const descriptor = fs.openSync(file, 'r');
	try {
		const buffer = Buffer.alloc(Math.max(0, end - start));
		fs.readSync(descriptor, buffer, 0, buffer.length, start);
		return buffer;
	} finally {
		fs.closeSync(descriptor);
	}
}

/**
 * One tool in a tmux pane of its own: started, given `warmupSeconds` after its first complete frame, then
 * measured for `seconds`: CPU from /proc/<pid>/stat (utime + stime), bytes the pane received (pipe-pane),
 * RSS sampled every second.
 */
export async function measureTool(tool: string, argv: string[], complete: (screen: string) => boolean, options: LiveOptions, env: NodeJS.ProcessEnv): Promise<LiveResult> {
	const file = path.join(os.tmpdir(), `podtop-bench-pane-${process.pid}-${tool}.bin`);
	fs.rmSync(file, {force: true});
	const terminal = new TmuxTerminal(options.columns, options.rows, ['sleep', '3600'], {env, registerCleanup: onCleanup});
	const cgroup = tool === 'podtop' ? MemoryCgroup.create(`podtop-bench-memory-${process.pid}`) : null;
	try {
		terminal.pipeTo(file);
		terminal.respawn(cgroup ? cgroup.wrap(argv) : argv);
		const pid = terminal.panePid();
		await waitFor(() => complete(terminal.screen()), 60_000, `${tool}'s first complete frame`, 50);
		await sleep(options.warmupSeconds * 1000);
		const ticksBefore = cpuTicks(pid);
		const bytesBefore = fileSize(file);
		const machineBefore = cpuTimes();
		const started = performance.now();
		const rss: number[] = [];
		const deadline = started + options.seconds * 1000;
		while (performance.now() < deadline) {
			await sleep(Math.min(1000, deadline - performance.now()));
			const sample = statusKiB(pid, 'VmRSS');
			if (sample !== null) rss.push(sample);
		}
		const ticksAfter = cpuTicks(pid);
		const bytesAfter = fileSize(file);
		const machineBusy = busyPercentSince(machineBefore);
		const seconds = (performance.now() - started) / 1000;
		const peak = statusKiB(pid, 'VmHWM');
		const memoryCharge = cgroup?.charge() ?? null;
		if (ticksBefore === null || ticksAfter === null) throw new Error(`${tool} exited during the measurement:\n${terminal.screen()}`);
		const analysis = tool === 'podtop' ? analyzeUpdates(readRange(file, bytesBefore, bytesAfter), seconds) : null;
		terminal.type('q');
		await waitFor(() => !isAlive(pid), 10_000, `${tool} to quit on q`, 50).catch(() => log(`${tool} did not quit on q; the tmux server is killed`));
		const cpuPercent = ((ticksAfter - ticksBefore) / clockTicksPerSecond / seconds) * 100;
		return {
			tool,
			command: argv.join(' '),
			seconds,
			cpuPercent,
			bytesPerSecond: (bytesAfter - bytesBefore) / seconds,
			rssBytes: rss.at(-1) ?? null,
			rssMedianBytes: median(rss),
			rssPeakBytes: peak,
			memoryCharge,
			updates: analysis,
			othersBusyPercent: machineBusy - cpuPercent / os.cpus().length,
		};
	} finally {
		terminal.close();
		await cgroup?.remove();
		fs.rmSync(file, {force: true});
	}
}

/** podtop's live view, then htop at the same interval, one after the other, each in a 120×40 tmux pane. */
export async function measureLive(options: LiveOptions): Promise<{podtop: LiveResult; htop: LiveResult | null}> {
	const podtopArgv = [...withoutCi, process.execPath, cliPath, '--interval', String(options.intervalMs)];
	log(`live: podtop for ${options.seconds} s after ${options.warmupSeconds} s`);
	const podtop = await measureTool('podtop', podtopArgv, (screen) => podtopFrameComplete(screen, options.rows), options, process.env);
	let htop: LiveResult | null = null;
	try {
		log(`live: htop for ${options.seconds} s after ${options.warmupSeconds} s`);
		htop = await withHtopHome((home) => measureTool('htop', [...withoutCi, 'htop', '-d', String(Math.round(options.intervalMs / 100))], htopFrameComplete, options, {...process.env, HOME: home}));
	} catch (error) {
		log(`live: htop could not be measured: ${String(error)}`);
	}
	return {podtop, htop};
}

/**
 * Five loops forking a `sleep 1` each second, as sidecars and probes do on a node: a new process and an exit
 * every 200 ms. Stopped (by process group) by the function returned, and on Ctrl-C.
 */
export function startForkLoops(count = 5): () => void {
	const children = Array.from({length: count}, () => spawn('sh', ['-c', 'while :; do sleep 1; done'], {detached: true, stdio: 'ignore'}));
	const stop = () => {
		for (const child of children) {
			if (child.pid === undefined) continue;
			try {
				process.kill(-child.pid, 'SIGKILL');
			} catch {
				// Gone already.
			}
		}
	};
	const forget = onCleanup('the fork loops', stop);
	return () => {
		forget();
		stop();
	};
}
