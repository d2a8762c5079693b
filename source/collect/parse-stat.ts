import {parseSigned, parseUnsigned} from './parse-bytes.js';

/** USER_HZ, the unit of times in /proc/<pid>/stat: 100 on every Linux architecture's user ABI. */
export const clockTicksPerSecond = 100;

/** The fields of /proc/<pid>/stat that podtop uses; one instance is reused for every read. */
export type StatFields = {
	commStart: number;
	commEnd: number;
	state: number;
	ppid: number;
	flags: number;
	utime: number;
	stime: number;
	threads: number;
	starttime: number;
	rssPages: number;
};

export function createStatFields(): StatFields {
	return {commStart: 0, commEnd: 0, state: 0, ppid: 0, flags: 0, utime: 0, stime: 0, threads: 0, starttime: 0, rssPages: 0};
}

const kernelThreadFlag = 0x00200000;

export function isKernelThreadFlags(flags: number): boolean {
	return (flags & kernelThreadFlag) !== 0;
}

/** PF_EXITING: set when the task starts to exit, zombies included. */
const exitingFlag = 0x00000004;

export function isExitingFlags(flags: number): boolean {
	return (flags & exitingFlag) !== 0;
}

/**
 * Parses /proc/<pid>/stat in place. comm is whatever lies between the first `(` and the LAST `)`:
 * a process may name itself with spaces and parentheses. False when the content is malformed.
 */
export function parseStat(buffer: Uint8Array, length: number, into: StatFields): boolean {
	const open = buffer.indexOf(0x28);
	if (open === -1 || open >= length) return false;
	const close = buffer.lastIndexOf(0x29, length - 1);
	if (close < open) return false;
	into.commStart = open + 1;
	into.commEnd = close;
	let field = 0;
	let position = close + 2;
	while (position < length && field <= 21) {
		let fieldEnd = buffer.indexOf(0x20, position);
		if (fieldEnd === -1 || fieldEnd > length) fieldEnd = length;
		if (buffer[fieldEnd - 1] === 0x0a) fieldEnd--;
		switch (field) {
			case 0: {
				if (fieldEnd - position !== 1) return false;
				into.state = buffer[position];
				break;
			}
			case 1:
			case 6:
			case 11:
			case 12:
			case 17:
			case 19:
			case 21: {
				const value = field === 21 ? parseSigned(buffer, position, fieldEnd) : parseUnsigned(buffer, position, fieldEnd);
				if (value === null) return false;
				if (field === 1) into.ppid = value;
				else if (field === 6) into.flags = value;
				else if (field === 11) into.utime = value;
				else if (field === 12) into.stime = value;
				else if (field === 17) into.threads = value;
				else if (field === 19) into.starttime = value;
				else into.rssPages = Math.max(0, value);
				break;
			}
			default:
		}
		field++;
		position = fieldEnd + 1;
	}
	return field > 21;
}
