import fs from 'node:fs';
import path from 'node:path';
import type {PodtopEvent} from '../model/events.js';
import type {PodModel} from '../model/types.js';
import {RecordingError} from './directory.js';
import {crc32, decodePayload, fileHeaderBytes, formatVersion, frameFlags, frameHeaderBytes, frameKinds, magic, maxPayloadBytes, segmentPattern} from './format.js';
import {applyPatch, type Json, type Patch} from './patch.js';

/** The time a segment's name gives, ms since the epoch. */
export function segmentStartTime(name: string): number {
	const stamp = segmentPattern.exec(name)?.[1];
	if (!stamp) return Number.NaN;
	return Date.parse(`${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}.${stamp.slice(15, 18)}Z`);
}

/** One recorded sample: where its frame is. */
export type SampleRef = {
	time: number;
	segment: number;
	/** Of the payload, in the segment file. */
	offset: number;
	length: number;
	keyframe: boolean;
};

export type RecordedEvent = {sample: number; event: PodtopEvent};

type SegmentState = {
	name: string;
	/** Where the next frame would start: past the last good one. */
	end: number;
	/** Set once the segment is known bad from `end` on: nothing more is read from it. */
	stopped: boolean;
	/** Of its first sample. */
	first: number;
	meta: {intervalMs?: number; hostname?: string; cmdlines?: boolean} | null;
	/** Whether an incomplete last frame was reported already. */
	cutReported: boolean;
};

export type RecordingOptions = {
	/** Each problem found, as one line (a file skipped, or read up to its last good sample). */
	onWarning?: (message: string) => void;
	/**
	 * Only the samples from this time on are wanted (ms since the epoch): segments that end before it are
	 * not read. A seek then reads one segment, not a day of them.
	 */
	from?: number;
	/**
	 * Nor the samples after this time (ms since the epoch): segments that start after it are not read, so a
	 * seek to a moment a day back reads the one segment that holds it.
	 */
	until?: number;
	/** false: the events are not read (a printed sample has none to show); default true. */
	events?: boolean;
};

/**
 * A recording directory, read without trusting it: a file that is not a recording, or of a newer format,
 * is skipped; one cut short or corrupt is read up to its last good sample. Each problem is reported once,
 * as one line. A recording still being written can be read: `reload()` picks up what was added.
 */
export class Recording {
	readonly samples: SampleRef[] = [];
	/** In time order. */
	readonly events: RecordedEvent[] = [];
	private readonly segments: SegmentState[] = [];
	private readonly warn: (message: string) => void;
	private readonly from: number;
	private readonly until: number;
	private readonly readEvents: boolean;
	/** Whether segments before `from` were left unread. */
	skippedSegments = false;
	/** Whether segments after `until` were left unread: the last sample read is then not the recording's last. */
	skippedLaterSegments = false;
	private cache: {index: number; plain: Json} | null = null;

	private constructor(readonly directory: string, options: RecordingOptions) {
		this.warn = options.onWarning ?? (() => {});
		this.from = options.from ?? -Infinity;
		this.until = options.until ?? Infinity;
		this.readEvents = options.events ?? true;
	}

	/** Throws RecordingError when the directory cannot be read or holds no readable sample. */
	static open(directory: string, options: RecordingOptions = {}): Recording {
		const recording = Recording.read(directory, options);
		if (recording.samples.length === 0) throw new RecordingError(`no readable recording in ${directory}`);
		return recording;
	}

	/** As open, but a recording with no sample is returned too. */
	static read(directory: string, options: RecordingOptions = {}): Recording {
		const recording = new Recording(directory, options);
		recording.reload();
		return recording;
	}

	get intervalMs(): number | null {
		return this.segments.at(-1)?.meta?.intervalMs ?? null;
	}

