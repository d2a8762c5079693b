/**
 * podtop's benchmark (method: bench/README.md): `npm run bench [-- --quick] [-- --sizes 200,2000] [-- --only refresh,peers]`.
 *
 * For each size it builds a population of sleepers (a tenth in pod-like groups with their own
 * net/ipc/uts, some also pid+mnt, user or per-member mnt namespaces; ~100 v1 cgroups with limits),
 * measures podtop and its peers on it, and removes it. Results: bench/results/<run>-<size>.json, a
 * markdown summary on stdout and in bench/results/<run>.md, where <run> is the date (<date>-2… for a
 * day's later runs). The events phase needs no population: alone (`--only events`) it builds none and
 * writes bench/results/<run>-events.{json,md}.
 * Everything it starts it stops (the VM too), also on an error or Ctrl-C; the population of a run
 * killed outright is removed by the next run.
 */
import fs from 'node:fs';
import path from 'node:path';
import {cleanupAll, cleanupOnSignals} from './cleanup.js';
import {benchDir, commandExists, freshRunLabel, log, processCount, run} from './common.js';
import {onceJsonCommand, peerCommands, timeCommands} from './commands.js';
import {measureEvents, type EventsResult, type EventsResults, type EventsSkipped} from './events.js';
import {measureEventsV1} from './events-v1.js';
import {measureEventsInVm} from './events-vm.js';
import {measureLiveFloor, measureNodeRss, measureStartFloors} from './floor.js';
import {measureLive, startForkLoops} from './live.js';
import {daemonSetMarkdown, measureDaemonSet} from './daemonset.js';
import {measurePods, podsMarkdown} from './pods.js';
import {describeMachine, loadAverage, waitForQuiet} from './machine.js';
import {removeStaleRuns, startPopulation} from './population.js';
import {measureRefresh} from './refresh.js';
import {eventsMarkdown, markdown, type EventsRun, type PeerTiming, type SizeResult} from './report.js';
import {measureServe, serveMarkdown} from './serve.js';
import {measureSoak, soakMarkdown} from './soak.js';
import {measureFirstFrame} from './start.js';

const phases = ['refresh', 'peers', 'start', 'live', 'events', 'pods', 'soak', 'serve', 'daemonset'] as const;
type Phase = (typeof phases)[number];
/** Without --only: everything but the soak, which takes an hour, and serve and daemonset, which build their own populations. */
const defaultPhases: readonly Phase[] = ['refresh', 'peers', 'start', 'live', 'events', 'pods'];
/** The phases measured on a population of each size; events needs none. */
const populationPhases: readonly Phase[] = ['refresh', 'peers', 'start', 'live'];
/** Phases that build their own population or none, measured before the sizes'. */
const ownPopulationPhases: readonly Phase[] = ['soak', 'serve', 'daemonset', 'pods'];
/** The phases measured at every size; live runs at --live-size only. */
const everySizePhases: readonly Phase[] = ['refresh', 'peers', 'start'];

