/*
Parsers over a byte range of a reused buffer. They never allocate on the hot path and never throw:
malformed input gives null.
*/

const zero = 0x30;
const nine = 0x39;
const space = 0x20;
const newline = 0x0a;
const tab = 0x09;

/** v1 reports "unlimited" as a page-aligned LONG_MAX; anything this large is no limit. */
export const unlimitedThreshold = 2 ** 60;

function isBlank(byte: number): boolean {
	return byte === space || byte === newline || byte === tab;
}

/** A non-negative decimal integer filling [start, end) but for surrounding blanks; null otherwise. */
export function parseUnsigned(buffer: Uint8Array, start: number, end: number): number | null {
	while (start < end && isBlank(buffer[start])) start++;
	while (end > start && isBlank(buffer[end - 1])) end--;
	if (start === end || end - start > 20) return null;
	let value = 0;
	for (let index = start; index < end; index++) {
		const byte = buffer[index];
		if (byte < zero || byte > nine) return null;
		value = value * 10 + (byte - zero);
	}
	return value;
}

/** A signed decimal integer (v1's cfs_quota_us is -1 for none). */
export function parseSigned(buffer: Uint8Array, start: number, end: number): number | null {
	while (start < end && isBlank(buffer[start])) start++;
	if (start < end && buffer[start] === 0x2d) {
		const magnitude = parseUnsigned(buffer, start + 1, end);
		return magnitude === null ? null : -magnitude;
	}
	return parseUnsigned(buffer, start, end);
}

function matchesAt(buffer: Uint8Array, at: number, end: number, word: string): boolean {
	if (at + word.length > end) return false;
	for (let index = 0; index < word.length; index++) {
		if (buffer[at + index] !== word.charCodeAt(index)) return false;
	}
	return true;
}

/** A v2 limit file: "max" is no limit (null); a number is the limit. Undefined when malformed. */
export function parseLimit(buffer: Uint8Array, start: number, end: number): number | null | undefined {
	while (start < end && isBlank(buffer[start])) start++;
	while (end > start && isBlank(buffer[end - 1])) end--;
	if (end - start === 3 && matchesAt(buffer, start, end, 'max')) return null;
	const value = parseUnsigned(buffer, start, end);
	if (value === null) return undefined;
	return value >= unlimitedThreshold ? null : value;
}

/**
 * The value of `key` in a flat keyed file ("key value" lines: memory.stat, memory.events, cpu.stat,
 * memory.oom_control). Null when the key is absent or its value is not a number.
 */
export function parseKeyedValue(buffer: Uint8Array, length: number, key: string): number | null {
	let lineStart = 0;
	while (lineStart < length) {
		let lineEnd = buffer.indexOf(newline, lineStart);
		if (lineEnd === -1 || lineEnd > length) lineEnd = length;
		if (
			matchesAt(buffer, lineStart, lineEnd, key) &&
			lineStart + key.length < lineEnd &&
			buffer[lineStart + key.length] === space
		) {
			return parseUnsigned(buffer, lineStart + key.length + 1, lineEnd);
		}
		lineStart = lineEnd + 1;
	}
	return null;
}

/** v2 cpu.max: "max 100000" or "<quota> <period>" in µs; quota null when unlimited; null when malformed. */
export function parseCpuMax(buffer: Uint8Array, length: number): {quotaUsec: number | null; periodUsec: number} | null {
	const separator = buffer.indexOf(space);
	if (separator <= 0 || separator >= length) return null;
	const periodUsec = parseUnsigned(buffer, separator + 1, length);
	if (periodUsec === null || periodUsec === 0) return null;
	if (separator === 3 && matchesAt(buffer, 0, separator, 'max')) return {quotaUsec: null, periodUsec};
	const quotaUsec = parseUnsigned(buffer, 0, separator);
	return quotaUsec === null ? null : {quotaUsec, periodUsec};
}

export type PressureLine = {avg10: number; avg60: number; avg300: number; total: number};

function parseDecimal(buffer: Uint8Array, start: number, end: number): number | null {
	const dot = buffer.indexOf(0x2e, start);
	if (dot === -1 || dot >= end) return parseUnsigned(buffer, start, end);
	const whole = parseUnsigned(buffer, start, dot);
	const fraction = parseUnsigned(buffer, dot + 1, end);
	if (whole === null || fraction === null) return null;
	// One division of two integers gives the same double as parsing the decimal text would.
	const scale = 10 ** (end - dot - 1);
	return (whole * scale + fraction) / scale;
}

/** One line of a PSI file ("some avg10=0.00 avg60=0.00 avg300=0.00 total=0"); null when absent or malformed. */
export function parsePressureLine(buffer: Uint8Array, length: number, kind: 'some' | 'full'): PressureLine | null {
	let lineStart = 0;
	while (lineStart < length) {
		let lineEnd = buffer.indexOf(newline, lineStart);
		if (lineEnd === -1 || lineEnd > length) lineEnd = length;
		if (matchesAt(buffer, lineStart, lineEnd, kind + ' ')) {
			const values: number[] = [];
			let fieldStart = lineStart + kind.length + 1;
			for (const name of ['avg10=', 'avg60=', 'avg300=', 'total=']) {
				if (!matchesAt(buffer, fieldStart, lineEnd, name)) return null;
				let fieldEnd = buffer.indexOf(space, fieldStart);
				if (fieldEnd === -1 || fieldEnd > lineEnd) fieldEnd = lineEnd;
				const value = parseDecimal(buffer, fieldStart + name.length, fieldEnd);
				if (value === null) return null;
				values.push(value);
				fieldStart = fieldEnd + 1;
			}
			return {avg10: values[0], avg60: values[1], avg300: values[2], total: values[3]};
		}
		lineStart = lineEnd + 1;
	}
	return null;
}

