import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {layoutFromDirectory, layoutFromMountinfo, relativeToMount} from '../../source/collect/cgroup-layout.js';
import {
	decodeBytesExactly,
	decodeText,
	hashBytes,
	holdsEscapedBytes,
	openablePath,
	parseCpuMax,
	parseKeyedValue,
	parseLimit,
	parsePressureLine,
	parseSigned,
	parseUnsigned,
	utf8CompleteEnd,
} from '../../source/collect/parse-bytes.js';
import {parseProcessCgroups} from '../../source/collect/parse-process-cgroup.js';
import {createStatFields, isExitingFlags, isKernelThreadFlags, parseStat} from '../../source/collect/parse-stat.js';
import {parseNamespaceLink} from '../../source/collect/process-scanner.js';
import {sanitizeForTerminal} from '../../source/format/terminal-text.js';
import {toJsonText} from '../../source/output/json.js';
import {FixtureTree} from '../helpers/fixture-tree.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('/proc/<pid>/stat', () => {
	const statLine = (comm: string) =>
		`4242 (${comm}) S 1 4242 4242 0 -1 4194560 120 0 0 0 37 12 0 0 20 0 3 0 98765 12345678 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n`;

	for (const comm of ['sleep', 'tmux: server', 'a) b (c', ') S 1 2 3 (', 'x)']) {
		test(`comm ${JSON.stringify(comm)} lies between the first ( and the last )`, () => {
			const buffer = bytes(statLine(comm));
			const fields = createStatFields();
			assert.equal(parseStat(buffer, buffer.length, fields), true);
			assert.equal(buffer.subarray(fields.commStart, fields.commEnd).toString(), comm);
			assert.equal(String.fromCharCode(fields.state), 'S');
			assert.equal(fields.ppid, 1);
			assert.equal(fields.utime, 37);
			assert.equal(fields.stime, 12);
			assert.equal(fields.threads, 3);
			assert.equal(fields.starttime, 98765);
			assert.equal(fields.rssPages, 2560);
			assert.equal(isKernelThreadFlags(fields.flags), false);
		});
	}

	test('a stat with a ) but no ( is rejected', () => {
		const buffer = bytes(statLine('sleep').replace('(', ''));
		assert.equal(parseStat(buffer, buffer.length, createStatFields()), false);
	});

	test('a stat whose last ) comes before its first ( is rejected, whatever follows the )', () => {
		const buffer = bytes('12 ) S 1 12 12 0 -1 64 0 0 0 0 5 6 0 0 20 0 1 0 500 1000 12 (x\n');
		assert.equal(parseStat(buffer, buffer.length, createStatFields()), false);
	});

	test('a stat cut just before rss is rejected, with or without its newline', () => {
		const line = statLine('sleep');
		for (const end of ['', '\n']) {
			const buffer = bytes(line.slice(0, line.indexOf(' 2560 ')) + end);
			assert.equal(parseStat(buffer, buffer.length, createStatFields()), false, JSON.stringify(end));
		}
	});

	test('a state of other than one letter is malformed', () => {
		for (const state of ['', 'SS']) {
			const buffer = bytes(statLine('sleep').replace(') S ', `) ${state} `));
			assert.equal(parseStat(buffer, buffer.length, createStatFields()), false, JSON.stringify(state));
		}
	});

	test('rss below zero reads as no pages; any other field below zero is malformed', () => {
		const fields = createStatFields();
		const negativeRss = bytes(statLine('sleep').replace(' 2560 ', ' -3 '));
		assert.equal(parseStat(negativeRss, negativeRss.length, fields), true);
		assert.equal(fields.rssPages, 0);
		for (const [what, from, to] of [['ppid', ' S 1 ', ' S -1 '], ['starttime', ' 98765 ', ' -98765 ']]) {
			const buffer = bytes(statLine('sleep').replace(from, to));
			assert.equal(parseStat(buffer, buffer.length, createStatFields()), false, what);
		}
	});

	test('a stat ends where the read ends, though the shared buffer holds an older, longer one', () => {
		const buffer = bytes(statLine('an older process with a long name'));
		const short = '77 (x) R 2 77 77 0 -1 64 0 0 0 0 5 6 0 0 20 0 1 0 500 1000 12\n';
		buffer.write(short);
		const fields = createStatFields();
		assert.equal(parseStat(buffer, short.length, fields), true);
		assert.equal(buffer.subarray(fields.commStart, fields.commEnd).toString(), 'x');
		assert.deepEqual([String.fromCharCode(fields.state), fields.ppid, fields.utime, fields.stime, fields.threads, fields.starttime, fields.rssPages], ['R', 2, 5, 6, 1, 500, 12]);
	});

	test('comm ends at the last ) of the read, not at one the shared buffer holds after it', () => {
		const line = statLine('sleep');
		const buffer = bytes(`${line}) S 1`);
		const fields = createStatFields();
		assert.equal(parseStat(buffer, line.length, fields), true);
		assert.equal(buffer.subarray(fields.commStart, fields.commEnd).toString(), 'sleep');
	});

	test('the kernel thread flag', () => {
		const buffer = bytes('2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 1 0 0 20 0 1 0 2 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 0 0 0 0 0 0\n');
		const fields = createStatFields();
		assert.equal(parseStat(buffer, buffer.length, fields), true);
		assert.equal(isKernelThreadFlags(fields.flags), true);
	});

	test('the exiting flag', () => {
		const exiting = bytes(statLine('sleep').replace(' 4194560 ', ' 4194564 '));
		const fields = createStatFields();
		assert.equal(parseStat(exiting, exiting.length, fields), true);
		assert.equal(isExitingFlags(fields.flags), true);
		const running = bytes(statLine('sleep'));
		assert.equal(parseStat(running, running.length, fields), true);
		assert.equal(isExitingFlags(fields.flags), false);
	});

	test('truncated and garbage content is rejected', () => {
		const fields = createStatFields();
		for (const text of ['', '12 (x', '12 (x) S 1 2', 'garbage', '12 (x) S one 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22']) {
			const buffer = bytes(text);
			assert.equal(parseStat(buffer, buffer.length, fields), false, text);
		}
	});
});