function usage(message?: string): never {
	if (message) process.stderr.write(`bench: ${message}\n`);
	process.stderr.write(
		'usage: npm run bench -- [--quick] [--sizes 200,2000,10000] [--only refresh,peers,start,live,events,pods,soak,serve,daemonset]\n' +
			'                        [--live-seconds N] [--live-size N] [--out DIR] [--quiet-timeout S] [--report DATE]\n' +
			'                        [--soak-refreshes N] [--soak-interval-ms MS]\n' +
			'  --quick (or PODTOP_BENCH_QUICK=1): fewer repetitions, a 15 s live window, sizes 200,2000 unless given\n' +
			'  --quiet-timeout S: before each size and each phase, wait up to S seconds (default 20) for 3 s in a row\n' +
			'                     in which the machine is under 15 % busy (the bench shares the machine)\n' +
			'  --report LABEL: print the markdown of the results in --out of that run (YYYY-MM-DD, or YYYY-MM-DD-N for the\n' +
			'                  day\'s Nth run) again, measuring nothing\n' +
			'  --only events: no population (--sizes is ignored); the v2 fixture, real v2 in the qemu VM, real v1 here\n' +
			'  --only soak: no population; 36,000 refreshes (default) 100 ms apart (default) under churn, heap, RSS and fds\n' +
			'  --only serve: podtop serve on a population of --live-size (default 2000): a scrape\'s cost, and the refresh\n' +
			'                loop alone and under 10 clients scraping every second\n' +
			'  --only pods: 110 pods of three containers, alone and beside 1,600 sleepers and 5 fork loops: live CPU and\n' +
			'               RSS against htop, syscalls and failed opens a refresh\n' +
			'  --only daemonset: the readme\'s DaemonSet\'s commands, each alone in a memory cgroup, at 10,000 processes\n' +
			'                    and at 110 pods: the cgroup\'s charge (RSS and the kernel\'s) against the limit\n',
	);
	process.exit(2);
}

function parseArguments(argv: readonly string[]) {
	let quick = process.env.PODTOP_BENCH_QUICK === '1';
	let sizes: number[] | null = null;
	let only: Set<Phase> = new Set(defaultPhases);
	let soakRefreshes = 36_000;
	let soakIntervalMs = 100;
	let liveSeconds: number | null = null;
	let liveSize = 2000;
	let out = path.join(benchDir, 'results');
	let quietTimeoutSeconds = 20;
	let report: string | null = null;
	for (let index = 0; index < argv.length; index++) {
		const argument = argv[index];
		const value = () => argv[++index] ?? usage(`${argument} needs a value`);
		if (argument === '--quick') quick = true;
		else if (argument === '--sizes') sizes = value().split(',').map((size) => Number(size.replaceAll('_', '')));
		else if (argument === '--only') only = new Set(value().split(',') as Phase[]);
		else if (argument === '--live-seconds') liveSeconds = Number(value());
		else if (argument === '--live-size') liveSize = Number(value());
		else if (argument === '--out') out = path.resolve(value());
		else if (argument === '--quiet-timeout') quietTimeoutSeconds = Number(value());
		else if (argument === '--report') report = value();
		else if (argument === '--soak-refreshes') soakRefreshes = Number(value());
		else if (argument === '--soak-interval-ms') soakIntervalMs = Number(value());
		else if (argument === '--help' || argument === '-h') usage();
		else usage(`unknown argument ${argument}`);
	}
	sizes ??= quick ? [200, 2000] : [200, 2000, 10_000];
	if (sizes.some((size) => !Number.isInteger(size) || size < 50 || size > 30_000)) usage('sizes are whole numbers from 50 to 30000');
	for (const phase of only) if (!phases.includes(phase)) usage(`unknown phase ${phase} (${phases.join(', ')})`);
	if (!Number.isInteger(soakRefreshes) || soakRefreshes < 10 || !(soakIntervalMs >= 0)) usage('--soak-refreshes is a whole number from 10, --soak-interval-ms a number from 0');
	return {quick, sizes, only, liveSeconds: liveSeconds ?? (quick ? 15 : 60), liveSize, out, quietTimeoutSeconds, report, soak: {refreshes: soakRefreshes, intervalMs: soakIntervalMs}};
}

async function toolVersions(): Promise<Record<string, string | null>> {
	const versions: Record<string, string | null> = {};
	const probes: [string, string[]][] = [
		['tmux', ['-V']],
		['htop', ['--version']],
		['strace', ['-V']],
		['hyperfine', ['--version']],
		['lsns', ['--version']],
		['ps', ['--version']],
	];
	for (const [tool, args] of probes) {
		if (!commandExists(tool)) {
			versions[tool] = null;
			continue;
		}
		const result = await run(tool, args);
		versions[tool] = /(\d+\.\d+(?:\.\d+)?[a-z]?)/.exec(result.stdout + result.stderr)?.[1] ?? 'present';
	}
	return versions;
}

