import path from 'node:path';
import {defaultRecordingDirectory} from './directory.js';
import {parseDuration, parseSize} from './parse-time.js';
import {defaultMaxBytes, defaultRetainMs, type WriterOptions} from './writer.js';

/** Where a recording goes and how much of it is kept, as `podtop record` and `--record` write it. */
export type RecordingSettings = Pick<WriterOptions, 'directory' | 'cmdlines' | 'retainMs' | 'maxBytes'> & {intervalMs: number; podtopVersion: string};

export type RecordingFlags = {dir?: string; root?: string; retain?: string; maxSize?: string; cmdline: boolean};

/** The recording's directory and limits from the command line; `fail` reports a bad value (one line, exit 2). */
export function recordingSettings(flags: RecordingFlags, intervalMs: number, podtopVersion: string, fail: (message: string) => never): RecordingSettings {
	// With --root, the host's own recording: where a `podtop record` on the host keeps it.
	const directory = flags.dir ?? (flags.root === undefined ? defaultRecordingDirectory() : path.join(flags.root, 'var/lib/podtop'));
	let retainMs = defaultRetainMs;
	if (flags.retain !== undefined) {
		const parsed = parseDuration(flags.retain);
		if (parsed === null || parsed < 60_000) fail(`--retain takes a duration of a minute or more (90m, 24h, 7d), not "${flags.retain}"`);
		retainMs = parsed;
	}
	let maxBytes = defaultMaxBytes;
	if (flags.maxSize !== undefined) {
		const parsed = parseSize(flags.maxSize);
		if (parsed === null || parsed < 64 * 1024) fail(`--max-size takes a size of 64K or more (500M, 2G), not "${flags.maxSize}"`);
		maxBytes = parsed;
	}
	return {directory: path.resolve(directory), cmdlines: flags.cmdline, retainMs, maxBytes, intervalMs, podtopVersion};
}
