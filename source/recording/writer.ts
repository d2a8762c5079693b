import fs from 'node:fs';
import path from 'node:path';
import type {PodtopEvent} from '../model/events.js';
import type {PodModel, ProcessRecord} from '../model/types.js';
import {prepareRecordingDirectory, RecordingError} from './directory.js';
import {encodeFrame, fileHeader, formatVersion, frameFlags, frameKinds, segmentName, segmentPattern} from './format.js';
import {diff, type Json} from './patch.js';
import {segmentStartTime} from './reader.js';

export type RecordingMeta = {hostname: string; intervalMs: number; podtopVersion: string};

export type WriterOptions = {
	directory: string;
	/** false: every process's command line is recorded empty (`--no-cmdline`). */
	cmdlines: boolean;
	/** Segments whose samples are all older than this are removed. */
	retainMs: number;
	/** The oldest segments are removed while the directory's segments hold more than this. */
	maxBytes: number;
	meta: RecordingMeta;
	/** A full model every this many samples, the others only what changed; default 300. */
	keyframeEvery?: number;
	now?: () => number;
};

export const defaultRetainMs = 24 * 3_600_000;
export const defaultMaxBytes = 512 * 1024 * 1024;

type Segment = {name: string; size: number};

/** The fields of a ProcessRecord (model/types.ts): the scanner's records carry bookkeeping of their own besides, which changes every scan. */
const processFields = ['pid', 'ppid', 'comm', 'state', 'utime', 'stime', 'previousCpuTicks', 'starttime', 'rssBytes', 'threads', 'uid', 'cmdline', 'cgroups', 'namespaces', 'namespacesUnreadable', 'isKernelThread'] as const;

function isProcessRecord(value: unknown): value is ProcessRecord {
	return typeof value === 'object' && value !== null && 'starttime' in value && 'previousCpuTicks' in value && 'pid' in value;
}

function clamp(value: number, low: number, high: number): number {
	return Math.min(high, Math.max(low, value));
}

function errorText(error: unknown): string {
	return (error as NodeJS.ErrnoException).code ?? String(error);
}

/** The JSON form of a field that is no object: a number that is not finite as null, anything else not JSON as null. */
function plainScalar(value: unknown): Json {
	if (typeof value === 'number') return Number.isFinite(value) ? value : null;
	return typeof value === 'string' || typeof value === 'boolean' ? value : null;
}

/** `revision`: a process record's (ProcessRecord.revision) when copied; -1 for any other object. */
type CopiedObject = {plain: {[key: string]: Json}; keys: number; revision: number};

/**
 * A copy of a value as JSON would carry it (undefined left out, a number that is not finite as null), processes
 * with only their fields, and command lines empty unless `cmdlines`; written out rather than through
 * JSON.stringify and parse, as this runs on every sample for every process. The copier hands back the copy it
 * made at the sample before for every object and array whose copy would be equal to it, checked field by field
 * from the leaves up: a sleeping process, a container whose figures stayed, the process lists of a quiet pod are
 * the same objects as in the previous sample, which diff then passes over without looking inside, and no copy is
 * made of them. The model's processes are the scanner's records, changed in place; the check is on values, never
 * on identity alone, but for a record whose revision (bumped by the scanner with every change) is the one copied.
 * A new copier copies everything.
 */
class SampleCopier {
	private readonly objects = new WeakMap<object, CopiedObject>();
	private readonly arrays = new WeakMap<readonly unknown[], Json[]>();

	constructor(private readonly cmdlines: boolean) {}

	copy(value: unknown): Json {
		if (value === null || typeof value !== 'object') return plainScalar(value);
		return Array.isArray(value) ? this.copyArray(value) : this.copyObject(value as Record<string, unknown>);
	}

	private copyArray(value: readonly unknown[]): Json[] {
		const before = this.arrays.get(value);
		let copy: Json[] | null = before !== undefined && before.length === value.length ? null : new Array(value.length);
		for (let index = 0; index < value.length; index++) {
			const element = value[index] === undefined ? null : this.copy(value[index]);
			if (copy === null) {
				if (element === before![index]) continue;
				copy = before!.slice(0, index);
			}
			copy[index] = element;
		}
		if (copy === null) return before!;
		this.arrays.set(value, copy);
		return copy;
	}

	private copyObject(value: Record<string, unknown>): {[key: string]: Json} {
		const before = this.objects.get(value);
		const isProcess = isProcessRecord(value);
		const revision = isProcess && typeof value.revision === 'number' ? value.revision : -1;
		if (before !== undefined && revision !== -1 && before.revision === revision) return before.plain;
		const names = isProcess ? processFields : Object.keys(value);
		let copy: {[key: string]: Json} | null = before === undefined ? {} : null;
		let keys = 0;
		for (let index = 0; index < names.length; index++) {
			const key = names[index];
			const field = value[key];
			if (field === undefined || typeof field === 'function') continue;
			keys++;
			const plain = key === 'cmdline' && !this.cmdlines && typeof field === 'string' ? '' : this.copy(field);
			if (copy === null) {
				if (Object.hasOwn(before!.plain, key) && before!.plain[key] === plain) continue;
				copy = matchedFields(value, names, index, before!.plain);
			}
			copy[key] = plain;
		}
		if (copy === null) {
			if (keys === before!.keys) {
				before!.revision = revision;
				return before!.plain;
			}
			// Every field as before, but one the copy before had is gone.
			copy = matchedFields(value, names, names.length, before!.plain);
		}
		this.objects.set(value, {plain: copy, keys, revision});
		return copy;
	}
}