/** The podtop that was measured: its commit, and how many files under source/ differ from it. */
async function podtopVersion(): Promise<{commit: string | null; uncommittedSourceFiles: number | null}> {
	const commit = await run('git', ['rev-parse', '--short', 'HEAD']);
	const status = await run('git', ['status', '--porcelain', '--', 'source']);
	return {
		commit: commit.code === 0 ? commit.stdout.trim() : null,
		uncommittedSourceFiles: status.code === 0 ? status.stdout.split('\n').filter(Boolean).length : null,
	};
}

/** The markdown of results already written (the sizes', then an events-only run's), e.g. after a change to the report's format. */
function reprint(out: string, label: string): void {
	const results = fs
		.readdirSync(out)
		.filter((name) => name.startsWith(`${label}-`) && /^-\d+\.json$/.test(name.slice(label.length)))
		.map((name) => JSON.parse(fs.readFileSync(path.join(out, name), 'utf8')) as SizeResult)
		.sort((a, b) => a.size - b.size);
	const eventsFile = path.join(out, `${label}-events.json`);
	const eventsRun = fs.existsSync(eventsFile) ? (JSON.parse(fs.readFileSync(eventsFile, 'utf8')) as EventsRun) : null;
	if (results.length === 0 && eventsRun === null) throw new Error(`no results of ${label} in ${out}`);
	if (results.length > 0) {
		const events = results.find((result) => result.events)?.events;
		process.stdout.write(markdown(results, events ? withAllParts(events) : null, results[0].command));
	}
	if (eventsRun) process.stdout.write(eventsMarkdown(eventsRun));
}

/** Results written before the events phase had its VM and v1 parts hold the fixture's result alone. */
function withAllParts(events: EventsResults | EventsResult): EventsResults {
	const notMeasured = {skipped: 'this run predates it'};
	return 'changes' in events ? {fixture: events, vm: notMeasured, v1: notMeasured} : events;
}

/** The events phase: the v2 watch on a fixture tree, real v2 in the qemu VM, real v1 here. A part that cannot run, or fails, says why. */
async function measureAllEvents(quick: boolean, quietTimeoutMs: number): Promise<EventsResults> {
	const part = async (what: string, measure: () => Promise<EventsResult | EventsSkipped>): Promise<EventsResult | EventsSkipped> => {
		const busyPercentBefore = await waitForQuiet(15, quietTimeoutMs);
		log(`events: ${what}`);
		try {
			const result = await measure();
			if ('skipped' in result) log(`events: ${what}: not measured: ${result.skipped}`);
			return 'skipped' in result ? result : {...result, busyPercentBefore};
		} catch (error) {
			log(`events: ${what} failed: ${(error as Error).stack ?? String(error)}`);
			return {skipped: `failed: ${(error as Error).message.split('\n')[0]}`};
		}
	};
	const busyPercentBefore = await waitForQuiet(15, quietTimeoutMs);
	log('events: memory.events latency on a v2 fixture');
	const fixture = {...(await measureEvents(quick ? 10 : 30)), busyPercentBefore};
	const vm = await part('real cgroup v2 in the qemu VM', () => measureEventsInVm(quick ? 8 : 20));
	const v1 = await part('real cgroup v1 here, podtop every 1 s', () => measureEventsV1(quick ? 5 : 12));
	return {fixture, vm, v1};
}

