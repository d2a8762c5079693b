import http from 'node:http';
import process from 'node:process';
import {Collector} from './collect/collector.js';
import {createEventSource, type EventUpdate, noHistory} from './event-source.js';
import {createMonitor} from './model/monitor.js';
import {parseRuntimeCgroupPath} from './model/runtime-path.js';
import {sanitizeForTerminal} from './format/terminal-text.js';
import type {PodModel} from './model/types.js';
import {metricsContentTypes, modelToMetrics, negotiateMetricsFormat, type ExporterStats, type MetricsFormat} from './output/metrics.js';
import {OomKillTally} from './output/metrics-oom-kills.js';

export const defaultListen = '127.0.0.1:9470';

export type ListenAddress = {host: string; port: number};

/** `host:port`, `[v6]:port`; null when it is neither. Port 0 asks the kernel for a free one. */
export function parseListenAddress(text: string): ListenAddress | null {
	const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text);
	if (!match) return null;
	const port = Number(match[3]);
	if (port > 65_535) return null;
	return {host: match[1] ?? match[2], port};
}

/** The one line for a bind that failed. */
export class ListenError extends Error {}

export type ServeOptions = {
	listen: ListenAddress;
	intervalMs: number;
	procRoot: string;
	/** null: this host's, from mountinfo. */
	cgroupRoot: string | null;
	/** Where container and pod names are read (<root>/run, <root>/var/lib, <root>/var/log); default '/'. */
	root?: string;
	/** Default /dev/kmsg; tests may point elsewhere. */
	kmsgPath?: string;
	/** Where the one status line at start goes; default stderr. */
	status?: NodeJS.WritableStream;
	/** Resolves to stop (default: SIGINT or SIGTERM). */
	stopSignal?: Promise<void>;
};

const bindErrors: Record<string, string> = {
	EADDRINUSE: 'the address is in use',
	EADDRNOTAVAIL: 'no interface of this host has that address',
	EACCES: 'permission denied (a port below 1024 needs root)',
	ENOTFOUND: 'no such host',
	EAI_AGAIN: 'the host name could not be resolved',
};

