#!/usr/bin/env node
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {setTimeout as delay} from 'node:timers/promises';
import v8 from 'node:v8';
import meow from 'meow';
import {Collector, CollectorSetupError} from './collect/collector.js';
import {describeHost} from './collect/host-description.js';
import {createMonitor, type Monitor} from './model/monitor.js';
import {parseRuntimeCgroupPath} from './model/runtime-path.js';
import {modelToJson, toJsonText} from './output/json.js';
import {modelToText} from './output/text.js';
import {checkArguments, textWidth, UsageError} from './cli-args.js';
import {readPastEvents} from './event-source.js';
import {pastEventsToJson, pastEventsToText} from './output/event-lines.js';
import {keysHelpText} from './view/help-lines.js';

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
	  $ podtop events [--json] [--since-boot] [--interval <ms>]
	  $ podtop record [--dir <dir>] [--interval <ms>] [--retain <duration>]
	                  [--max-size <size>] [--no-cmdline]
	  $ podtop replay [--dir <dir>] [--at <time>] [--once [--json]]
	  $ podtop serve [--listen <addr:port>] [--interval <ms>]
	  (events and serve also take --root, --proc and --cgroup)

	Shows the pods and containers on this node, inferred from shared namespaces
	and cgroups in /proc and /sys/fs/cgroup, with each container's memory
	against its effective limit.

	Options
	  --once             Print the tree once (two samples 300 ms apart, for CPU
	                     rates) and exit
	  --json             Print JSON: one document with --once, else one line per
	                     interval
	  --interval <ms>    Sampling gap in milliseconds (default 1000, 100 to
	                     3600000)
	  --proc <dir>       Read processes from this procfs (default /proc)
	  --cgroup <dir>     Read cgroups from this tree (default: from mountinfo)
	  --root <dir>       A host's root mounted elsewhere: <dir>/proc,
	                     <dir>/sys/fs/cgroup, and container names from
	                     <dir>/run, <dir>/var/lib, <dir>/var/log (--proc and
	                     --cgroup override)
	  --width <columns>  Cut the text output to this width (default: the
	                     terminal's, else COLUMNS; piped, every line whole)
	  --no-color         Monochrome (also when NO_COLOR is set)
	  --record           Record while the live view runs (as podtop record,
	                     same --dir and limits)
	  --dir <dir>        Recording directory (default /var/lib/podtop as root,
	                     else $XDG_STATE_HOME/podtop; with --root:
	                     <dir>/var/lib/podtop)
	  --retain <d>       Remove recorded samples older than this (default 24h;
	                     90m, 2h, 7d)
	  --max-size <size>  Keep the recording under this size (default 512M; 64M,
	                     2G)
	  --no-cmdline       Record without command lines (they can hold secrets)
	  --at <time>        Replay from this moment: ISO 8601, a time of today
	                     (08:01) or relative (-10m, -2h)
	  -v, --version      Print the version
	  -h, --help         Print this help

	Commands
	  events             Print memory limit hits, OOM kills (with the victim),
	                     pids.max and CPU throttling as they happen, one per
	                     line (--json: NDJSON), until Ctrl-C; --since-boot
	                     first prints the OOM kills the kernel log still holds
	  record             Record the pods, containers, gauges, processes and
	                     events, until Ctrl-C
	  replay             The live view over a recording; with --once, the
	                     sample at --at, printed
	  serve              Serve /metrics (Prometheus text, or OpenMetrics when
	                     asked) and /healthz on --listen (default
	                     127.0.0.1:9470), from a model refreshed every interval

	Keys (live view)
${keysHelpText('\t  ', 76)}

	Examples
	  $ sudo podtop
	  $ sudo podtop --once
	  $ sudo podtop --once --json | jq '.pods[] | [.name, .containers[].name]'
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
			sinceBoot: {type: 'boolean', default: false},
			interval: {type: 'string', default: '1000'},
			proc: {type: 'string'},
			cgroup: {type: 'string'},
			root: {type: 'string'},
			width: {type: 'string'},
			listen: {type: 'string'},
			color: {type: 'boolean', default: true},
			help: {type: 'boolean', default: false},
			version: {type: 'boolean', default: false},
			record: {type: 'boolean', default: false},
			dir: {type: 'string'},
			at: {type: 'string'},
			retain: {type: 'string'},
			maxSize: {type: 'string'},
			cmdline: {type: 'boolean', default: true},
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

/** What the host is, looked up once beside the first samples and in every snapshot from then on. */
async function describe(collector: Collector): Promise<void> {
	collector.describeHost(await describeHost(roots().root));
}

function print(monitor: Monitor, withPast = false): void {
	const model = monitor.refresh();
	// --once: the OOM kills the kernel log holds from before, placed in this model.
	const past = withPast ? readPastEvents(model, '/dev/kmsg', (cgroupPath) => monitor.goneCgroupNames?.(cgroupPath) ?? null) : null;
	if (cli.flags.json) {
		process.stdout.write(toJsonText({...modelToJson(model, {version}), ...(past ? pastEventsToJson(past) : {})}) + '\n');
	} else {
		process.stdout.write(modelToText(model, width) + (past ? pastEventsToText(past, width) : ''));
	}
}

const onceGapMs = 300;

/** Two samples for the rates, the second 300 ms (or --interval, if shorter) after the first began. */
async function printOnce(monitor: Monitor, intervalMs: number, described: Promise<void> | null): Promise<void> {
	// `podtop --once --json | head` closes the pipe early: that is the reader's choice, not an error.
	process.stdout.on('error', (error: NodeJS.ErrnoException) => {
		if (error.code !== 'EPIPE') throw error;
		process.exit(0);
	});
	const firstSampleAt = performance.now();
	monitor.refresh();
	await delay(Math.max(0, Math.min(intervalMs, onceGapMs) - (performance.now() - firstSampleAt)));
	await described;
	print(monitor, true);
	monitor.close();
}

async function stream(monitor: Monitor, intervalMs: number, described: Promise<void>): Promise<void> {
	let running = true;
	const stop = () => {
		running = false;
	};
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
	process.stdout.on('error', stop);
	monitor.refresh();
	await described;
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
		process.exitCode = await runEventsCommand({json: cli.flags.json, sinceBoot: cli.flags.sinceBoot, intervalMs, procRoot, cgroupRoot});
	} catch (error) {
		if (error instanceof CollectorSetupError) fail(error.message);
		throw error;
	}
}