describe('numbers and keyed files', () => {
	test('unsigned and signed integers with blanks; garbage is null', () => {
		assert.equal(parseUnsigned(bytes(' 123\n'), 0, 5), 123);
		assert.equal(parseUnsigned(bytes('12a'), 0, 3), null);
		assert.equal(parseUnsigned(bytes(''), 0, 0), null);
		assert.equal(parseSigned(bytes('-1\n'), 0, 3), -1);
		assert.equal(parseSigned(bytes('-\n'), 0, 2), null);
	});

	test('a number is digits only, at most 20 of them (a 64-bit counter), with blanks of any kind around', () => {
		assert.equal(parseUnsigned(bytes('\t7\t\n'), 0, 4), 7);
		assert.equal(parseUnsigned(bytes('0'), 0, 1), 0);
		assert.equal(parseUnsigned(bytes('9'), 0, 1), 9);
		assert.equal(parseUnsigned(bytes('18446744073709551615'), 0, 20), 2 ** 64, 'the largest u64, as the nearest double');
		assert.equal(parseUnsigned(bytes('184467440737095516150'), 0, 21), null);
		assert.equal(parseUnsigned(bytes('12/'), 0, 3), null, 'the byte before 0');
		assert.equal(parseUnsigned(bytes('1:'), 0, 2), null, 'the byte after 9');
	});

	test('blanks alone are no number, not 0, whatever the buffer holds after them', () => {
		assert.equal(parseUnsigned(bytes('  \n5'), 0, 2), null);
		assert.equal(parseSigned(bytes('-1'), 0, 0), null);
		const cut = bytes('anon \nfile 5\n');
		assert.equal(parseKeyedValue(cut, cut.length, 'anon'), null, 'a memory.stat key with no value');
	});

	test('a negative number may have blanks around it', () => {
		assert.equal(parseSigned(bytes(' -1 \n'), 0, 5), -1);
	});

	test('v2 limits: max is no limit, a number is one, v1 unlimited is no limit, garbage is undefined', () => {
		assert.equal(parseLimit(bytes('max\n'), 0, 4), null);
		assert.equal(parseLimit(bytes('67108864\n'), 0, 9), 67108864);
		assert.equal(parseLimit(bytes('9223372036854771712\n'), 0, 20), null);
		assert.equal(parseLimit(bytes('maximum\n'), 0, 8), undefined);
		assert.equal(parseLimit(bytes(' max\n'), 0, 5), null, 'blanks before max');
	});

	test('a limit of blanks alone is malformed, whatever the shared buffer holds around them', () => {
		assert.equal(parseLimit(bytes('  \n  5'), 0, 2), undefined, 'a number after them');
		assert.equal(parseLimit(bytes('5  \n  '), 3, 6), undefined, 'a number before them');
	});

	test('keyed values match whole keys only', () => {
		const text = bytes('low 0\nhigh 5\nmax 7\noom 1\noom_kill 2\noom_group_kill 0\n');
		assert.equal(parseKeyedValue(text, text.length, 'max'), 7);
		assert.equal(parseKeyedValue(text, text.length, 'oom'), 1);
		assert.equal(parseKeyedValue(text, text.length, 'oom_kill'), 2);
		assert.equal(parseKeyedValue(text, text.length, 'absent'), null);
		const v1 = bytes('cache 10\ntotal_cache 20\nhierarchical_memory_limit 9223372036854771712\n');
		assert.equal(parseKeyedValue(v1, v1.length, 'cache'), 10);
		assert.equal(parseKeyedValue(v1, v1.length, 'total_cache'), 20);
	});

	test('a keyed value is read within the bytes read, not from an older file the shared buffer still holds', () => {
		const buffer = bytes('file 7\nanon 12345\n');
		assert.equal(parseKeyedValue(buffer, 'file 7\nanon 12'.length, 'anon'), 12);
		assert.equal(parseKeyedValue(buffer, 'file 7\nanon'.length, 'anon'), null, 'the key at the end of the read, its value after');
	});

	test('cpu.max', () => {
		assert.deepEqual(parseCpuMax(bytes('max 100000\n'), 11), {quotaUsec: null, periodUsec: 100000});
		assert.deepEqual(parseCpuMax(bytes('50000 100000\n'), 13), {quotaUsec: 50000, periodUsec: 100000});
		assert.equal(parseCpuMax(bytes('50000\n'), 6), null);
		assert.equal(parseCpuMax(bytes('5 0\n'), 4), null);
	});

	test('cpu.max garbled reads as none; only the word max is no quota', () => {
		for (const garbled of ['x 100000\n', 'max x\n', '50000 x\n', 'maxx 100000\n']) {
			assert.equal(parseCpuMax(bytes(garbled), garbled.length), null, garbled);
		}
		assert.deepEqual(parseCpuMax(bytes('999 100000\n'), 11), {quotaUsec: 999, periodUsec: 100000});
	});

	test('pressure lines', () => {
		const text = bytes('some avg10=1.50 avg60=0.25 avg300=0.00 total=12345\nfull avg10=0.50 avg60=0.00 avg300=0.00 total=678\n');
		assert.deepEqual(parsePressureLine(text, text.length, 'some'), {avg10: 1.5, avg60: 0.25, avg300: 0, total: 12345});
		assert.deepEqual(parsePressureLine(text, text.length, 'full'), {avg10: 0.5, avg60: 0, avg300: 0, total: 678});
		const inexact = bytes('some avg10=1.89 avg60=1.39 avg300=1.61 total=1\n');
		assert.deepEqual(parsePressureLine(inexact, inexact.length, 'some'), {avg10: 1.89, avg60: 1.39, avg300: 1.61, total: 1});
		const broken = bytes('some avg10=x avg60=0 avg300=0 total=1\n');
		assert.equal(parsePressureLine(broken, broken.length, 'some'), null);
	});

	test('a pressure line is read within the bytes read: to their end with no newline, a number cut there as the digits read', () => {
		const unended = bytes('some avg10=0.00 avg60=0.00 avg300=0.00 total=5');
		assert.deepEqual(parsePressureLine(unended, unended.length, 'some'), {avg10: 0, avg60: 0, avg300: 0, total: 5});
		const cut = bytes('some avg10=0.00 avg60=0.00 avg300=0.00 total=678.5\n');
		assert.deepEqual(parsePressureLine(cut, 'some avg10=0.00 avg60=0.00 avg300=0.00 total=678'.length, 'some'), {avg10: 0, avg60: 0, avg300: 0, total: 678});
	});

	test('a pressure line cut or garbled reads as none, not as zeros', () => {
		for (const garbled of ['some avg10=1.x avg60=0.00 avg300=0.00 total=1\n', 'some avg10=.50 avg60=0.00 avg300=0.00 total=1\n', 'somexavg10=1.00 avg60=0.00 avg300=0.00 total=1\n']) {
			assert.equal(parsePressureLine(bytes(garbled), garbled.length, 'some'), null, garbled);
		}
		const buffer = bytes('some avg10=0.00 avg60=0.00 avg300=0.00 total=12345\n');
		assert.equal(parsePressureLine(buffer, 'some avg10=0.00 avg60=0.00 avg300=0.00 tot'.length, 'some'), null, 'the read ends inside "total="');
	});

	test('hashes tell content apart, including by length', () => {
		assert.notEqual(hashBytes(bytes('abc'), 0, 3), hashBytes(bytes('abd'), 0, 3));
		assert.notEqual(hashBytes(bytes('\0'), 0, 1), hashBytes(bytes(''), 0, 0));
		assert.equal(hashBytes(bytes('xabc'), 1, 4), hashBytes(bytes('abc'), 0, 3));
	});

	test('a hash is of the range alone, and a small integer: 30 bits, never negative', () => {
		assert.equal(hashBytes(bytes('abcX'), 0, 3), hashBytes(bytes('abcY'), 0, 3), 'what the shared buffer holds after the range');
		for (const text of ['', 'a', 'abc', 'memory.max', '9223372036854771712\n', 'ö'.repeat(50)]) {
			const hash = hashBytes(bytes(text), 0, bytes(text).length);
			assert.ok(Number.isInteger(hash) && hash >= 0 && hash < 2 ** 30, `${JSON.stringify(text)}: ${hash}`);
		}
	});

	test('process text: valid UTF-8 decodes, invalid bytes become visible escapes', () => {
		assert.equal(decodeText(bytes('nginx: wörker'), 0, 14), 'nginx: wörker');
		const invalid = Buffer.from([0x61, 0xff, 0x62]);
		assert.equal(decodeText(invalid, 0, 3), 'a\\xffb');
		assert.equal(decodeText(Buffer.from([0x7f, 0x80]), 0, 2), '\x7f\\x80', 'ASCII ends at 0x7f');
	});

	test('a command line cut at the read limit loses the character cut short, and only that', () => {
		const cuts: Array<[string, number[], number, number]> = [
			['ASCII', [0x61, 0x62, 0x63], 3, 3],
			['é whole', [0x61, 0xc3, 0xa9], 3, 3],
			['é after its lead', [0x61, 0xc3, 0xa9], 2, 1],
			['U+0080 after its lead', [0x61, 0xc2, 0x80], 2, 1],
			['U+07FF after its lead', [0x61, 0xdf, 0xbf], 2, 1],
			['U+0800 after two of three', [0x61, 0xe0, 0xa0, 0x80], 3, 1],
			['U+FFFF after two of three', [0x61, 0xef, 0xbf, 0xbf], 3, 1],
			['中 whole', [0x61, 0x62, 0xe4, 0xb8, 0xad], 5, 5],
			['中 after two of three', [0x61, 0x62, 0xe4, 0xb8, 0xad], 4, 2],
			['中 after its lead', [0x61, 0x62, 0xe4, 0xb8, 0xad], 3, 2],
			['😀 whole', [0xf0, 0x9f, 0x98, 0x80], 4, 4],
			['😀 after three of four', [0xf0, 0x9f, 0x98, 0x80], 3, 0],
			['U+10FFFF after three of four', [0xf4, 0x8f, 0xbf, 0xbf], 3, 0],
			['continuation bytes with no lead', [0x80, 0x80], 2, 2],
			['an overlong lead, which begins no character', [0x61, 0xc0], 2, 2],
			['a byte above 0xf4, which begins no character', [0x61, 0xf8, 0x80], 3, 3],
			['0xff, which begins no character', [0x61, 0xff], 2, 2],
		];
		for (const [what, content, end, complete] of cuts) assert.equal(utf8CompleteEnd(Buffer.from(content), 0, end), complete, what);
		assert.equal(utf8CompleteEnd(Buffer.from([0xe4, 0xb8]), 1, 2), 2, 'a lead before the range is not looked at');
	});

	test('a byte order mark is kept: leading process text or a cgroup path, or after an invalid byte', () => {
		const withMark = Buffer.from([0xef, 0xbb, 0xbf, 0x61]);
		assert.equal(decodeText(withMark, 0, 4), '\ufeffa');
		assert.equal(decodeBytesExactly(withMark, 0, 4), '\ufeffa');
		assert.deepEqual(Buffer.from(openablePath(decodeBytesExactly(withMark, 0, 4))), withMark);
		const afterInvalid = Buffer.from([0xff, 0xef, 0xbb, 0xbf, 0x61]);
		assert.equal(decodeBytesExactly(afterInvalid, 0, 5), '\udcff\ufeffa', 'after an invalid byte');
		assert.deepEqual(Buffer.from(openablePath(decodeBytesExactly(afterInvalid, 0, 5))), afterInvalid);
	});

	describe('cgroup paths keep their bytes', () => {
		const raw = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))));
		const decoded = (buffer: Buffer) => decodeBytesExactly(buffer, 0, buffer.length);
		const names = {
			invalidPair: raw('/p/a', [0xff, 0xfe]),
			loneContinuation: raw('/p/b', [0x80]),
			cutCharacter: raw('/p/c', [0xe4, 0xb8]),
			overlongSlash: raw('/p/d', [0xc0, 0xaf]),
			encodedSurrogate: raw('/p/e', [0xed, 0xb3, 0xbf]),
			controlsAndInvalid: raw('/p/f\x01\x1b[31m', [0xff]),
			validAfterInvalid: raw('/p/g', [0xff], '中', [0xf0, 0x90, 0x82, 0x80]),
			textThatLooksEscaped: raw('/p/a\\xff\\xfe'),
		};

		test('valid UTF-8 decodes as decodeText does, and is opened as the same string', () => {
			for (const text of ['/kubepods/pod1/abc', '/p/café 中文 😀', '/p/\x1b[31m\x07', '/p/\u{10080}']) {
				const buffer = Buffer.from(text, 'utf8');
				assert.equal(decoded(buffer), decodeText(buffer, 0, buffer.length));
				assert.equal(decoded(buffer), text);
				assert.equal(openablePath(text), text, 'the same string, not a Buffer');
				assert.equal(holdsEscapedBytes(text), false);
			}
		});

		test('every byte comes back; valid characters among invalid bytes stay characters', () => {
			for (const [what, buffer] of Object.entries(names)) {
				const text = decoded(buffer);
				const path = openablePath(text);
				assert.equal(Buffer.isBuffer(path), holdsEscapedBytes(text), what);
				assert.deepEqual(Buffer.from(path), buffer, `${what}: opened under its exact bytes`);
			}
			assert.equal(decoded(names.validAfterInvalid), '/p/g\udcff中\u{10080}');
			assert.equal(decoded(names.cutCharacter), '/p/c\udce4\udcb8');
		});

		test('after an invalid byte, each sequence is a character exactly where UTF-8 makes it one', () => {
			// Unicode's table 3-7 at its edges: the shortest form only, no surrogate, nothing above U+10FFFF.
			const sequences: Array<[number[], string]> = [
				[[0x7f], '\x7f'],
				[[0x80, 0x80, 0x80, 0x80], '\udc80\udc80\udc80\udc80'],
				[[0xc1, 0xbf], '\udcc1\udcbf'],
				[[0xc1, 0xbf, 0xbf, 0xbf], '\udcc1\udcbf\udcbf\udcbf'],
				[[0xc2, 0x80], '\u0080'],
				[[0xdf, 0xbf], '\u07ff'],
				[[0xe0, 0x9f, 0xbf], '\udce0\udc9f\udcbf'],
				[[0xe0, 0xa0, 0x80], '\u0800'],
				[[0xe1, 0x7f, 0x80], '\udce1\x7f\udc80'],
				[[0xe1, 0x80, 0x80], '\u1000'],
				[[0xe1, 0xc0, 0x80], '\udce1\udcc0\udc80'],
				[[0xe4, 0xb8, 0x41], '\udce4\udcb8A'],
				[[0xed, 0x9f, 0xbf], '\ud7ff'],
				[[0xed, 0xa0, 0x80], '\udced\udca0\udc80'],
				[[0xef, 0xbf, 0xbf], '\uffff'],
				[[0xf0, 0x8f, 0xbf, 0xbf], '\udcf0\udc8f\udcbf\udcbf'],
				[[0xf0, 0x90, 0x80, 0x80], '\u{10000}'],
				[[0xf0, 0x9f, 0x98, 0x41], '\udcf0\udc9f\udc98A'],
				[[0xf4, 0x8f, 0xb2, 0x80], '\u{10fc80}'],
				[[0xf4, 0x8f, 0xbf, 0xbf], '\u{10ffff}'],
				[[0xf4, 0x90, 0x80, 0x80], '\udcf4\udc90\udc80\udc80'],
				[[0xf5, 0x80, 0x80, 0x80], '\udcf5\udc80\udc80\udc80'],
			];
			for (const [sequence, text] of sequences) {
				const buffer = raw('/p/', [0xff, ...sequence]);
				assert.equal(decoded(buffer), `/p/\udcff${text}`, Buffer.from(sequence).toString('hex'));
				assert.deepEqual(Buffer.from(openablePath(decoded(buffer))), buffer);
			}
		});

		test('a character that the range cuts is bytes, though the buffer holds the rest of it', () => {
			const buffer = raw('/p/', [0xff, 0xe4, 0xb8, 0xad]);
			assert.equal(decodeBytesExactly(buffer, 0, buffer.length - 1), '/p/\udcff\udce4\udcb8');
		});

		test('two names never share a key, nor one with a name that is the text \\xff', () => {
			const keys = Object.values(names).map(decoded);
			assert.equal(new Set(keys).size, keys.length);
		});

		test('shown as \\xNN on the terminal and in JSON, as decodeText shows bytes', () => {
			const text = decoded(names.controlsAndInvalid);
			assert.equal(sanitizeForTerminal(text), '/p/f\\x01\\x1b[31m\\xff');
			assert.equal(sanitizeForTerminal(decoded(names.invalidPair)), sanitizeForTerminal(decodeText(names.invalidPair, 0, names.invalidPair.length)));
			assert.equal(sanitizeForTerminal(decoded(names.validAfterInvalid)), '/p/g\\xff中\u{10080}', 'a surrogate pair stays a character');
			const json = toJsonText({cgroup: text, literal: '\\udcff', both: `\\${text}`, lone: '\ud800x'});
			assert.doesNotMatch(json.replaceAll('\\\\', ''), /\\ud[89a-f]/, `no lone surrogate escape left: ${json}`);
			assert.deepEqual(JSON.parse(json), {cgroup: '/p/f\x01\x1b[31m\\xff', literal: '\\udcff', both: '\\/p/f\x01\x1b[31m\\xff', lone: '\\ud800x'});
		});
	});

	test('namespace links', () => {
		assert.equal(parseNamespaceLink('net:[4026531840]'), 4026531840);
		assert.equal(parseNamespaceLink('pid_for_children:[4026531836]'), 4026531836);
		assert.equal(parseNamespaceLink('net:[abc]'), null);
		assert.equal(parseNamespaceLink('/some/path'), null);
	});
});

