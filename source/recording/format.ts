import zlib from 'node:zlib';

/**
 * A recording is a directory of segment files, each readable on its own (see docs/recording-format.md):
 * the magic, the format version (u16 LE), then frames. A frame is a header of `frameHeaderBytes`
 * (payload length u32, CRC-32 of the rest of the header and the payload u32, time f64 ms since the
 * epoch, kind u8, flags u8) and its payload: JSON compressed with raw deflate.
 */
export const magic = Buffer.from('PODTOPRC', 'latin1');
/** What the writer writes; a reader reads this and every version before it (1: no 'K' or 'c' patches). */
export const formatVersion = 2;
export const fileHeaderBytes = magic.length + 2;
export const frameHeaderBytes = 18;
/** Larger than any sample the writer makes: a length above it is corruption, not a frame to allocate. */
export const maxPayloadBytes = 256 * 1024 * 1024;

export const frameKinds = {meta: 0, keyframe: 1, delta: 2} as const;
export type FrameKind = (typeof frameKinds)[keyof typeof frameKinds];
export const frameFlags = {events: 1} as const;

/** Segment files are named by their first sample's time, so that names sort in time order. */
export const segmentPattern = /^podtop-(\d{8}T\d{9}Z)(?:-(\d+))?\.rec$/;

export function segmentName(time: number, suffix = 0): string {
	const stamp = new Date(time).toISOString().replace(/[-:.]/g, '');
	return `podtop-${stamp}${suffix > 0 ? `-${suffix}` : ''}.rec`;
}

const crcTable = (() => {
	const table = new Uint32Array(256);
	for (let index = 0; index < 256; index++) {
		let value = index;
		for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xed_b8_83_20 ^ (value >>> 1) : value >>> 1;
		table[index] = value >>> 0;
	}
	return table;
})();

/** zlib's CRC-32 where Node has it (20.15 and later), else the same sum computed here. */
export function crc32(data: Uint8Array, initial = 0): number {
	const native = (zlib as {crc32?: (data: Uint8Array, value?: number) => number}).crc32;
	if (native) return native(data, initial);
	let crc = ~initial >>> 0;
	for (let index = 0; index < data.length; index++) crc = crcTable[(crc ^ data[index]) & 0xff] ^ (crc >>> 8);
	return ~crc >>> 0;
}

export function fileHeader(): Buffer {
	const header = Buffer.alloc(fileHeaderBytes);
	magic.copy(header, 0);
	header.writeUInt16LE(formatVersion, magic.length);
	return header;
}

/** One frame, ready to be written with one write. */
export function encodeFrame(time: number, kind: FrameKind, flags: number, body: unknown): Buffer {
	const payload = zlib.deflateRawSync(JSON.stringify(body));
	const frame = Buffer.alloc(frameHeaderBytes + payload.length);
	frame.writeUInt32LE(payload.length, 0);
	frame.writeDoubleLE(time, 8);
	frame.writeUInt8(kind, 16);
	frame.writeUInt8(flags, 17);
	payload.copy(frame, frameHeaderBytes);
	frame.writeUInt32LE(crc32(frame.subarray(8)), 4);
	return frame;
}

export function decodePayload(payload: Buffer): unknown {
	return JSON.parse(zlib.inflateRawSync(payload).toString('utf8'));
}