async function runServe(intervalMs: number): Promise<void> {
	const {defaultListen, ListenError, parseListenAddress, runServeCommand} = await import('./serve-command.js');
	const listenText = cli.flags.listen ?? defaultListen;
	const listen = parseListenAddress(listenText);
	if (listen === null) fail(`--listen must be <addr:port> or [<ipv6>]:<port>, not "${listenText}"`);
	if (cli.flags.once || cli.flags.json) fail('--once and --json are not for podtop serve');
	try {
		process.exitCode = await runServeCommand({listen, intervalMs, ...roots()});
	} catch (error) {
		if (error instanceof CollectorSetupError || error instanceof ListenError) fail(error.message);
		throw error;
	}
}

/**
 * V8 doubles its young generation under the allocations of the first scan and render, up to its maximum, and
 * keeps it: a large share of a running podtop's memory (docs/performance.md, RSS). A monitor left running keeps its first size instead. Of V8's heap sizes, only the growth
 * factor is still read once the heap is set up. Not for --once, whose scan it would slow for nothing.
 */
function keepYoungGenerationSmall(): void {
	v8.setFlagsFromString('--semi-space-growth-factor=1');
}

async function recordingSettings(intervalMs: number) {
	const {recordingSettings: settings} = await import('./recording/settings.js');
	return settings(cli.flags, intervalMs, version, fail);
}

