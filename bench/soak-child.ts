/**
 * The soak: podtop's refresh loop on the built code (dist/), `--refreshes` refreshes
 * `--interval-ms` apart, printing a JSON line at each of `--checkpoints` checkpoints (after two full GCs:
 * live heap, V8's committed heap, external memory, RSS split into anonymous and file-backed, open
 * descriptors) and a last one with the totals. Started by soak.ts under churn:
 *
 *   node --expose-gc --import tsx bench/soak-child.ts --refreshes 36000 --interval-ms 10 --checkpoints 24
 */
import fs from 'node:fs';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {fileURLToPath, pathToFileURL} from 'node:url';

type CollectorModule = typeof import('../source/collect/collector.js');
type MonitorModule = typeof import('../source/model/monitor.js');
type RuntimePathModule = typeof import('../source/model/runtime-path.js');

export type SoakCheckpoint = {
	kind: 'checkpoint';
	refreshes: number;
	elapsedMs: number;
	heapUsed: number;
	/** What V8 holds from the system for its heap, live or not. */
	heapTotal: number;
	/** Buffers and other memory outside the V8 heap that JavaScript objects own. */
	external: number;
	rss: number;
	/** The anonymous part of the RSS (heap, malloc, stacks): where a leak shows. */
	rssAnon: number | null;
	/** The file-backed part: pages of the node binary and libraries, touched once and kept. */
	rssFile: number | null;
	fds: number;
	processes: number;
};
export type SoakTotals = {kind: 'totals'; refreshes: number; errors: string[]; errorCount: number; slowestMs: number; meanMs: number};

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = process.env.PODTOP_BENCH_DIST ?? path.join(projectRoot, 'dist');
const load = async <T>(relative: string): Promise<T> => (await import(pathToFileURL(path.join(dist, relative)).href)) as T;

const flags = new Map<string, number>();
const rest = process.argv.slice(2);
for (let index = 0; index < rest.length; index += 2) flags.set(rest[index].replace(/^--/, ''), Number(rest[index + 1]));
const refreshes = flags.get('refreshes') ?? 36_000;
const intervalMs = flags.get('interval-ms') ?? 10;
const checkpoints = flags.get('checkpoints') ?? 24;
const gc = (globalThis as {gc?: () => void}).gc;
if (!gc) throw new Error('run with --expose-gc');

const {Collector} = await load<CollectorModule>('collect/collector.js');
const {createMonitor} = await load<MonitorModule>('model/monitor.js');
const {parseRuntimeCgroupPath} = await load<RuntimePathModule>('model/runtime-path.js');
const monitor = createMonitor(new Collector({procRoot: '/proc', cgroupRoot: null}), {identify: parseRuntimeCgroupPath});

const errors: string[] = [];
process.on('uncaughtException', (error) => errors.push(`uncaught: ${error.stack}`));
process.on('unhandledRejection', (error) => errors.push(`unhandled: ${String(error)}`));

/** A `Name:   1234 kB` line of /proc/self/status, in bytes. */
function statusBytes(status: string, name: string): number | null {
	const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
	return match ? Number(match[1]) * 1024 : null;
}

const print = (line: SoakCheckpoint | SoakTotals) => process.stdout.write(JSON.stringify(line) + '\n');
const started = performance.now();
let processes = 0;
let slowestMs = 0;
let refreshMs = 0;
const checkpointEvery = Math.max(1, Math.floor(refreshes / checkpoints));
for (let index = 1; index <= refreshes; index++) {
	const before = performance.now();
	try {
		const model = monitor.refresh();
		processes = model.hostProcesses.length + model.pods.reduce((sum, pod) => sum + pod.containers.reduce((inPod, container) => inPod + container.processes.length, 0), 0);
	} catch (error) {
		errors.push(String((error as Error).stack ?? error));
	}
	const took = performance.now() - before;
	refreshMs += took;
	slowestMs = Math.max(slowestMs, took);
	if (index % checkpointEvery === 0 || index === 1) {
		gc();
		gc();
		const memory = process.memoryUsage();
		const status = fs.readFileSync('/proc/self/status', 'utf8');
		print({
			kind: 'checkpoint',
			refreshes: index,
			elapsedMs: Math.round(performance.now() - started),
			heapUsed: memory.heapUsed,
			heapTotal: memory.heapTotal,
			external: memory.external,
			rss: memory.rss,
			rssAnon: statusBytes(status, 'RssAnon'),
			rssFile: statusBytes(status, 'RssFile'),
			fds: fs.readdirSync('/proc/self/fd').length,
			processes,
		});
	}
	await sleep(intervalMs);
}
monitor.close();
print({kind: 'totals', refreshes, errors: errors.slice(0, 5), errorCount: errors.length, slowestMs: Math.round(slowestMs * 10) / 10, meanMs: Math.round((refreshMs / refreshes) * 100) / 100});
