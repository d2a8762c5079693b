import process from 'node:process';
import type {PodModel} from './model/types.js';
import {modelToJson, toJsonText} from './output/json.js';
import {modelToText} from './output/text.js';
import {RecordingError} from './recording/directory.js';
import {parseMoment} from './recording/parse-time.js';
import {Recording} from './recording/reader.js';

export type ReplayCommandOptions = {
	directory: string;
	/** As typed: ISO 8601, a time of today, or relative (`-10m`); undefined: the end of the recording. */
	at: string | undefined;
	json: boolean;
	podtopVersion: string;
	/** Where warnings go, one line each; default stderr. */
	status?: NodeJS.WritableStream;
	output?: NodeJS.WritableStream;
	columns?: number;
	now?: number;
};

/** The recording, with each problem found in it written as one line. Throws RecordingError when nothing in it can be shown. */
export function openRecording(directory: string, status: NodeJS.WritableStream = process.stderr): Recording {
	return Recording.open(directory, {onWarning: (message) => status.write(`podtop: ${message}\n`)});
}

function parseAt(at: string, now: number): number {
	const time = parseMoment(at, now);
	if (time === null) throw new RecordingError(`--at takes an ISO 8601 time (2026-12-05T08:01:30Z), a time of today (08:01) or a relative one (-10m, -2h), not "${at}"`);
	return time;
}

/** The sample to show for `--at`: the last one at or before it. Throws RecordingError when the recording starts after it. */
export function sampleAt(recording: Recording, at: string | undefined, now: number, status: NodeJS.WritableStream = process.stderr): number {
	if (at === undefined) return recording.samples.length - 1;
	const time = parseAt(at, now);
	const index = recording.indexAt(time);
	if (index < 0) throw new RecordingError(`the recording starts at ${new Date(recording.samples[0].time).toISOString()}, after ${new Date(time).toISOString()}`);
	const shown = recording.samples[index].time;
	// Past the end (the recorder stopped, or was cut) or in a gap: say how old the sample shown is.
	if (index === recording.samples.length - 1 && time - shown > 3 * (recording.intervalMs ?? 1000)) {
		const age = `${Math.round((time - shown) / 1000)} s before ${new Date(time).toISOString()}`;
		status.write(recording.skippedLaterSegments
			? `podtop: the recording has no sample from ${new Date(shown).toISOString()} to its next file: showing the sample before the gap, ${age}\n`
			: `podtop: the recording ends at ${new Date(shown).toISOString()}: showing its last sample, ${age}\n`);
	}
	return index;
}

/**
 * The recorded model at `at` (default: the last sample), reading only the segment that holds that moment unless
 * what is before it is needed after all. Throws RecordingError when nothing can be shown.
 */
export function recordedModelAt(directory: string, at: string | undefined, now: number, status: NodeJS.WritableStream = process.stderr): PodModel {
	const moment = at === undefined ? Infinity : parseAt(at, now);
	const told = new Set<string>();
	const onWarning = (message: string) => {
		if (!told.has(message)) status.write(`podtop: ${message}\n`);
		told.add(message);
	};
	let recording = Recording.read(directory, {onWarning, from: moment, until: moment, events: false});
	if (recording.skippedSegments && recording.indexAt(moment) < 0) recording = Recording.read(directory, {onWarning, until: moment, events: false});
	if (recording.samples.length === 0) throw new RecordingError(`no readable recording in ${directory}`);
	return recording.modelAt(sampleAt(recording, at, now, status));
}

/** `podtop replay --once [--json] [--at <time>]`: the recorded model at that moment, printed as `podtop --once` prints the live one. */
export function runReplayOnce(options: ReplayCommandOptions): number {
	const model = recordedModelAt(options.directory, options.at, options.now ?? Date.now(), options.status ?? process.stderr);
	const output = options.output ?? process.stdout;
	output.write(options.json ? toJsonText(modelToJson(model, {version: options.podtopVersion})) + '\n' : modelToText(model, options.columns ?? 80));
	return 0;
}

export type ReplayTuiOptions = {directory: string; at: string | undefined; color: boolean};

/** `podtop replay`: the live view over the recording, from --at (default: its last sample). */
export async function runReplayTui(options: ReplayTuiOptions): Promise<void> {
	// Problems found once the view is on screen are told after it closes, not drawn over it.
	const later: string[] = [];
	let onScreen = false;
	const recording = Recording.open(options.directory, {
		onWarning: (message) => (onScreen ? later.push(message) : process.stderr.write(`podtop: ${message}\n`)),
	});
	const index = sampleAt(recording, options.at, Date.now());
	const [{createReplay}, {runTui}] = await Promise.all([import('./hooks/use-replay.js'), import('./run-tui.js')]);
	const {useLive, clock} = createReplay(recording, index);
	const monitor = {refresh: () => recording.modelAt(recording.samples.length - 1), close() {}};
	onScreen = true;
	await runTui({monitor, intervalMs: recording.intervalMs ?? 1000, color: options.color, events: {now: clock.now}, useLive});
	for (const message of later) process.stderr.write(`podtop: ${message}\n`);
}
