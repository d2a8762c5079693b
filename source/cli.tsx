#!/usr/bin/env node
import process from 'node:process';
import {setTimeout as delay} from 'node:timers/promises';
import meow from 'meow';
import {Collector, CollectorSetupError} from './collect/collector.js';
import {createMonitor, type Monitor} from './model/monitor.js';
import {parseRuntimeCgroupPath} from './model/runtime-path.js';
import {modelToJson} from './output/json.js';
import {modelToText} from './output/text.js';

/** Set by the one-file build, which has no package.json beside it. */
declare const PODTOP_VERSION: string | undefined;
const bundledVersion = typeof PODTOP_VERSION === 'string' ? PODTOP_VERSION : undefined;

const valueFlags = new Set(['interval', 'proc', 'cgroup']);
const knownFlags = new Set([...valueFlags, 'once', 'json', 'color', 'no-color', 'version', 'help']);

/** meow reports unknown flags over two lines; podtop's errors are one line. */
function rejectUnknownFlags(argv: readonly string[]): void {
	for (let index = 0; index < argv.length; index++) {
		const argument = argv[index];
		if (argument === '--') return;
		if (!argument.startsWith('-')) continue;
		const name = argument.replace(/^--?/, '').split('=')[0];
		if (valueFlags.has(name) && !argument.includes('=')) index++;
		if (!knownFlags.has(name)) {
			process.stderr.write(`podtop: unknown flag ${argument.split('=')[0]} (see podtop --help)\n`);
			process.exit(2);
		}
	}
}

rejectUnknownFlags(process.argv.slice(2));

const cli = meow(
	`
	Usage
	  $ podtop [options]
	  $ podtop events [--json] [--interval <ms>] [--proc <dir>] [--cgroup <dir>]

	Shows the pods and containers on this node, inferred from shared namespaces and cgroups in
	/proc and /sys/fs/cgroup, with each container's memory against its effective limit.

	Options
	  --once             Print the tree once (two samples over at most 500 ms) and exit
	  --json             Print JSON: one document with --once, else one line per interval
	  --interval <ms>    Sampling gap in milliseconds (default 1000, 100 to 3600000)
	  --proc <dir>       Read processes from this procfs (default /proc)
	  --cgroup <dir>     Read cgroups from this tree (default: found from mountinfo)
	  --no-color         Monochrome (also when NO_COLOR is set)
	  --version          Print the version
	  --help             Print this help

	Commands
	  events             Print memory limit hits, OOM kills (with the victim), pids.max and CPU
	                     throttling as they happen, one per line (--json: NDJSON), until Ctrl-C

	Keys (live view)
	  ↑/↓ j/k  move         PgUp/PgDn g/G  page, top, bottom
	  →/l/Enter expand      ←/h collapse   Space  toggle
	  /  filter (Esc clears) s  sort        r  reverse
	  n  namespace matrix   d  details     p  pause
	  +/-  interval         ?  help        q  quit

	Examples
	  $ sudo podtop
	  $ sudo podtop --once
	  $ sudo podtop --once --json | jq '.pods[] | {name, containers: [.containers[].name]}'
	  $ podtop --proc /host/proc --cgroup /host/sys/fs/cgroup --once
`,
	{
		importMeta: import.meta,
		pkg: bundledVersion ? {name: 'podtop', version: bundledVersion} : undefined,
		allowUnknownFlags: false,
		flags: {
			once: {type: 'boolean', default: false},
			json: {type: 'boolean', default: false},
			interval: {type: 'string', default: '1000'},
			proc: {type: 'string', default: '/proc'},
			cgroup: {type: 'string'},
			color: {type: 'boolean', default: true},
		},
	},
);

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

function openMonitor(): Monitor {
	try {
		const collector = new Collector({procRoot: cli.flags.proc, cgroupRoot: cli.flags.cgroup ?? null});
		return createMonitor(collector, {identify: parseRuntimeCgroupPath});
	} catch (error) {
		if (error instanceof CollectorSetupError) fail(error.message);
		throw error;
	}
}

function print(monitor: Monitor): void {
	const model = monitor.refresh();
	if (cli.flags.json) {
		process.stdout.write(JSON.stringify(modelToJson(model, {version: cli.pkg.version ?? '0.0.0'})) + '\n');
	} else {
		process.stdout.write(modelToText(model, process.stdout.isTTY ? process.stdout.columns : 80));
	}
}

async function printOnce(monitor: Monitor, intervalMs: number): Promise<void> {
	monitor.refresh();
	await delay(Math.min(intervalMs, 500));
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
		process.exitCode = await runEventsCommand({json: cli.flags.json, intervalMs, procRoot: cli.flags.proc, cgroupRoot: cli.flags.cgroup ?? null});
	} catch (error) {
		if (error instanceof CollectorSetupError) fail(error.message);
		throw error;
	}
}

async function main(): Promise<void> {
	if (cli.input[0] === 'events' && cli.input.length === 1) return runEvents(parseInterval(cli.flags.interval));
	if (cli.input.length > 0) fail(`unknown command "${cli.input[0]}" (see podtop --help)`);
	const intervalMs = parseInterval(cli.flags.interval);
	const monitor = openMonitor();
	const interactive = process.stdout.isTTY && process.stdin.isTTY;
	if (cli.flags.once || (!interactive && !cli.flags.json)) {
		await printOnce(monitor, intervalMs);
	} else if (cli.flags.json) {
		await stream(monitor, intervalMs);
	} else {
		const {runTui} = await import('./app.js');
		const color = cli.flags.color && !('NO_COLOR' in process.env);
		await runTui({monitor, intervalMs, color});
	}
}

await main();