/**
 * FNV-1a over a byte range, the length mixed in: tells cheaply whether a file's content changed without
 * making a string. 30 bits, so that V8 keeps it a small integer rather than allocating a number each call.
 */
export function hashBytes(buffer: Uint8Array, start: number, end: number): number {
	let hash = 0x811c9dc5;
	for (let index = start; index < end; index++) {
		hash ^= buffer[index];
		hash = Math.imul(hash, 0x01000193);
	}
	return Math.imul(hash ^ (end - start), 0x01000193) >>> 2;
}

// ignoreBOM keeps a leading U+FEFF: stripped, a name starting with one would lose bytes and read as another.
const strictUtf8 = new TextDecoder('utf-8', {fatal: true, ignoreBOM: true});

/**
 * The end of [start, end) without a UTF-8 character cut short at the end: for a read that stopped at its
 * limit in the middle of a character, which would otherwise make the whole text invalid UTF-8.
 */
export function utf8CompleteEnd(buffer: Uint8Array, start: number, end: number): number {
	let lead = end - 1;
	while (lead >= start && lead > end - 4 && (buffer[lead] & 0xc0) === 0x80) lead--;
	if (lead < start) return end;
	const byte = buffer[lead];
	const length = byte >= 0xf0 && byte <= 0xf4 ? 4 : byte >= 0xe0 && byte <= 0xef ? 3 : byte >= 0xc2 && byte <= 0xdf ? 2 : 1;
	return length > 1 && lead + length > end ? lead : end;
}

/**
 * Text from a process or a file it controls. Valid UTF-8 decodes as is; otherwise every byte
 * outside ASCII is written as a visible `\xNN`, so invalid bytes stay visible and never turn into
 * terminal input.
 */
export function decodeText(buffer: Uint8Array, start: number, end: number): string {
	const bytes = buffer.subarray(start, end);
	try {
		return strictUtf8.decode(bytes);
	} catch {
		let text = '';
		for (const byte of bytes) {
			text += byte < 0x80 ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
		}
		return text;
	}
}

const utf8 = new TextDecoder('utf-8', {ignoreBOM: true});

/** The length of the valid UTF-8 character at `at` (Unicode's table 3-7: no overlong form, no surrogate); 0 when there is none. */
function utf8CharacterLength(buffer: Uint8Array, at: number, end: number): number {
	const lead = buffer[at];
	if (lead < 0x80) return 1;
	const length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
	if (length === 0 || at + length > end) return 0;
	const second = buffer[at + 1];
	if (second < (lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80) || second > (lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf)) return 0;
	for (let index = at + 2; index < at + length; index++) if ((buffer[index] & 0xc0) !== 0x80) return 0;
	return length;
}

/**
 * Text that keeps every byte, for cgroup paths: they are keys, and the files under them must be opened
 * byte for byte. Valid UTF-8 decodes as is (as decodeText); a byte that is no part of a valid character
 * becomes the lone surrogate U+DC80–U+DCFF (Python's "surrogateescape"), which no valid UTF-8 decodes
 * to, so two different byte strings never give the same text and `openablePath` gives the bytes back.
 * Never shown as it is: sanitizeForTerminal and the JSON output write such a surrogate as `\xNN`.
 */
export function decodeBytesExactly(buffer: Uint8Array, start: number, end: number): string {
	try {
		return strictUtf8.decode(buffer.subarray(start, end));
	} catch {
		let text = '';
		let runStart = start;
		let index = start;
		while (index < end) {
			const length = utf8CharacterLength(buffer, index, end);
			if (length > 0) {
				index += length;
				continue;
			}
			text += utf8.decode(buffer.subarray(runStart, index)) + String.fromCharCode(0xdc00 | buffer[index]);
			runStart = ++index;
		}
		return text + utf8.decode(buffer.subarray(runStart, end));
	}
}

/** A byte decodeBytesExactly could not decode: a low surrogate U+DC80–U+DCFF with no high surrogate before it. */
const escapedByte = /[\udc80-\udcff](?<![\ud800-\udbff][\udc80-\udcff])/;

/** Whether text from decodeBytesExactly holds a byte that was not valid UTF-8. */
export function holdsEscapedBytes(text: string): boolean {
	return escapedByte.test(text);
}

/**
 * What to open for a path made by decodeBytesExactly: the text itself when every byte of it was valid
 * UTF-8 (Node writes a string path as UTF-8), else its exact bytes.
 */
export function openablePath(text: string): string | Buffer {
	if (!holdsEscapedBytes(text)) return text;
	const parts: Buffer[] = [];
	let runStart = 0;
	for (let index = 0; index < text.length; index++) {
		const code = text.charCodeAt(index);
		if (code >= 0xd800 && code <= 0xdbff) {
			index++;
			continue;
		}
		if (code < 0xdc80 || code > 0xdcff) continue;
		parts.push(Buffer.from(text.slice(runStart, index), 'utf8'), Buffer.of(code & 0xff));
		runStart = index + 1;
	}
	parts.push(Buffer.from(text.slice(runStart), 'utf8'));
	return Buffer.concat(parts);
}
