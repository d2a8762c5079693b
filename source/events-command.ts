import process from 'node:process';
import {Collector} from './collect/collector.js';
import {createEventSource, type EventUpdate, noHistory} from './event-source.js';
import {createMonitor} from './model/monitor.js';
import {parseRuntimeCgroupPath} from './model/runtime-path.js';
import {eventToJson, formatEventText, kernelLogSpan} from './output/event-lines.js';
import {toJsonText} from './output/json.js';

export type EventsCommandOptions = {
	json: boolean;
	/** Print the OOM kills the kernel log holds from before start first. */
	sinceBoot?: boolean;
	intervalMs: number;
	procRoot: string;
	/** null: this host's, from mountinfo. */
	cgroupRoot: string | null;
	/** Default /dev/kmsg; tests may point elsewhere. */
	kmsgPath?: string;
	output?: NodeJS.WritableStream;
	/** Where the one status line goes, once the first model is read; default stderr. */
	status?: NodeJS.WritableStream;
	/** Resolves to stop (default: SIGINT or SIGTERM). */
	stopSignal?: Promise<void>;
};

function signalled(): {promise: Promise<void>; dispose(): void} {
	let resolve!: () => void;
	const promise = new Promise<void>((done) => (resolve = done));
	const stop = () => resolve();
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
	return {
		promise,
		dispose() {
			process.off('SIGINT', stop);
			process.off('SIGTERM', stop);
		},
	};
}

/**
 * `podtop events`: prints each event as it happens, one per line (text or NDJSON), until SIGINT/SIGTERM.
 * Refreshes every interval; on v2 also at once when a watched memory.events or pids.events changes
 * (that cgroup re-read, the model rebuilt). Victims come from /dev/kmsg when readable, else from the
 * process that vanished. Throws CollectorSetupError for a bad --proc/--cgroup.
 */
export async function runEventsCommand(options: EventsCommandOptions): Promise<number> {
	const output = options.output ?? process.stdout;
	const status = options.status ?? process.stderr;
	const collector = new Collector({procRoot: options.procRoot, cgroupRoot: options.cgroupRoot});
	const monitor = createMonitor(collector, {identify: parseRuntimeCgroupPath});
	const signals = options.stopSignal ? null : signalled();
	let stopped = false;
	let stopRequested!: () => void;
	const stopping = new Promise<void>((resolve) => (stopRequested = resolve));
	const stop = () => {
		stopped = true;
		stopRequested();
	};
	void (options.stopSignal ?? signals!.promise).then(stop);
	output.on('error', stop);

	const print = ({events}: EventUpdate) => {
		for (const event of events) {
			if (stopped) return;
			output.write((options.json ? toJsonText(eventToJson(event)) : formatEventText(event)) + '\n');
		}
	};
	const source = createEventSource({
		monitor,
		layout: collector.layout,
		kmsgPath: options.kmsgPath ?? '/dev/kmsg',
		history: options.sinceBoot ?? false,
		onImmediate: print,
		log: noHistory,
	});
	const refresh = () => {
		if (!stopped) print(source.refresh());
	};

	// Written once the first model is read: from then on, a limit hit or kill is told from the counters.
	const first = source.refresh();
	const kernelLog = source.kernelLog;
	status.write(
		`podtop events: every ${options.intervalMs} ms` +
			(source.watching ? ', watching v2 memory.events/pids.events' : ', comparing counters (no v2 events files to watch)') +
			(kernelLog.available ? ', victims from the kernel log' : `, kernel log unreadable (${kernelLog.unavailableReason}): victims guessed from vanished processes`) +
			(options.sinceBoot && kernelLog.available ? `; OOM kills before start from the kernel log ${kernelLogSpan(kernelLog)}` : '') +
			(options.sinceBoot && !kernelLog.available ? "; OOM kills before start from the cgroups' counters (when and whom unknown)" : '') +
			'\n',
	);
	print({model: first.model, events: source.pastEvents});
	print(first);
	const timer = setInterval(refresh, options.intervalMs);
	try {
		await stopping;
	} finally {
		clearInterval(timer);
		signals?.dispose();
		await source.close();
		monitor.close();
		output.off('error', stop);
	}
	return 0;
}
