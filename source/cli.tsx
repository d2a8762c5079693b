#!/usr/bin/env node
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {setTimeout as delay} from 'node:timers/promises';
import v8 from 'node:v8';
import meow from 'meow';
import {Collector, CollectorSetupError} from './collect/collector.js';
import {createMonitor, type Monitor} from './model/monitor.js';
import {parseRuntimeCgroupPath} from './model/runtime-path.js';
import {modelToJson, toJsonText} from './output/json.js';
import {modelToText} from './output/text.js';
import {checkArguments, textWidth, UsageError} from './cli-args.js';
import {keysHelpText} from './view/key-bindings.js';

/** Set by the one-file build, which has no package.json beside it. */
declare const PODTOP_VERSION: string | undefined;
const bundledVersion = typeof PODTOP_VERSION === 'string' ? PODTOP_VERSION : undefined;

function usageError(error: unknown): never {
	if (!(error instanceof UsageError)) throw error;
	process.stderr.write(`podtop: ${error.message}\n`);
	process.exit(2);
}

let argv: string[];
try {
	argv = checkArguments(process.argv.slice(2));
} catch (error) {
	usageError(error);
}

const cli = meow(
	`
	Usage
	  $ podtop [options]
	  $ podtop events [--json] [--interval <ms>] [--root <dir>] [--proc <dir>] [--cgroup <dir>]

	Shows the pods and containers on this node, inferred from shared namespaces and cgroups in
	/proc and /sys/fs/cgroup, with each container's memory against its effective limit.

	Options
	  --once             Print the tree once (two samples 300 ms apart, for CPU rates) and exit
	  --json             Print JSON: one document with --once, else one line per interval
	  --interval <ms>    Sampling gap in milliseconds (default 1000, 100 to 3600000)
	  --proc <dir>       Read processes from this procfs (default /proc)
	  --cgroup <dir>     Read cgroups from this tree (default: found from mountinfo)
	  --root <dir>       A host's root mounted elsewhere: <dir>/proc, <dir>/sys/fs/cgroup, and container
	                     names from <dir>/run, <dir>/var/lib, <dir>/var/log (--proc, --cgroup override)
	  --width <columns>  Cut the text output to this width (default: the terminal's, else COLUMNS;
	                     piped, every line whole)
	  --no-color         Monochrome (also when NO_COLOR is set)
	  -v, --version      Print the version
	  -h, --help         Print this help

	Commands
	  events             Print memory limit hits, OOM kills (with the victim), pids.max and CPU
	                     throttling as they happen, one per line (--json: NDJSON), until Ctrl-C

	Keys (live view)
${keysHelpText('\t  ')}

	Examples
	  $ sudo podtop
	  $ sudo podtop --once
	  $ sudo podtop --once --json | jq '.pods[] | {name, containers: [.containers[].name]}'
	  $ podtop --root /host --once
`,
	{
		importMeta: import.meta,
		argv,
		pkg: bundledVersion ? {name: 'podtop', version: bundledVersion} : undefined,
		allowUnknownFlags: false,
		flags: {
			once: {type: 'boolean', default: false},
			json: {type: 'boolean', default: false},
			interval: {type: 'string', default: '1000'},
			proc: {type: 'string'},
			cgroup: {type: 'string'},
			root: {type: 'string'},
			width: {type: 'string'},
			color: {type: 'boolean', default: true},
			help: {type: 'boolean', default: false},
			version: {type: 'boolean', default: false},
		},
	},
);

const version = bundledVersion ?? cli.pkg.version ?? '0.0.0';
// meow answers --help and --version only when given alone.
if (cli.flags.help) cli.showHelp(0);
if (cli.flags.version) {
	process.stdout.write(`${version}\n`);
	process.exit(0);
}

function fail(message: string): never {
	process.stderr.write(`podtop: ${message}\n`);
	process.exit(2);
}

function parseInterval(text: string): number {
	if (!/^\d+$/.test(text)) fail(`--interval must be a whole number of milliseconds, not "${text}"`);
	const interval = Number(text);
	if (interval < 100 || interval > 3_600_000) fail(`--interval must be between 100 and 3600000 ms, not ${interval}`);
	return interval;
}

type Roots = {procRoot: string; cgroupRoot: string | null; root: string};

