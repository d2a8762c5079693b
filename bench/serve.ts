/**
 * `podtop serve` under scrapes: the cost of one scrape (the exposition rendered in process from the test
 * fixtures' pods cloned to 100 pods, and from a real model of a population of 2,000 processes; time to serve
 * and bytes over HTTP from dist/), then the refresh loop at 1 s alone and while 10 clients each scrape
 * every second. The population's pods are fewer than 100: it starts about 40 groups in its time limit.
 */
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {Collector} from '../source/collect/collector.js';
import {createMonitor} from '../source/model/monitor.js';
import {parseRuntimeCgroupPath} from '../source/model/runtime-path.js';
import type {PodModel} from '../source/model/types.js';
import {modelToMetrics, type ExporterStats} from '../source/output/metrics.js';
import {clonePod, makeModel, makePods} from '../test/fixtures/models.js';
import {onCleanup} from './cleanup.js';
import {cliPath, clockTicksPerSecond, cpuTicks, log, sleep, statusKiB, waitFor} from './common.js';
import {startPopulation} from './population.js';
import {summarize, type Summary} from './stats.js';

export type ServeBenchOptions = {size: number; scrapes: number; windowSeconds: number; scrapers: number};

type Render = {counts: {pods: number; containers: number; processes: number}; prometheusMs: Summary; openMetricsMs: Summary; prometheusBytes: number; openMetricsBytes: number; series: number};

type Window = {
	scrapers: number;
	seconds: number;
	refreshes: number;
	/** podtop's CPU over the window, percent of one core. */
	cpuPercent: number;
	refreshMs: Summary;
	scrapeMs: Summary;
	rssBytes: number | null;
};

export type ServeBenchResult = ServeBenchOptions & {
	counts: {pods: number; containers: number; processes: number};
	render: {synthetic: Render; real: Render};
	serve: {ms: Summary; bytes: number};
	alone: Window;
	scraped: Window;
};

const stats: ExporterStats = {refreshes: 1, lastRefreshTime: 0, lastRefreshDurationMs: 0, startTime: 0, residentBytes: 0, heapUsedBytes: 0};

function timed<T>(work: () => T): [T, number] {
	const started = performance.now();
	const result = work();
	return [result, performance.now() - started];
}

/** The fixture pods cloned to `pods` pods, as one model. */
function syntheticModel(pods: number): PodModel {
	const base = makePods();
	return makeModel(Array.from({length: pods}, (_, index) => clonePod(base[index % base.length], String(index))));
}

/** A real model of this machine, after two refreshes. */
function realModel(): PodModel {
	const monitor = createMonitor(new Collector({procRoot: '/proc', cgroupRoot: null}), {identify: parseRuntimeCgroupPath});
	try {
		monitor.refresh();
		return monitor.refresh();
	} finally {
		monitor.close();
	}
}

/** The exposition rendered in this process: what the first scrape after a refresh costs. */
function measureRender(model: PodModel, runs: number): Render {
	const input = {model, oomKills: [], stats};
	const prometheus: number[] = [];
	const openMetrics: number[] = [];
	let prometheusText = '';
	let openMetricsText = '';
	for (let index = 0; index < runs; index++) {
		const [text, textMs] = timed(() => modelToMetrics(input, 'prometheus'));
		const [openMetricsOutput, openMetricsMs] = timed(() => modelToMetrics(input, 'openmetrics'));
		prometheusText = text;
		openMetricsText = openMetricsOutput;
		prometheus.push(textMs);
		openMetrics.push(openMetricsMs);
	}
	return {
		counts: model.counts,
		prometheusMs: summarize(prometheus),
		openMetricsMs: summarize(openMetrics),
		prometheusBytes: Buffer.byteLength(prometheusText),
		openMetricsBytes: Buffer.byteLength(openMetricsText),
		series: prometheusText.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length,
	};
}

async function scrape(url: string): Promise<{ms: number; text: string}> {
	const started = performance.now();
	const response = await fetch(`${url}/metrics`, {headers: {accept: 'text/plain;version=0.0.4'}});
	const text = await response.text();
	if (!response.ok) throw new Error(`GET /metrics: ${response.status}`);
	return {ms: performance.now() - started, text};
}

const gaugeValue = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

/** One window: `scrapers` clients each scraping every second (an observer scrapes once a second too, for the refresh times). */
async function measureWindow(url: string, pid: number, scrapers: number, seconds: number): Promise<Window> {
	const refreshMs: number[] = [];
	const scrapeMs: number[] = [];
	const before = await scrape(url);
	const ticksBefore = cpuTicks(pid)!;
	const startedAt = performance.now();
	const deadline = startedAt + seconds * 1000;
	const client = async (offsetMs: number, observe: boolean) => {
		await sleep(offsetMs);
		while (performance.now() < deadline) {
			const next = performance.now() + 1000;
			const {ms, text} = await scrape(url);
			if (observe) refreshMs.push(gaugeValue(text, 'podtop_last_refresh_duration_seconds') * 1000);
			else scrapeMs.push(ms);
			await sleep(Math.max(0, next - performance.now()));
		}
	};
	await Promise.all([client(0, true), ...Array.from({length: scrapers}, (_, index) => client((index * 1000) / scrapers, false))]);
	const elapsedSeconds = (performance.now() - startedAt) / 1000;
	const ticks = cpuTicks(pid)! - ticksBefore;
	const after = await scrape(url);
	return {
		scrapers,
		seconds: elapsedSeconds,
		refreshes: gaugeValue(after.text, 'podtop_refreshes_total') - gaugeValue(before.text, 'podtop_refreshes_total'),
		cpuPercent: ((ticks / clockTicksPerSecond) * 100) / elapsedSeconds,
		refreshMs: summarize(refreshMs),
		scrapeMs: summarize(scrapeMs),
		rssBytes: statusKiB(pid, 'VmRSS'),
	};
}

