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

/** PF_KTHREAD, in the flags field. */
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
 * Where each field read sits among those after comm's closing parenthesis, counted from 0: proc(5) numbers
 * the fields of /proc/<pid>/stat from 1, pid (1) and comm (2) first, so its field n is n - 3 here.
 */
const stateField = 3 - 3; // (3) state
const ppidField = 4 - 3; // (4) ppid
const flagsField = 9 - 3; // (9) flags
const utimeField = 14 - 3; // (14) utime
const stimeField = 15 - 3; // (15) stime
const threadsField = 20 - 3; // (20) num_threads
const starttimeField = 22 - 3; // (22) starttime
const rssField = 24 - 3; // (24) rss, in pages

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
	while (position < length && field <= rssField) {
		let fieldEnd = buffer.indexOf(0x20, position);
		if (fieldEnd === -1 || fieldEnd > length) fieldEnd = length;
		switch (field) {
			case stateField: {
				if (fieldEnd - position !== 1) return false;
				into.state = buffer[position];
				break;
			}
			case ppidField:
			case flagsField:
			case utimeField:
			case stimeField:
			case threadsField:
			case starttimeField:
			case rssField: {
				const value = field === rssField ? parseSigned(buffer, position, fieldEnd) : parseUnsigned(buffer, position, fieldEnd);
				if (value === null) return false;
				if (field === ppidField) into.ppid = value;
				else if (field === flagsField) into.flags = value;
				else if (field === utimeField) into.utime = value;
				else if (field === stimeField) into.stime = value;
				else if (field === threadsField) into.threads = value;
				else if (field === starttimeField) into.starttime = value;
				else into.rssPages = Math.max(0, value);
				break;
			}
			default:
		}
		field++;
		position = fieldEnd + 1;
	}
	return field > rssField;
}