async function main(): Promise<void> {
	const options = parseArguments(process.argv.slice(2));
	if (options.report !== null) return reprint(options.out, options.report);
	const command = ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');
	if (process.geteuid?.() !== 0) throw new Error('the bench builds namespaces and cgroups: run it as root');
	cleanupOnSignals();
	for (const leftover of await removeStaleRuns()) log(`removed a killed run's leftovers: ${leftover}`);

	const machine = describeMachine();
	machine.tools = await toolVersions();
	const podtop = await podtopVersion();
	const date = new Date().toISOString().slice(0, 10);
	const label = freshRunLabel(options.out, date);
	const quick = options.quick;
	fs.mkdirSync(options.out, {recursive: true});
	log(`sizes ${options.sizes.join(', ')}; phases ${[...options.only].join(', ')}${quick ? '; quick' : ''}`);

	/** Writes a phase that builds its own population (or none) to `<label>-<phase>.{json,md}` and prints its tables. */
	const writePhase = (phase: Phase, results: Record<string, unknown>, summary: string) => {
		fs.writeFileSync(path.join(options.out, `${label}-${phase}.json`), JSON.stringify({date, command, machine, podtop, ...results}, null, '\t') + '\n');
		fs.writeFileSync(path.join(options.out, `${label}-${phase}.md`), summary);
		process.stdout.write(summary);
		log(`wrote ${path.relative(process.cwd(), path.join(options.out, `${label}-${phase}.md`))}`);
	};
	if (options.only.has('soak')) {
		const soak = await measureSoak(options.soak);
		writePhase('soak', {soak}, soakMarkdown(soak, date, command));
	}
	if (options.only.has('serve')) {
		const serve = await measureServe({size: options.liveSize, scrapes: quick ? 200 : 1000, windowSeconds: quick ? 15 : 60, scrapers: 10});
		writePhase('serve', {serve}, serveMarkdown(serve, date, command));
	}
	if (options.only.has('daemonset')) {
		const daemonSet = await measureDaemonSet({seconds: quick ? 20 : 60});
		writePhase('daemonset', {daemonSet}, daemonSetMarkdown(daemonSet, date, command));
	}
	if (options.only.has('pods')) {
		const pods = await measurePods({liveSeconds: options.liveSeconds, quietTimeoutMs: options.quietTimeoutSeconds * 1000});
		writePhase('pods', {pods}, podsMarkdown(pods, date, command));
	}
	if ([...options.only].every((phase) => ownPopulationPhases.includes(phase))) return;

	const events = options.only.has('events') ? await measureAllEvents(quick, options.quietTimeoutSeconds * 1000) : null;
	if (events && !populationPhases.some((phase) => options.only.has(phase))) {
		const run: EventsRun = {date, command, quick, machine, podtop, events};
		const file = path.join(options.out, `${label}-events.json`);
		fs.writeFileSync(file, JSON.stringify(run, null, '\t') + '\n');
		log(`wrote ${path.relative(process.cwd(), file)}`);
		const summaryFile = path.join(options.out, `${label}-events.md`);
		fs.writeFileSync(summaryFile, eventsMarkdown(run));
		process.stdout.write(eventsMarkdown(run));
		log(`wrote ${path.relative(process.cwd(), summaryFile)}`);
		return;
	}

	const results: SizeResult[] = [];
	for (const size of options.sizes) {
		// The live phase runs at --live-size alone: a size with nothing else to measure is not built.
		if (!everySizePhases.some((phase) => options.only.has(phase)) && size !== options.liveSize) continue;
		const processesBefore = processCount();
		log(`population of ${size}: starting`);
		const population = await startPopulation({size});
		try {
			log(`population of ${size}: ${population.size} processes in ${Math.round(population.buildMs)} ms; waiting for a quiet machine`);
			const busyPercentBefore = await waitForQuiet(15, options.quietTimeoutSeconds * 1000);
			const result: SizeResult = {
				size,
				date,
				command,
				quick,
				machine,
				podtop,
				population: {
					size: population.size,
					groups: population.groups,
					groupedProcesses: population.groupedProcesses,
					cgroups: population.cgroups,
					processesInCgroups: population.processesInCgroups,
					buildMs: population.buildMs,
					processesBefore,
				},
				busyPercentBefore,
				busyPercentBeforePhase: {},
				loadBefore: loadAverage(),
				loadAfter: [],
			};
			if (options.only.has('refresh')) {
				result.busyPercentBeforePhase.refresh = await waitForQuiet(15, options.quietTimeoutSeconds * 1000);
				result.refresh = await measureRefresh({
					runs: quick ? 2 : 5,
					budgetMs: quick ? 1500 : 4000,
					churn: quick ? 4 : 10,
					allocWindows: quick ? 6 : 12,
					// The short run must outlast start-up: every process found at start is re-checked for three scans.
					straceRefreshes: size >= 5000 ? [5, quick ? 10 : 15] : [5, quick ? 15 : 25],
					pacedRefreshes: quick ? 8 : 20,
				});
			}
			if (options.only.has('peers')) {
				result.busyPercentBeforePhase.peers = await waitForQuiet(15, options.quietTimeoutSeconds * 1000);
				log('peers: lsns -J, ps -eo …');
				const processes = processCount();
				const timings = await timeCommands(peerCommands(), quick ? 3 : 10, quick ? 1 : 2);
				result.peers = Object.fromEntries(
					Object.entries(timings).map(([name, timing]): [string, PeerTiming] => [
						name,
						{...timing, processes, microsPerProcess: timing.seconds.median === null ? null : (timing.seconds.median * 1e6) / processes},
					]),
				);
			}
			if (options.only.has('start')) {
				result.busyPercentBeforePhase.start = await waitForQuiet(15, options.quietTimeoutSeconds * 1000);
				log('start: first frame in tmux (podtop, then htop), --once --json');
				const {podtop: firstFrame, htop: htopFirstFrame} = await measureFirstFrame(quick ? 3 : 7);
				const onceJson = Object.values(await timeCommands([onceJsonCommand()], quick ? 3 : 10, 1))[0];
				log('start: floors (node -e 0, the cold reads in C)');
				const floors = await measureStartFloors(quick ? 3 : 10, 1);
				result.start = {firstFrame, htopFirstFrame, onceJson, floors};
			}
			if (options.only.has('live') && size === options.liveSize) {
				result.busyPercentBeforePhase.live = await waitForQuiet(15, options.quietTimeoutSeconds * 1000);
				const liveOptions = {seconds: options.liveSeconds, warmupSeconds: quick ? 3 : 5, intervalMs: 1000, columns: 120, rows: 40};
				const live = await measureLive(liveOptions);
				log('live: floors (the reads in C, an idle node)');
				result.live = {...live, options: liveOptions, floor: await measureLiveFloor(liveOptions), nodeRssBytes: await measureNodeRss()};
				log('live: the same beside five loops forking a sleep each second');
				const stopForkLoops = startForkLoops();
				try {
					const liveForks = await measureLive(liveOptions);
					result.liveForks = {...liveForks, options: liveOptions, floor: await measureLiveFloor(liveOptions)};
				} finally {
					stopForkLoops();
				}
			}
			if (events) result.events = events;
			result.loadAfter = loadAverage();
			const file = path.join(options.out, `${label}-${size}.json`);
			fs.writeFileSync(file, JSON.stringify(result, null, '\t') + '\n');
			log(`wrote ${path.relative(process.cwd(), file)}`);
			results.push(result);
		} finally {
			log(`population of ${size}: removing`);
			await population.cleanup();
		}
	}
	const summary = markdown(results, events, command);
	const summaryFile = path.join(options.out, `${label}.md`);
	fs.writeFileSync(summaryFile, summary);
	process.stdout.write(summary);
	log(`wrote ${path.relative(process.cwd(), summaryFile)}`);
}

process.on('uncaughtException', (error) => {
	log(`error: ${error.stack ?? String(error)}`);
	void cleanupAll().finally(() => process.exit(1));
});

try {
	await main();
} catch (error) {
	log(`error: ${(error as Error).stack ?? String(error)}`);
	process.exitCode = 1;
} finally {
	await cleanupAll();
}