	/** Reads what was added since: new frames of the last segment, new segments. Whether anything was. */
	reload(): boolean {
		let names: string[];
		try {
			names = fs.readdirSync(this.directory).filter((name) => segmentPattern.test(name)).sort();
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			throw new RecordingError(code === 'ENOENT' ? `no recording in ${this.directory} (no such directory)` : `cannot read ${this.directory}: ${code ?? String(error)}`);
		}
		const before = this.samples.length;
		const known = new Set(this.segments.map((segment) => segment.name));
		const last = this.segments.at(-1);
		if (last && !last.stopped) this.scan(last, this.segments.length - 1);
		for (let index = 0; index < names.length; index++) {
			const name = names[index];
			if (known.has(name) || (last && name < last.name)) continue;
			// A segment ends where the next one starts.
			if (this.segments.length === 0 && index + 1 < names.length && segmentStartTime(names[index + 1]) <= this.from) {
				this.skippedSegments = true;
				continue;
			}
			const segment: SegmentState = {name, end: 0, stopped: false, first: this.samples.length, meta: null, cutReported: false};
			this.segments.push(segment);
			this.scan(segment, this.segments.length - 1);
			if (index + 1 < names.length && segmentStartTime(names[index + 1]) > this.until) {
				this.skippedLaterSegments = true;
				break;
			}
		}
		return this.samples.length > before;
	}

	/** The last sample at or before `time`; -1 when the recording starts after it. */
	indexAt(time: number): number {
		let low = 0;
		let high = this.samples.length - 1;
		let found = -1;
		while (low <= high) {
			const middle = (low + high) >> 1;
			if (this.samples[middle].time <= time) {
				found = middle;
				low = middle + 1;
			} else {
				high = middle - 1;
			}
		}
		return found;
	}

	/** The model of one sample. */
	modelAt(index: number): PodModel {
		return this.plainAt(index) as unknown as PodModel;
	}

	/** The events recorded with this sample. */
	eventsAt(index: number): PodtopEvent[] {
		const events: PodtopEvent[] = [];
		for (let at = this.firstEventFrom(index); at < this.events.length && this.events[at].sample === index; at++) events.push(this.events[at].event);
		return events;
	}

	/** How many events were recorded up to this sample, with it; and of them, how many OOM kills. */
	countsUpTo(index: number): {events: number; oomKills: number} {
		const end = this.firstEventFrom(index + 1);
		let oomKills = 0;
		for (let at = 0; at < end; at++) if (this.events[at].event.kind === 'oom-kill') oomKills++;
		return {events: end, oomKills};
	}

	/** The position in `events` of the first event of this sample or a later one. */
	firstEventFrom(index: number): number {
		let low = 0;
		let high = this.events.length;
		while (low < high) {
			const middle = (low + high) >> 1;
			if (this.events[middle].sample < index) low = middle + 1;
			else high = middle;
		}
		return low;
	}

	private plainAt(index: number): Json {
		const sample = this.samples[index];
		if (!sample) throw new RangeError(`no sample ${index}`);
		if (this.cache?.index === index) return this.cache.plain;
		let start = index;
		while (!this.samples[start].keyframe) start--;
		let plain: Json;
		let from: number;
		if (this.cache && this.cache.index >= start && this.cache.index < index) {
			plain = this.cache.plain;
			from = this.cache.index + 1;
		} else {
			plain = (this.payload(this.samples[start]) as {model: Json}).model;
			from = start + 1;
		}
		for (let at = from; at <= index; at++) {
			const {patch} = this.payload(this.samples[at]) as {patch: Patch | null};
			if (patch !== null) plain = applyPatch(plain, patch);
		}
		this.cache = {index, plain};
		return plain;
	}

	private payload(sample: SampleRef): unknown {
		const file = path.join(this.directory, this.segments[sample.segment].name);
		const buffer = Buffer.alloc(sample.length);
		let fd: number;
		try {
			fd = fs.openSync(file, 'r');
		} catch (error) {
			throw new RecordingError(`${file} is gone (${(error as NodeJS.ErrnoException).code ?? String(error)}): removed by the recorder's retention?`);
		}
		try {
			fs.readSync(fd, buffer, 0, sample.length, sample.offset);
		} finally {
			fs.closeSync(fd);
		}
		return decodePayload(buffer);
	}