describe('cgroup layout and process cgroups', () => {
	const hybridMountinfo = [
		'25 30 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755',
		'26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate',
		'27 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd',
		'30 25 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory',
		'31 25 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,cpu,cpuacct',
		'32 25 0:30 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,pids',
	].join('\n');

	test('hybrid from mountinfo, with a shared cpu,cpuacct hierarchy', () => {
		const layout = layoutFromMountinfo(hybridMountinfo);
		assert.ok(layout);
		assert.equal(layout.mode, 'hybrid');
		assert.equal(layout.controllers.memory?.directory, '/sys/fs/cgroup/memory');
		assert.equal(layout.controllers.cpu?.directory, '/sys/fs/cgroup/cpu,cpuacct');
		assert.equal(layout.controllers.cpuacct?.directory, '/sys/fs/cgroup/cpu,cpuacct');
		const cgroups = parseProcessCgroups('12:pids:/docker/abc\n4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n0::/\n', layout);
		assert.deepEqual(cgroups, {container: '/docker/abc', memory: '/docker/abc', cpu: '/docker/abc', cpuacct: '/docker/abc', pids: '/docker/abc'});
	});

	test('pure v2 from mountinfo; a mount root inside a container is stripped', () => {
		const layout = layoutFromMountinfo('40 30 0:35 /kubepods/pod1/abc /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw');
		assert.ok(layout);
		assert.equal(layout.mode, 'v2');
		const cgroups = parseProcessCgroups('0::/kubepods/pod1/abc/sub\n', layout);
		assert.equal(cgroups.container, '/sub');
	});

	test('the container path is the memory controller\'s, else another controller\'s', () => {
		const layout = layoutFromMountinfo(hybridMountinfo);
		assert.ok(layout);
		assert.equal(parseProcessCgroups('4:memory:/\n3:cpu,cpuacct:/only-cpu\n0::/\n', layout).container, '/only-cpu');
		assert.equal(parseProcessCgroups('4:memory:/\n3:cpu,cpuacct:/\n0::/\n', layout).container, '/');
		assert.equal(parseProcessCgroups('garbage\n\n:::\n', layout).container, null);
	});

	test('lines that are not id:controllers:/path give nothing, and never a throw', () => {
		const none = {container: null, memory: null, cpu: null, cpuacct: null, pids: null};
		const hybrid = layoutFromMountinfo(hybridMountinfo);
		const v2 = layoutFromMountinfo('40 30 0:35 /kubepods/pod1/abc /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw');
		assert.ok(hybrid && v2);
		assert.deepEqual(parseProcessCgroups('4:memory:docker/abc\n3:cpu,cpuacct:\n0::relative\n', hybrid), none, 'a path that does not begin with /');
		assert.deepEqual(parseProcessCgroups(':memory:/docker/abc\n', hybrid), none, 'no hierarchy id');
		for (const text of ['::/kubepods/pod1/abc/sub\n', '/kubepods/pod1/abc:x\n', '/kubepods/pod1/abc\n', 'garbage\n', '']) {
			assert.deepEqual(parseProcessCgroups(text, v2), none, JSON.stringify(text));
		}
	});

	test('on a hybrid host the unified path names no container whose controllers are all at the root', () => {
		const layout = layoutFromMountinfo(hybridMountinfo);
		assert.ok(layout);
		assert.equal(parseProcessCgroups('12:pids:/\n4:memory:/\n3:cpu,cpuacct:/\n1:name=systemd:/system.slice/cron.service\n0::/system.slice/cron.service\n', layout).container, '/');
	});

	test('no cgroup mount at all', () => {
		assert.equal(layoutFromMountinfo('22 1 0:21 / /proc rw - proc proc rw'), null);
	});

	test('mountinfo: escaped mount points, optional fields, cut lines, and the first mount of a controller', () => {
		const layout = layoutFromMountinfo(
			[
				'30 25 0:28 /a\\134b /sys/fs/my\\040cgroups/memory rw shared:14 master:2 - cgroup cgroup rw,memory',
				'31 25 0:29 / /sys/fs/cgroup/memory-again rw - cgroup cgroup rw,memory',
				'32 25 0:30 / /sys/fs/cgroup/pids rw - cgroup',
				'33 25 0:31 / /sys/fs/cgroup/cpu rw',
			].join('\n'),
		);
		assert.ok(layout);
		assert.equal(layout.mode, 'v1');
		assert.deepEqual(layout.controllers, {memory: {directory: '/sys/fs/my cgroups/memory', mountRoot: '/a\\b'}, cpu: null, cpuacct: null, pids: null});
	});

	test('only mounts of type cgroup are v1 hierarchies, whatever their options name', () => {
		assert.equal(layoutFromMountinfo('35 25 0:40 / /mnt/memory rw - tmpfs tmpfs rw,memory,pids'), null);
	});

	test('a mountinfo line without its - separator is no mount, whatever its first field says', () => {
		assert.equal(layoutFromMountinfo('cgroup2 25 0:31 / /sys/fs/cgroup/unified rw'), null);
	});

	test('a named v1 hierarchy alone (name=systemd) beside cgroup2 leaves the host v2', () => {
		const layout = layoutFromMountinfo(
			[
				'26 25 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate',
				'27 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd',
				'28 25 0:26 / /run/other-cgroup2 rw - cgroup2 cgroup2 rw',
			].join('\n'),
		);
		assert.ok(layout);
		assert.equal(layout.mode, 'v2');
		assert.deepEqual(layout.unified, {directory: '/sys/fs/cgroup', mountRoot: '/'}, 'the first cgroup2 mount');
	});

	test('a mount root strips only whole path components', () => {
		const mount = {directory: '/sys/fs/cgroup', mountRoot: '/kubepods/pod1'};
		assert.equal(relativeToMount('/kubepods/pod1/abc', mount), '/abc');
		assert.equal(relativeToMount('/kubepods/pod1', mount), '/');
		assert.equal(relativeToMount('/kubepods/pod10/abc', mount), '/kubepods/pod10/abc');
		assert.equal(relativeToMount('/system.slice', mount), '/system.slice');
		assert.equal(relativeToMount('/kubepods/pod1/abc', {directory: '/sys/fs/cgroup', mountRoot: '/'}), '/kubepods/pod1/abc');
	});

	describe('a cgroup tree given as a directory', () => {
		const treeWith = (files: Record<string, string>) => {
			const tree = new FixtureTree();
			after(() => tree.remove());
			for (const [name, content] of Object.entries(files)) tree.write(`cgroup/${name}`, content);
			return tree;
		};

		test('v2: the controllers its root enables, cpuacct with cpu', () => {
			const tree = treeWith({'cgroup.controllers': 'cpuset cpu io memory\n', 'cgroup.procs': ''});
			const root = {directory: tree.cgroup, mountRoot: '/'};
			assert.deepEqual(layoutFromDirectory(tree.cgroup), {mode: 'v2', unified: root, controllers: {memory: root, cpu: root, cpuacct: root, pids: null}});
		});

		test('controllers on the unified hierarchy take the 0:: line\'s path: all of them on v2, pids on a hybrid host whose pids is there', () => {
			const v2 = layoutFromDirectory(treeWith({'cgroup.controllers': 'cpu memory pids\n', 'cgroup.procs': ''}).cgroup);
			assert.ok(v2);
			assert.deepEqual(parseProcessCgroups('0::/kubepods/pod1/abc\n', v2), {container: '/kubepods/pod1/abc', memory: '/kubepods/pod1/abc', cpu: '/kubepods/pod1/abc', cpuacct: '/kubepods/pod1/abc', pids: '/kubepods/pod1/abc'});
			const hybrid = layoutFromDirectory(treeWith({'memory/cgroup.procs': '', 'cpu,cpuacct/cgroup.procs': '', 'unified/cgroup.controllers': 'pids\n'}).cgroup);
			assert.ok(hybrid);
			assert.deepEqual(parseProcessCgroups('4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/system.slice/docker-abc.scope\n', hybrid), {container: '/docker/abc', memory: '/docker/abc', cpu: '/docker/abc', cpuacct: '/docker/abc', pids: '/system.slice/docker-abc.scope'});
		});

		test('v1: a directory per hierarchy holding cgroup.procs, named after its controllers; hybrid with an unified cgroup2', () => {
			const tree = treeWith({
				'memory/cgroup.procs': '',
				'cpu,cpuacct/cgroup.procs': '',
				'pids/tasks': '',
				'unified/cgroup.controllers': 'pids\n',
				'systemd/cgroup.procs': '',
			});
			const at = (directory: string) => ({directory: path.join(tree.cgroup, directory), mountRoot: '/'});
			assert.deepEqual(layoutFromDirectory(tree.cgroup), {
				mode: 'hybrid',
				unified: at('unified'),
				controllers: {memory: at('memory'), cpu: at('cpu,cpuacct'), cpuacct: at('cpu,cpuacct'), pids: at('unified')},
			});
			fs.rmSync(path.join(tree.cgroup, 'unified'), {recursive: true});
			assert.equal(layoutFromDirectory(tree.cgroup)?.mode, 'v1');
		});

		test('no hierarchy in it, or no directory at all', () => {
			const tree = treeWith({'memory/tasks': '', 'unified/cgroup.procs': ''});
			assert.equal(layoutFromDirectory(tree.cgroup), null);
			assert.equal(layoutFromDirectory(path.join(tree.cgroup, 'absent')), null);
		});
	});
});
