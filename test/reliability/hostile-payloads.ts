/** The hostile names the injection tests plant, as raw bytes. */
import type {HostileContainerSpec} from './hostile-rig.js';

export const utf8 = (text: string) => Buffer.from(text, 'utf8');
export const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))));

/** A word every payload carries, to find its row (the filter matches it in the cmdline). */
export const marker = 'pwnmark';

/** Valid UTF-8: escape sequences, C1, C0 and DEL, a newline, bidi controls and wide characters. */
export const validArgv0 =
	`${marker} \x1b]0;pwned\x07 \x1b[2J \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ \u009b31m C1 \x07\x08\x7f\r new\nline ` +
	`\u202eevil\u202c \u2066iso\u2069 \u2028sep 中文字幕宽 end`;
export const validComm = '\x1b]0;pwned\x07\x1b[2J';

export const invalidComm = bytes([0xc2, 0x9b], '2J\n', [0xe2, 0x80, 0xae, 0xff]);
/** Invalid UTF-8: a raw C1 CSI byte, an overlong slash, a cut-off character; and an ESC. */
export const invalidArgv0 = bytes(`${marker} bad `, [0xff, 0xfe, 0x9b], '31m ', [0xc0, 0xaf], ' \x1b[2J ', [0xe4, 0xb8]);

export const validLeaf = 'evil\x1b]0;pwned\x07\x1b[2J\u009b31m\u202e中文\x7f';
export const invalidLeaf = bytes('bad', [0xff, 0x9b], '2J\x1b[5m');
export const invalidLeafLimits = {memoryBytes: 96 * 1024 * 1024, pidsMax: 64, cpuQuotaUsec: 25_000};
export const wideLeaf = 'wide中文字幕宽宽宽宽宽宽宽宽宽宽宽宽宽宽宽宽宽宽宽宽';

/** Containers of one process each: PID 1 of its pid namespace is the payload. */
export const hostileSpecs: HostileContainerSpec[] = [
	{leaf: utf8(validLeaf), payloads: [{comm: utf8(validComm), argv0: utf8(validArgv0)}]},
	// A leaf that is not UTF-8 at all, with limits: its counters are read under its exact bytes.
	{leaf: invalidLeaf, payloads: [{comm: invalidComm, argv0: invalidArgv0}], limits: invalidLeafLimits},
	{leaf: utf8(wideLeaf), payloads: [{comm: utf8('\u202eplain'), argv0: utf8(`${marker} 中文\u200d\u200b plain ${'宽'.repeat(80)}`)}]},
];
