/**
 * The floors under podtop's start and live costs, measured in the same run as podtop and its peers: Node's own
 * start and RSS, and the kernel's cost of podtop's reads done by a small C program (bench/floor.c) with nothing
 * else. How far podtop is above them is what podtop itself costs.
 */
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {createInterface} from 'node:readline';
import {onCleanup} from './cleanup.js';
import {benchDir, clockTicksPerSecond, commandExists, cpuTicks, log, run, sleep, statusKiB, waitFor} from './common.js';
import {timeCommands, type CommandTiming} from './commands.js';
import type {LiveOptions} from './live.js';

export type ReadCounts = {processes: number; cgroups: number};

export type StartFloors = {
	/** `node -e 0`: the start of the Node podtop runs on. */
	nodeStart: CommandTiming;
	/** `floor cold`: a first scan's reads; null where no C compiler is installed. */
	coldReads: (CommandTiming & ReadCounts) | null;
};

export type LiveFloor = ReadCounts & {seconds: number; cpuPercent: number};

let compiled: Promise<string | null> | null = null;

/** bench/floor.c compiled once per run into a temporary directory; null (and a log line) without `cc`. */
function floorProgram(): Promise<string | null> {
	compiled ??= (async () => {
		if (!commandExists('cc')) {
			log('floors: no C compiler (cc), the kernel-read floors are not measured (apt-get install gcc)');
			return null;
		}
		const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-bench-floor-'));
		onCleanup('the compiled floor program', () => fs.rmSync(directory, {recursive: true, force: true}));
		const program = path.join(directory, 'floor');
		const result = await run('cc', ['-O2', '-o', program, path.join(benchDir, 'floor.c')]);
		if (result.code !== 0) throw new Error(`cc bench/floor.c failed: ${result.stderr.slice(-2000)}`);
		return program;
	})();
	return compiled;
}

/** `node -e 0` and `floor cold`, timed the way `--once --json` and the peers are, on the population as it is. */
export async function measureStartFloors(runs: number, warmup: number): Promise<StartFloors> {
	const program = await floorProgram();
	const commands = [{name: 'node -e 0', argv: [process.execPath, '-e', '0']}];
	if (program) commands.push({name: 'floor cold', argv: [program, 'cold']});
	const timings = await timeCommands(commands, runs, warmup);
	if (!program) return {nodeStart: timings['node -e 0'], coldReads: null};
	const counts = JSON.parse((await run(program, ['cold'])).stdout) as ReadCounts;
	return {nodeStart: timings['node -e 0'], coldReads: {...timings['floor cold'], ...counts}};
}

/**
 * `floor live` over the live window's length after the same warm-up: its CPU is the kernel's cost of reading,
 * once a second, what podtop's refresh must read at the least (and the little C around it).
 */
export async function measureLiveFloor(options: Pick<LiveOptions, 'warmupSeconds' | 'seconds'>): Promise<LiveFloor | null> {
	const program = await floorProgram();
	if (!program) return null;
	const child = spawn(program, ['live'], {stdio: ['ignore', 'pipe', 'inherit']});
	const stop = () => {
		child.kill('SIGKILL');
	};
	const forget = onCleanup('floor live', stop);
	try {
		const firstLine = await new Promise<string>((resolve, reject) => {
			createInterface({input: child.stdout!}).once('line', resolve);
			child.once('exit', (code, signal) => reject(new Error(`floor live exited ${code ?? signal} before its first scan ended`)));
		});
		const counts = JSON.parse(firstLine) as ReadCounts;
		const pid = child.pid!;
		await sleep(options.warmupSeconds * 1000);
		const before = cpuTicks(pid);
		const started = performance.now();
		await sleep(options.seconds * 1000);
		const after = cpuTicks(pid);
		const seconds = (performance.now() - started) / 1000;
		if (before === null || after === null) throw new Error('floor live exited during the measurement');
		return {...counts, seconds, cpuPercent: ((after - before) / clockTicksPerSecond / seconds) * 100};
	} finally {
		forget();
		stop();
	}
}

/** The RSS of a Node that has run nothing, after a second: the part of any Node program's RSS that is Node's own. */
export async function measureNodeRss(): Promise<number | null> {
	const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], {stdio: 'ignore'});
	const forget = onCleanup('the idle node', () => {
		child.kill('SIGKILL');
	});
	try {
		await waitFor(() => statusKiB(child.pid!, 'VmRSS') !== null, 10_000, 'the idle node to start', 20);
		await sleep(1000);
		return statusKiB(child.pid!, 'VmRSS');
	} finally {
		forget();
		child.kill('SIGKILL');
	}
}