async function runRecordingCommand(command: 'record' | 'replay'): Promise<void> {
	const {RecordingError} = await import('./recording/directory.js');
	try {
		if (command === 'record') {
			keepYoungGenerationSmall();
			const {runRecordCommand} = await import('./record-command.js');
			const {procRoot, cgroupRoot} = roots();
			process.exitCode = await runRecordCommand({...(await recordingSettings(parseInterval(cli.flags.interval))), procRoot, cgroupRoot});
			return;
		}
		const {directory} = await recordingSettings(1000);
		const {runReplayOnce, runReplayTui} = await import('./replay-command.js');
		if (cli.flags.once || !process.stdout.isTTY || !process.stdin.isTTY) {
			process.exitCode = runReplayOnce({directory, at: cli.flags.at, json: cli.flags.json, podtopVersion: version, columns: process.stdout.isTTY ? process.stdout.columns : 80});
			return;
		}
		// React's development build prints warnings (with process-made text in them) to the terminal.
		process.env.NODE_ENV = 'production';
		await runReplayTui({directory, at: cli.flags.at, color: cli.flags.color && !('NO_COLOR' in process.env)});
	} catch (error) {
		if (error instanceof RecordingError || error instanceof CollectorSetupError) fail(error.message);
		throw error;
	}
}

/** `--record`: the live view's models and events written as `podtop record` writes them. */
async function startLiveRecorder(intervalMs: number) {
	const [{liveRecorder}, {RecordingError}] = await Promise.all([import('./record-command.js'), import('./recording/directory.js')]);
	try {
		return liveRecorder(await recordingSettings(intervalMs));
	} catch (error) {
		if (error instanceof RecordingError) fail(error.message);
		throw error;
	}
}

async function main(): Promise<void> {
	if (cli.input[0] === 'events' && cli.input.length === 1) {
		keepYoungGenerationSmall();
		return runEvents(parseInterval(cli.flags.interval));
	}
	if ((cli.input[0] === 'record' || cli.input[0] === 'replay') && cli.input.length === 1) return runRecordingCommand(cli.input[0]);
	if (cli.input[0] === 'serve' && cli.input.length === 1) {
		keepYoungGenerationSmall();
		return runServe(parseInterval(cli.flags.interval));
	}
	if (cli.flags.listen !== undefined) fail('--listen is for podtop serve');

	if (cli.input.length > 0) fail(`unknown command "${cli.input[0]}" (see podtop --help)`);
	const intervalMs = parseInterval(cli.flags.interval);
	try {
		width = textWidth({flag: cli.flags.width, columns: process.env.COLUMNS, terminalColumns: process.stdout.isTTY ? process.stdout.columns : null});
	} catch (error) {
		usageError(error);
	}
	const interactive = process.stdout.isTTY && process.stdin.isTTY;
	if (cli.flags.record && (cli.flags.once || cli.flags.json || !interactive)) fail('--record records the live view; without a terminal, run podtop record');
	if (cli.flags.once || (!interactive && !cli.flags.json)) {
		// The text has no room for what the host is; the JSON has.
		const {monitor, collector} = openMonitor(false);
		await printOnce(monitor, intervalMs, cli.flags.json ? describe(collector) : null);
		return;
	}

	keepYoungGenerationSmall();
	if (cli.flags.json) {
		const {monitor, collector} = openMonitor(false);
		await stream(monitor, intervalMs, describe(collector));
	} else {
		// The live view shows command lines only in the details: its first frame does not wait for them.
		const {monitor, collector} = openMonitor(true);
		void describe(collector);
		// React's development build prints warnings (with process-made text in them) to the terminal.
		process.env.NODE_ENV = 'production';
		const {runTui} = await import('./run-tui.js');
		const color = cli.flags.color && !('NO_COLOR' in process.env);
		const recorder = cli.flags.record ? await startLiveRecorder(intervalMs) : null;
		// Events as in `podtop events`: v2 memory.events watched, victims from the kernel log when readable.
		await runTui({monitor, intervalMs, color, events: {layout: collector.layout, kmsgPath: '/dev/kmsg', history: true, onUpdate: recorder?.onUpdate}});
		const failure = recorder?.close();
		if (failure) fail(failure);
	}
}

await main();