/** A new object with the fields of `value` before `end` (of `names`), whose copies were found equal to those in `plain`. */
function matchedFields(value: Record<string, unknown>, names: readonly string[], end: number, plain: {[key: string]: Json}): {[key: string]: Json} {
	const copy: {[key: string]: Json} = {};
	for (let index = 0; index < end; index++) {
		const key = names[index];
		const field = value[key];
		if (field !== undefined && typeof field !== 'function') copy[key] = plain[key];
	}
	return copy;
}

/**
 * Appends samples (a model and the events found in it) to a recording directory: a keyframe at the
 * start of every segment and every `keyframeEvery` samples, else only what changed since the last
 * sample. Each frame is one write, so that a reader sees whole frames or a cut last one. The writer
 * removes the oldest segments itself, by age and by the directory's size.
 */
export class RecordingWriter {
	private readonly keyframeEvery: number;
	private readonly segmentBytes: number;
	private readonly segmentMs: number;
	private readonly now: () => number;
	private fd: number | null = null;
	private segment: {name: string; startedAt: number; bytes: number; samples: number} | null = null;
	private previous: Json | null = null;
	private sinceKeyframe = 0;
	private readonly copier: SampleCopier;

	constructor(private readonly options: WriterOptions) {
		this.keyframeEvery = options.keyframeEvery ?? 300;
		// Small enough that retention removes a fraction of the budget at a time, large enough to compress well.
		this.segmentBytes = clamp(Math.floor(options.maxBytes / 8), 16 * 1024, 16 * 1024 * 1024);
		this.segmentMs = clamp(Math.floor(options.retainMs / 24), 60_000, 3_600_000);
		this.now = options.now ?? Date.now;
		this.copier = new SampleCopier(options.cmdlines);
		prepareRecordingDirectory(options.directory);
	}

	write(model: PodModel, events: readonly PodtopEvent[]): void {
		const plain = this.copier.copy(model);
		const plainEvents = events.length > 0 ? this.copier.copy(events) : null;
		if (this.segment && model.time - this.segment.startedAt >= this.segmentMs) this.closeSegment();
		if (!this.segment) this.openSegment(model.time);
		let frame = this.sampleFrame(model.time, plain, plainEvents);
		// A new segment before this frame would take this one past its size: the directory then stays within
		// maxBytes and one segment, which retention removes whole.
		if (this.segment!.samples > 0 && this.segment!.bytes + frame.length > this.segmentBytes) {
			this.closeSegment();
			this.openSegment(model.time);
			frame = this.sampleFrame(model.time, plain, plainEvents);
		}
		this.append(frame);
		this.segment!.samples++;
		this.sinceKeyframe++;
		this.previous = plain;
	}

	private sampleFrame(time: number, plain: Json, plainEvents: Json | null): Buffer {
		const flags = plainEvents ? frameFlags.events : 0;
		if (this.previous === null || this.sinceKeyframe >= this.keyframeEvery) {
			this.sinceKeyframe = 0;
			return encodeFrame(time, frameKinds.keyframe, flags, {model: plain, events: plainEvents});
		}
		return encodeFrame(time, frameKinds.delta, flags, {patch: diff(this.previous, plain), events: plainEvents});
	}

	close(): void {
		this.closeSegment();
	}

	private append(data: Buffer): void {
		try {
			fs.writeSync(this.fd!, data);
		} catch (error) {
			throw new RecordingError(`cannot write to ${this.options.directory}: ${errorText(error)}`);
		}
		this.segment!.bytes += data.length;
	}

	private openSegment(time: number): void {
		let fd: number | null = null;
		let name = '';
		for (let suffix = 0; fd === null; suffix++) {
			name = segmentName(time, suffix);
			try {
				fd = fs.openSync(path.join(this.options.directory, name), 'wx', 0o600);
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || suffix > 100) {
					throw new RecordingError(`cannot write to ${this.options.directory}: ${errorText(error)}`);
				}
			}
		}
		fs.fchmodSync(fd, 0o600);
		this.fd = fd;
		this.segment = {name, startedAt: time, bytes: 0, samples: 0};
		this.previous = null;
		this.append(fileHeader());
		const {meta} = this.options;
		this.append(encodeFrame(time, frameKinds.meta, 0, {format: formatVersion, ...meta, cmdlines: this.options.cmdlines}));
		this.removeOldSegments();
	}

	private closeSegment(): void {
		if (this.fd !== null) fs.closeSync(this.fd);
		this.fd = null;
		this.segment = null;
		this.previous = null;
	}

	/** The directory's segments, oldest first. */
	private segments(): Segment[] {
		const segments: Segment[] = [];
		for (const name of fs.readdirSync(this.options.directory).sort()) {
			if (!segmentPattern.test(name)) continue;
			try {
				segments.push({name, size: fs.statSync(path.join(this.options.directory, name)).size});
			} catch {
				// Removed meanwhile.
			}
		}
		return segments;
	}

	private removeOldSegments(): void {
		const segments = this.segments();
		let total = segments.reduce((sum, segment) => sum + segment.size, 0);
		const oldestKept = this.now() - this.options.retainMs;
		for (let index = 0; index < segments.length - 1; index++) {
			const segment = segments[index];
			if (segment.name === this.segment?.name) break;
			// A segment ends where the next one starts.
			const nextStart = segmentStartTime(segments[index + 1].name);
			if (total <= this.options.maxBytes && nextStart > oldestKept) break;
			fs.rmSync(path.join(this.options.directory, segment.name), {force: true});
			total -= segment.size;
		}
	}
}

/** The model as a recording holds it, and as a reader gives it back. */
export function recordedForm(model: PodModel): Json {
	return new SampleCopier(true).copy(model);
}