	/** Reads the frames of a segment from where the last scan stopped, checking each. */
	private scan(segment: SegmentState, segmentIndex: number): void {
		const file = path.join(this.directory, segment.name);
		let data: Buffer;
		try {
			data = fs.readFileSync(file);
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			if (code !== 'ENOENT') this.warn(`${file}: unreadable (${code ?? String(error)}): skipped`);
			segment.stopped = true;
			return;
		}
		if (segment.end === 0) {
			if (data.length < fileHeaderBytes) {
				// Created an instant ago, or cut before its header: an empty file is not worth a warning.
				if (data.length > 0 && !data.subarray(0, data.length).equals(magic.subarray(0, data.length))) this.stop(segment, `${file}: not a podtop recording: skipped`);
				return;
			}
			if (!data.subarray(0, magic.length).equals(magic)) return this.stop(segment, `${file}: not a podtop recording: skipped`);
			const version = data.readUInt16LE(magic.length);
			if (version < 1 || version > formatVersion) {
				return this.stop(segment, version > formatVersion
					? `${file}: recording format ${version} is newer than this podtop reads (${formatVersion}): skipped, upgrade podtop to read it`
					: `${file}: unknown recording format ${version}: skipped`);
			}
			segment.end = fileHeaderBytes;
		}
		let offset = segment.end;
		let lastTime = this.samples.at(-1)?.time ?? -Infinity;
		while (offset < data.length) {
			if (data.length - offset < frameHeaderBytes) return this.cut(segment, file);
			const length = data.readUInt32LE(offset);
			if (length > maxPayloadBytes) return this.corrupt(segment, file, offset);
			if (data.length - offset - frameHeaderBytes < length) return this.cut(segment, file);
			const expected = data.readUInt32LE(offset + 4);
			if (crc32(data.subarray(offset + 8, offset + frameHeaderBytes + length)) !== expected) return this.corrupt(segment, file, offset);
			const time = data.readDoubleLE(offset + 8);
			const kind = data.readUInt8(offset + 16);
			const flags = data.readUInt8(offset + 17);
			const payloadOffset = offset + frameHeaderBytes;
			const payload = data.subarray(payloadOffset, payloadOffset + length);
			if (kind === frameKinds.meta) {
				if (segment.meta !== null) return this.corrupt(segment, file, offset);
				try {
					segment.meta = decodePayload(payload) as SegmentState['meta'];
				} catch {
					return this.corrupt(segment, file, offset);
				}
			} else {
				const keyframe = kind === frameKinds.keyframe;
				const firstOfSegment = this.samples.length === segment.first;
				// Deltas need the sample before them, in this segment; time never goes back.
				if ((kind !== frameKinds.keyframe && kind !== frameKinds.delta) || (firstOfSegment && !keyframe) || !Number.isFinite(time) || time < lastTime) {
					return this.corrupt(segment, file, offset);
				}
				if (flags & frameFlags.events && this.readEvents) {
					let events: unknown;
					try {
						events = (decodePayload(payload) as {events?: unknown}).events;
					} catch {
						return this.corrupt(segment, file, offset);
					}
					if (Array.isArray(events)) for (const event of events) this.events.push({sample: this.samples.length, event: event as PodtopEvent});
				}
				this.samples.push({time, segment: segmentIndex, offset: payloadOffset, length, keyframe});
				lastTime = time;
			}
			offset = payloadOffset + length;
			segment.end = offset;
		}
	}

	private stop(segment: SegmentState, message: string): void {
		segment.stopped = true;
		this.warn(message);
	}

	/**
	 * A frame not whole: the recorder may be writing it now, so this is reported (once) but the segment is
	 * read again later; the last segment only, as a writer only ever appends to its newest.
	 */
	private cut(segment: SegmentState, file: string): void {
		const count = this.samples.length - segment.first;
		if (this.segments.at(-1) !== segment) return this.stop(segment, `${file}: cut short after ${count} samples (the recorder was stopped mid-write): read up to there`);
		if (!segment.cutReported) {
			segment.cutReported = true;
			this.warn(`${file}: its last frame is incomplete (being written, or the recorder was killed): read up to sample ${count}`);
		}
	}

	private corrupt(segment: SegmentState, file: string, offset: number): void {
		const count = this.samples.length - segment.first;
		this.stop(segment, `${file}: corrupt at byte ${offset}: read up to its last good sample (${count} read)`);
	}
}