export async function measureServe(options: ServeBenchOptions): Promise<ServeBenchResult> {
	log(`serve: population of ${options.size}`);
	const population = await startPopulation({size: options.size});
	const forgetPopulation = onCleanup('the serve population', () => population.cleanup());
	try {
		log('serve: the exposition rendered in process');
		const runs = Math.max(10, Math.round(options.scrapes / 10));
		const real = measureRender(realModel(), runs);
		const render = {synthetic: measureRender(syntheticModel(100), runs), real};
		const counts = real.counts;

		const child = spawn(process.execPath, [cliPath, 'serve', '--listen', '127.0.0.1:0', '--interval', '1000'], {stdio: ['ignore', 'ignore', 'pipe']});
		const stopChild = async () => {
			if (child.exitCode !== null || child.signalCode !== null) return;
			child.kill('SIGTERM');
			await once(child, 'exit');
		};
		const forgetChild = onCleanup('podtop serve', stopChild);
		try {
			let stderr = '';
			child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
			const address = await waitFor(() => /http:\/\/(127\.0\.0\.1:\d+)\/metrics/.exec(stderr)?.[1], 60_000, 'podtop serve to listen');
			const url = `http://${address}`;
			await waitFor(async () => gaugeValue((await scrape(url)).text, 'podtop_refreshes_total') >= 3, 60_000, 'three refreshes');

			log(`serve: ${options.scrapes} scrapes in a row`);
			const serveMs: number[] = [];
			let bytes = 0;
			for (let index = 0; index < options.scrapes; index++) {
				const {ms, text} = await scrape(url);
				serveMs.push(ms);
				bytes = Buffer.byteLength(text);
			}
			log(`serve: the refresh loop alone for ${options.windowSeconds} s`);
			const alone = await measureWindow(url, child.pid!, 0, options.windowSeconds);
			log(`serve: the refresh loop with ${options.scrapers} clients scraping every second for ${options.windowSeconds} s`);
			const scraped = await measureWindow(url, child.pid!, options.scrapers, options.windowSeconds);
			return {...options, counts, render, serve: {ms: summarize(serveMs), bytes}, alone, scraped};
		} finally {
			await stopChild();
			forgetChild();
		}
	} finally {
		await population.cleanup();
		forgetPopulation();
	}
}

const f = (value: number | null, digits = 1) => (value === null ? '–' : value.toFixed(digits));

function renderRows(what: string, render: Render): string[] {
	const shape = `${what} ${render.counts.pods} pods, ${render.counts.containers} containers (${render.series} series)`;
	return [
		`| ${shape}: text format | ${f(render.prometheusMs.median, 2)} ms | ${f(render.prometheusMs.p90, 2)} ms | ${f(render.prometheusMs.max, 2)} ms | ${render.prometheusBytes} |`,
		`| ${shape}: OpenMetrics | ${f(render.openMetricsMs.median, 2)} ms | ${f(render.openMetricsMs.p90, 2)} ms | ${f(render.openMetricsMs.max, 2)} ms | ${render.openMetricsBytes} |`,
	];
}

export function serveMarkdown(result: ServeBenchResult, date: string, command: string): string {
	const window = (name: string, w: Window) =>
		`| ${name} | ${f(w.seconds, 0)} s | ${w.refreshes} | ${f(w.refreshMs.median)} / ${f(w.refreshMs.p90)} ms | ${f(w.cpuPercent)} % | ${w.scrapeMs.n ? `${f(w.scrapeMs.median)} / ${f(w.scrapeMs.p90)} ms` : '–'} | ${f((w.rssBytes ?? 0) / 2 ** 20)} MiB |`;
	return [
		`## podtop serve (${date})`,
		'',
		`\`${command}\` — this machine: ${result.counts.processes} processes, ${result.counts.pods} pods, ${result.counts.containers} containers.`,
		'',
		'| scrape | median | p90 | max | bytes |',
		'|---|---|---|---|---|',
		...renderRows('fixtures ×', result.render.synthetic),
		...renderRows('this machine,', result.render.real),
		`| served over HTTP (${result.scrapes} in a row) | ${f(result.serve.ms.median, 2)} ms | ${f(result.serve.ms.p90, 2)} ms | ${f(result.serve.ms.max, 2)} ms | ${result.serve.bytes} |`,
		'',
		'| refresh loop at 1 s | window | refreshes | refresh median / p90 | podtop CPU | scrape median / p90 | RSS after |',
		'|---|---|---|---|---|---|---|',
		window('alone', result.alone),
		window(`${result.scrapers} clients, each every second`, result.scraped),
		'',
	].join('\n');
}
