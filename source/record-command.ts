import os from 'node:os';
import process from 'node:process';
import {Collector} from './collect/collector.js';
import {createEventSource, type EventUpdate, noHistory} from './event-source.js';
import {createMonitor} from './model/monitor.js';
import {parseRuntimeCgroupPath} from './model/runtime-path.js';
import {sanitizeForTerminal} from './format/terminal-text.js';
import type {RecordingSettings} from './recording/settings.js';
import {RecordingWriter} from './recording/writer.js';

/** A writer for these settings; throws RecordingError (one line for the user) for a directory it will not use. */
export function openRecordingWriter(settings: RecordingSettings): RecordingWriter {
	return new RecordingWriter({
		directory: settings.directory,
		cmdlines: settings.cmdlines,
		retainMs: settings.retainMs,
		maxBytes: settings.maxBytes,
		meta: {hostname: os.hostname(), intervalMs: settings.intervalMs, podtopVersion: settings.podtopVersion},
	});
}

export type RecordCommandOptions = RecordingSettings & {
	procRoot: string;
	cgroupRoot: string | null;
	/** Default /dev/kmsg. */
	kmsgPath?: string;
	/** Where the status line at start goes; default stderr. */
	status?: NodeJS.WritableStream;
	/** Resolves to stop (default: SIGINT or SIGTERM). */
	stopSignal?: Promise<void>;
};

/**
 * `podtop record`: samples every interval as the live view does (the same monitor and events, with the
 * victims from the kernel log) and appends each model and its events to the recording, until SIGINT or
 * SIGTERM. Throws RecordingError for a directory it will not use or cannot write.
 */
export async function runRecordCommand(options: RecordCommandOptions): Promise<number> {
	const status = options.status ?? process.stderr;
	const writer = openRecordingWriter(options);
	const collector = new Collector({procRoot: options.procRoot, cgroupRoot: options.cgroupRoot});
	const monitor = createMonitor(collector, {identify: parseRuntimeCgroupPath});
	let failure: unknown = null;
	let stopRequested!: () => void;
	const stopping = new Promise<void>((resolve) => (stopRequested = resolve));
	const signals = ['SIGINT', 'SIGTERM'] as const;
	const onSignal = () => stopRequested();
	if (options.stopSignal) void options.stopSignal.then(onSignal);
	else for (const signal of signals) process.once(signal, onSignal);

	const write = ({model, events}: EventUpdate) => {
		if (failure !== null) return;
		try {
			writer.write(model, events);
		} catch (error) {
			failure = error;
			stopRequested();
		}
	};
	const source = createEventSource({
		monitor,
		layout: collector.layout,
		kmsgPath: options.kmsgPath ?? '/dev/kmsg',
		onImmediate: write,
		log: noHistory,
	});
	status.write(
		sanitizeForTerminal(`podtop record: every ${options.intervalMs} ms into ${options.directory}`) +
			(options.cmdlines ? '' : ', without command lines') +
			(source.kernelLog.available ? '' : `, kernel log unreadable (${source.kernelLog.unavailableReason}): victims guessed from vanished processes`) +
			'\n',
	);
	const refresh = () => write(source.refresh());
	refresh();
	const timer = setInterval(refresh, options.intervalMs);
	try {
		await stopping;
	} finally {
		clearInterval(timer);
		for (const signal of signals) process.off(signal, onSignal);
		await source.close();
		monitor.close();
		writer.close();
	}
	if (failure !== null) throw failure;
	return 0;
}

/** What `--record` gives the live view: each update written; a failure to write stops the recording and is told at exit. */
export function liveRecorder(settings: RecordingSettings): {onUpdate: (update: EventUpdate) => void; close(): string | null} {
	let writer: RecordingWriter | null = openRecordingWriter(settings);
	let failure: string | null = null;
	return {
		onUpdate({model, events}) {
			try {
				writer?.write(model, events);
			} catch (error) {
				failure = `recording stopped: ${error instanceof Error ? error.message : String(error)}`;
				writer = null;
			}
		},
		close() {
			writer?.close();
			writer = null;
			return failure;
		},
	};
}