/** Where to read: --root <dir> means <dir>/proc, <dir>/sys/fs/cgroup and names under <dir>; --proc and --cgroup override. */
function roots(): Roots {
	const root = cli.flags.root;
	if (root === undefined) return {procRoot: cli.flags.proc ?? '/proc', cgroupRoot: cli.flags.cgroup ?? null, root: '/'};
	const procRoot = cli.flags.proc ?? path.join(root, 'proc');
	if (cli.flags.proc === undefined && !fs.existsSync(procRoot)) fail(`--root ${root} has no proc directory (${procRoot})`);
	return {procRoot, cgroupRoot: cli.flags.cgroup ?? path.join(root, 'sys/fs/cgroup'), root};
}

function openMonitor(deferFirstCmdlines: boolean): {monitor: Monitor; collector: Collector} {
	try {
		const collector = new Collector({...roots(), deferFirstCmdlines});
		return {monitor: createMonitor(collector, {identify: parseRuntimeCgroupPath}), collector};
	} catch (error) {
		if (error instanceof CollectorSetupError) fail(error.message);
		throw error;
	}
}

/** Of the text output; null: every line whole. */
let width: number | null = null;

function print(monitor: Monitor): void {
	const model = monitor.refresh();
	if (cli.flags.json) {
		process.stdout.write(toJsonText(modelToJson(model, {version})) + '\n');
	} else {
		process.stdout.write(modelToText(model, width));
	}
}

const onceGapMs = 300;

/** Two samples for the rates, the second 300 ms (or --interval, if shorter) after the first began. */
async function printOnce(monitor: Monitor, intervalMs: number): Promise<void> {
	// `podtop --once --json | head` closes the pipe early: that is the reader's choice, not an error.
	process.stdout.on('error', (error: NodeJS.ErrnoException) => {
		if (error.code !== 'EPIPE') throw error;
		process.exit(0);
	});
	const firstSampleAt = performance.now();
	monitor.refresh();
	await delay(Math.max(0, Math.min(intervalMs, onceGapMs) - (performance.now() - firstSampleAt)));
	print(monitor);
	monitor.close();
}

async function stream(monitor: Monitor, intervalMs: number): Promise<void> {
	let running = true;
	const stop = () => {
		running = false;
	};
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
	process.stdout.on('error', stop);
	monitor.refresh();
	while (running) {
		await delay(intervalMs);
		if (running) print(monitor);
	}
	monitor.close();
}

async function runEvents(intervalMs: number): Promise<void> {
	const {runEventsCommand} = await import('./events-command.js');
	try {
		const {procRoot, cgroupRoot} = roots();
		process.exitCode = await runEventsCommand({json: cli.flags.json, intervalMs, procRoot, cgroupRoot});
	} catch (error) {
		if (error instanceof CollectorSetupError) fail(error.message);
		throw error;
	}
}

/**
 * V8 doubles its young generation under the allocations of the first scan and render, up to 32 MB, and keeps
 * it: a sixth of a running podtop's memory (measured at 2,000 processes: RSS 103 → 85 MB, ~30 ms more to the
 * first frame). A monitor left running keeps its first size instead. Of V8's heap sizes, only the growth
 * factor is still read once the heap is set up. Not for --once, whose scan it would slow for nothing.
 */
function keepYoungGenerationSmall(): void {
	v8.setFlagsFromString('--semi-space-growth-factor=1');
}

async function main(): Promise<void> {
	if (cli.input[0] === 'events' && cli.input.length === 1) {
		keepYoungGenerationSmall();
		return runEvents(parseInterval(cli.flags.interval));
	}

	if (cli.input.length > 0) fail(`unknown command "${cli.input[0]}" (see podtop --help)`);
	const intervalMs = parseInterval(cli.flags.interval);
	try {
		width = textWidth({flag: cli.flags.width, columns: process.env.COLUMNS, terminalColumns: process.stdout.isTTY ? process.stdout.columns : null});
	} catch (error) {
		usageError(error);
	}
	const interactive = process.stdout.isTTY && process.stdin.isTTY;
	if (cli.flags.once || (!interactive && !cli.flags.json)) {
		await printOnce(openMonitor(false).monitor, intervalMs);
		return;
	}

	keepYoungGenerationSmall();
	if (cli.flags.json) {
		await stream(openMonitor(false).monitor, intervalMs);
	} else {
		// The live view shows command lines only in the details: its first frame does not wait for them.
		const {monitor, collector} = openMonitor(true);
		// React's development build prints warnings (with process-made text in them) to the terminal.
		process.env.NODE_ENV = 'production';
		const {runTui} = await import('./run-tui.js');
		const color = cli.flags.color && !('NO_COLOR' in process.env);
		// Events as in `podtop events`: v2 memory.events watched, victims from the kernel log when readable.
		await runTui({monitor, intervalMs, color, events: {layout: collector.layout, kmsgPath: '/dev/kmsg'}});
	}
}

await main();