function formatAddress({host, port}: ListenAddress): string {
	return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function listen(server: http.Server, address: ListenAddress): Promise<ListenAddress> {
	return new Promise((resolve, reject) => {
		const onError = (error: NodeJS.ErrnoException) => {
			const why = bindErrors[error.code ?? ''] ?? error.message;
			reject(new ListenError(`cannot listen on ${formatAddress(address)}: ${why}${error.code ? ` (${error.code})` : ''}`));
		};
		server.once('error', onError);
		server.listen({host: address.host, port: address.port, exclusive: true}, () => {
			server.off('error', onError);
			const bound = server.address();
			resolve(typeof bound === 'object' && bound !== null ? {host: bound.address, port: bound.port} : address);
		});
	});
}

/**
 * `podtop serve`: the model refreshed every interval by one timer (as in the live view), and served as
 * /metrics from the last refresh: a scrape never reads /proc, so scrapers cannot add load or stall the
 * refresh, and every scraper sees the same numbers. Throws ListenError when the address cannot be bound,
 * CollectorSetupError for a bad --proc/--cgroup.
 */
export async function runServeCommand(options: ServeOptions): Promise<number> {
	const status = options.status ?? process.stderr;
	let model: PodModel | null = null;
	let lastRefreshEnd = 0;
	const stats: ExporterStats = {refreshes: 0, lastRefreshTime: 0, lastRefreshDurationMs: 0, startTime: Date.now(), residentBytes: 0, heapUsedBytes: 0};
	const rendered = new Map<MetricsFormat, Buffer>();
	const oomKills = new OomKillTally();

	const server = http.createServer((request, response) => {
		response.on('error', () => {}); // a client that went away
		const url = (request.url ?? '/').split('?')[0];
		if (request.method !== 'GET' && request.method !== 'HEAD') {
			response.writeHead(405, {allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8'}).end('method not allowed\n');
			return;
		}
		if (url === '/metrics') {
			if (model === null) {
				response.writeHead(503, {'content-type': 'text/plain; charset=utf-8'}).end('no refresh yet\n');
				return;
			}
			const format = negotiateMetricsFormat(request.headers.accept);
			let body = rendered.get(format);
			if (body === undefined) {
				body = Buffer.from(modelToMetrics({model, oomKills: oomKills.values(), stats}, format));
				rendered.set(format, body);
			}
			response.writeHead(200, {'content-type': metricsContentTypes[format], 'content-length': body.length});
			response.end(request.method === 'HEAD' ? undefined : body);
			return;
		}
		if (url === '/healthz') {
			// Healthy while refreshes keep coming: a refresh loop that stopped makes the scrapes stale.
			const healthy = model !== null && performance.now() - lastRefreshEnd < Math.max(3 * options.intervalMs, 10_000);
			response.writeHead(healthy ? 200 : 503, {'content-type': 'text/plain; charset=utf-8'}).end(healthy ? 'ok\n' : 'stale\n');
			return;
		}
		if (url === '/') {
			response.writeHead(200, {'content-type': 'text/plain; charset=utf-8'}).end('podtop: /metrics, /healthz\n');
			return;
		}
		response.writeHead(404, {'content-type': 'text/plain; charset=utf-8'}).end('not found\n');
	});
	// A client that stops reading or sending is dropped instead of holding its socket.
	server.headersTimeout = 10_000;
	server.requestTimeout = 30_000;
	server.setTimeout(30_000, (socket) => socket.destroy());
	server.on('clientError', (_error, socket) => socket.destroy());

	const bound = await listen(server, options.listen);

	const collector = new Collector({procRoot: options.procRoot, cgroupRoot: options.cgroupRoot, root: options.root});
	const monitor = createMonitor(collector, {identify: parseRuntimeCgroupPath});
	const take = ({model: next, events}: EventUpdate) => {
		oomKills.add(next, events);
		model = next;
		rendered.clear();
	};
	const source = createEventSource({
		monitor,
		layout: collector.layout,
		kmsgPath: options.kmsgPath ?? '/dev/kmsg',
		onImmediate: take,
		log: noHistory,
	});
	let lastFailure: string | null = null;
	const refresh = () => {
		const started = performance.now();
		let update: EventUpdate;
		try {
			update = source.refresh();
		} catch (error) {
			// The last model stays served; /healthz turns 503 if no refresh succeeds for a while.
			const failure = error instanceof Error ? error.message : String(error);
			if (failure !== lastFailure) status.write(`podtop serve: refresh failed: ${sanitizeForTerminal(failure)}\n`);
			lastFailure = failure;
			return;
		}
		lastFailure = null;
		lastRefreshEnd = performance.now();
		const memory = process.memoryUsage();
		stats.refreshes++;
		stats.lastRefreshTime = Date.now();
		stats.lastRefreshDurationMs = lastRefreshEnd - started;
		stats.residentBytes = memory.rss;
		stats.heapUsedBytes = memory.heapUsed;
		take(update);
	};

	let stopRequested!: () => void;
	const stopping = new Promise<void>((resolve) => (stopRequested = resolve));
	const onSignal = () => stopRequested();
	if (options.stopSignal) void options.stopSignal.then(onSignal);
	else {
		process.once('SIGINT', onSignal);
		process.once('SIGTERM', onSignal);
	}

	refresh();
	const timer = setInterval(refresh, options.intervalMs);
	const kernelLog = source.kernelLog;
	status.write(
		`podtop serve: http://${formatAddress(bound)}/metrics, refreshed every ${options.intervalMs} ms` +
			(kernelLog.available ? ', OOM victims from the kernel log' : `, kernel log unreadable (${kernelLog.unavailableReason}): OOM victims guessed from vanished processes`) +
			'\n',
	);
	try {
		await stopping;
	} finally {
		clearInterval(timer);
		process.off('SIGINT', onSignal);
		process.off('SIGTERM', onSignal);
		server.closeAllConnections();
		await new Promise((resolve) => server.close(resolve));
		await source.close();
		monitor.close();
	}
	return 0;
}
