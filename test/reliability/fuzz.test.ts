/**
 * Every parser fed random, truncated and garbage bytes (fast-check, over 100,000 cases
 * in all) never throws and returns well-typed values; fixture trees with missing, empty and garbage
 * files go through the Collector without a throw, what could not be read as null.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {describe, test} from 'node:test';
import fc from 'fast-check';
import {layoutFromMountinfo, parseMountinfo, type CgroupLayout} from '../../source/collect/cgroup-layout.js';
import {Collector} from '../../source/collect/collector.js';
import {OomKillParser, parseKilledProcessLine, parseKmsgRecord, parseOomKillLine} from '../../source/collect/kmsg-reader.js';
import {
	decodeBytesExactly,
	decodeText,
	holdsEscapedBytes,
	openablePath,
	parseCpuMax,
	parseKeyedValue,
	parseLimit,
	parsePressureLine,
	parseSigned,
	parseUnsigned,
	unlimitedThreshold,
	utf8CompleteEnd,
} from '../../source/collect/parse-bytes.js';
import {parseProcessCgroups} from '../../source/collect/parse-process-cgroup.js';
import {createStatFields, parseStat} from '../../source/collect/parse-stat.js';
import {parseNamespaceLink} from '../../source/collect/process-scanner.js';
import {maxFieldLength, RuntimeNameResolver} from '../../source/collect/runtime-names.js';
import {createMonitor} from '../../source/model/monitor.js';
import {sanitizeForTerminal} from '../../source/format/terminal-text.js';
import {parseRuntimeCgroupPath} from '../../source/model/runtime-path.js';
import {FixtureTree, v1MemoryFiles, v2MemoryFiles} from '../helpers/fixture-tree.js';

const encoder = new TextEncoder();
const bytesOf = (text: string) => encoder.encode(text);
let totalRuns = 0;
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Runs a property and counts its cases. */
function check<T>(arbitrary: fc.Arbitrary<T>, predicate: (value: T) => void, numRuns: number): void {
	fc.assert(fc.property(arbitrary, predicate), {numRuns});
	totalRuns += numRuns;
}

/**
 * Garbage shaped like the input: a valid sample cut short, with bytes flipped, inserted or deleted,
 * random digits and separators, or random bytes outright.
 */
function mutated(samples: readonly string[]): fc.Arbitrary<Uint8Array> {
	const sample = fc.constantFrom(...samples.map(bytesOf));
	const edit = fc.tuple(fc.nat(), fc.integer({min: 0, max: 255}), fc.constantFrom('flip', 'insert', 'delete', 'cut'));
	const edited = fc.tuple(sample, fc.array(edit, {maxLength: 6})).map(([base, edits]) => {
		let bytes = [...base];
		for (const [position, value, kind] of edits) {
			const at = bytes.length === 0 ? 0 : position % (bytes.length + 1);
			if (kind === 'flip' && at < bytes.length) bytes[at] = value;
			else if (kind === 'insert') bytes.splice(at, 0, value);
			else if (kind === 'delete') bytes.splice(at, 1);
			else bytes = bytes.slice(0, at);
		}
		return Uint8Array.from(bytes);
	});
	const tokens = fc
		.array(fc.constantFrom('0', '1', '9', '18446744073709551615', '99999999999999999999999', '-', ' ', '\n', '\t', '.', '=', 'max', 'some ', 'full ', 'avg10=', 'total=', '(', ')', ':', '/', ',', '\0', '\xff'), {maxLength: 40})
		.map((parts) => bytesOf(parts.join('')));
	return fc.oneof({weight: 4, arbitrary: edited}, {weight: 2, arbitrary: tokens}, {weight: 2, arbitrary: fc.uint8Array({maxLength: 300})});
}

/** Bytes in a reused buffer: the content, then stale bytes after it that a parser must not read. */
function inReusedBuffer(content: Uint8Array, stale: Uint8Array): Uint8Array {
	const buffer = new Uint8Array(content.length + stale.length);
	buffer.set(content);
	buffer.set(stale, content.length);
	return buffer;
}

const staleTail = fc.uint8Array({maxLength: 40});
const isCount = (value: number | null) => value === null || (Number.isFinite(value) && value >= 0 && Number.isInteger(value));

const v1Layout = layoutFromMountinfo(
	[
		'30 25 0:26 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory',
		'31 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct',
		'32 25 0:28 /kubepods /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids',
		'33 25 0:29 / /sys/fs/cgroup/nonexistent-unified rw - cgroup2 cgroup2 rw',
	].join('\n'),
) as CgroupLayout;

describe('parsers fed garbage (fast-check)', () => {
	test('numbers: parseUnsigned, parseSigned, parseLimit', () => {
		const numbers = mutated(['0', '42\n', ' 9223372036854771712\n', '-1\n', 'max\n', '18446744073709551615', '']);
		check(fc.tuple(numbers, staleTail), ([content, stale]) => {
			const buffer = inReusedBuffer(content, stale);
			const unsigned = parseUnsigned(buffer, 0, content.length);
			assert.ok(isCount(unsigned), `unsigned ${unsigned}`);
			assert.equal(unsigned, parseUnsigned(content, 0, content.length), 'bytes past the end are not read');
			const signed = parseSigned(buffer, 0, content.length);
			assert.ok(signed === null || (Number.isFinite(signed) && Number.isInteger(signed)), `signed ${signed}`);
			const limit = parseLimit(buffer, 0, content.length);
			assert.ok(limit === undefined || limit === null || (isCount(limit) && limit < unlimitedThreshold), `limit ${limit}`);
		}, 30_000);
	});

	test('keyed files, cpu.max and PSI lines', () => {
		const keyed = mutated([
			'low 0\nhigh 3\nmax 7\noom 1\noom_kill 1\n',
			'usage_usec 1000\nuser_usec 600\nsystem_usec 400\nnr_periods 40\nnr_throttled 12\nthrottled_usec 3456\n',
			'max 100000\n',
			'50000 100000\n',
			'some avg10=1.50 avg60=0.25 avg300=0.00 total=12345\nfull avg10=0.50 avg60=0.00 avg300=0.00 total=678\n',
		]);
		check(fc.tuple(keyed, staleTail, fc.constantFrom('max', 'oom_kill', 'usage_usec', 'nr_throttled', 'high')), ([content, stale, key]) => {
			const buffer = inReusedBuffer(content, stale);
			const value = parseKeyedValue(buffer, content.length, key);
			assert.ok(isCount(value), `keyed ${value}`);
			assert.equal(value, parseKeyedValue(content, content.length, key), 'bytes past the end are not read');
			const cpuMax = parseCpuMax(buffer, content.length);
			if (cpuMax !== null) {
				assert.ok(isCount(cpuMax.quotaUsec) && isCount(cpuMax.periodUsec) && cpuMax.periodUsec > 0, JSON.stringify(cpuMax));
			}
			assert.deepEqual(cpuMax, parseCpuMax(content, content.length), 'cpu.max: bytes past the end are not read');
			for (const kind of ['some', 'full'] as const) {
				const line = parsePressureLine(buffer, content.length, kind);
				if (line !== null) for (const figure of Object.values(line)) assert.ok(Number.isFinite(figure) && figure >= 0, JSON.stringify(line));
				assert.deepEqual(line, parsePressureLine(content, content.length, kind), 'PSI: bytes past the end are not read');
			}
		}, 30_000);
	});

	test('/proc/<pid>/stat', () => {
		const stat = mutated([
			'1234 (nginx) S 1 1234 1234 0 -1 4194560 100 0 0 0 12 5 0 0 20 0 1 0 98765 10000000 250 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n',
			'42 (a) b) (c) R 1 0 0 0 0 0 0 0 0 0 1 1 0 0 20 0 1 0 5 1000 -1\n',
			'7 (\x1b]0;x\x07\n) Z 0 0 0 0 0 2097152 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0\n',
		]);
		const fields = createStatFields();
		check(fc.tuple(stat, staleTail), ([content, stale]) => {
			const buffer = inReusedBuffer(content, stale);
			if (!parseStat(buffer, content.length, fields)) return;
			assert.ok(fields.commStart <= fields.commEnd && fields.commEnd <= content.length, 'comm within the content');
			for (const key of ['ppid', 'flags', 'utime', 'stime', 'threads', 'starttime', 'rssPages'] as const) {
				assert.ok(Number.isFinite(fields[key]) && fields[key] >= 0, `${key} ${fields[key]}`);
			}
			assert.equal(typeof decodeText(buffer, fields.commStart, fields.commEnd), 'string');
		}, 15_000);
	});

	test('decodeText', () => {
		check(fc.oneof(fc.uint8Array({maxLength: 200}), fc.string({unit: 'binary', maxLength: 100}).map(bytesOf)), (content) => {
			const text = decodeText(content, 0, content.length);
			let valid = true;
			try {
				new TextDecoder('utf-8', {fatal: true}).decode(content);
			} catch {
				valid = false;
			}
			if (valid) assert.equal(bytesOf(text).length, content.length, 'valid UTF-8 decodes as is');
			else assert.match(text, /^[\x00-\x7f]*$/, 'invalid UTF-8 becomes ASCII with \\xNN escapes');
		}, 10_000);
	});

	test('decodeBytesExactly: every byte comes back, valid UTF-8 as decodeText gives it', () => {
		const parts = fc.oneof(fc.uint8Array({maxLength: 8}), fc.string({unit: 'binary', maxLength: 8}).map(bytesOf));
		check(fc.array(parts, {maxLength: 8}).map((chunks) => Buffer.concat(chunks)), (content) => {
			const text = decodeBytesExactly(content, 0, content.length);
			assert.deepEqual(Buffer.from(openablePath(text)), content);
			if (!holdsEscapedBytes(text)) assert.equal(text, decodeText(content, 0, content.length));
			assert.doesNotMatch(sanitizeForTerminal(text), loneSurrogate, 'no escaped byte is shown as a surrogate');
		}, 10_000);
	});

	test('utf8CompleteEnd: a cut UTF-8 text loses only its last, cut character', () => {
		check(fc.tuple(fc.string({unit: 'binary', maxLength: 60}), fc.nat()), ([text, cut]) => {
			const bytes = bytesOf(text);
			const end = bytes.length === 0 ? 0 : cut % (bytes.length + 1);
			const complete = utf8CompleteEnd(bytes, 0, end);
			assert.ok(complete <= end && complete >= end - 3);
			const prefix = new TextDecoder('utf-8', {fatal: true, ignoreBOM: true}).decode(bytes.subarray(0, complete));
			assert.ok(text.startsWith(prefix));
		}, 10_000);
	});

	test('sanitizeForTerminal: nothing unsafe left, safe text untouched', () => {
		const unsafe = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069]|${loneSurrogate.source}`);
		check(fc.string({unit: fc.oneof(fc.constantFrom('\x1b', '\u009b', '\u202e', '\u2066', '\u2028', '\x07', '\n', '\u200d', '中', '\\', '\udcff', '\ud83d', '\ude00'), fc.string({unit: 'binary', minLength: 1, maxLength: 1})), maxLength: 40}), (text) => {
			const shown = sanitizeForTerminal(text);
			assert.ok(!unsafe.test(shown), JSON.stringify(shown));
			if (!unsafe.test(text)) assert.equal(shown, text);
		}, 10_000);
		// Large inputs come back whole and escaped (how fast is the bench's business, not a test's).
		const large = 'x'.repeat(1 << 20);
		assert.equal(sanitizeForTerminal(large), large);
		assert.equal(sanitizeForTerminal('\x1b'.repeat(1 << 16)), '\\x1b'.repeat(1 << 16));
	});

	test('/proc/<pid>/cgroup', () => {
		const cgroup = mutated([
			'12:pids:/kubepods/pod1/abc\n11:memory:/kubepods/pod1/abc\n4:cpu,cpuacct:/kubepods/pod1/abc\n1:name=systemd:/x\n0::/\n',
			'0::/kubepods.slice/a.scope\n',
			'5:memory:/\n',
		]);
		check(cgroup, (content) => {
			const result = parseProcessCgroups(decodeText(content, 0, content.length), v1Layout);
			for (const value of Object.values(result)) assert.ok(value === null || (typeof value === 'string' && value.startsWith('/')), `cgroup path ${value}`);
		}, 10_000);
	});

	test('mountinfo', () => {
		const mountinfo = mutated([
			'30 25 0:26 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory\n35 25 0:30 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n',
			'25 1 0:22 /kube /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n',
			'31 25 0:27 / /sys/fs/cgroup/a\\040b rw - cgroup cgroup rw,cpu,cpuacct\n',
		]);
		check(mountinfo, (content) => {
			const text = decodeText(content, 0, content.length);
			for (const entry of parseMountinfo(text)) assert.equal(typeof entry.mountPoint, 'string');
			const layout = layoutFromMountinfo(text);
			if (layout) assert.ok(['v1', 'v2', 'hybrid'].includes(layout.mode));
		}, 3000);
	});

	test('namespace links', () => {
		check(fc.oneof(fc.string({maxLength: 40}), fc.constantFrom('net:[4026531840]', 'pid:[]', ':[1]', 'mnt:[99999999999999]', 'uts:[12]x', 'user:[-1]')), (link) => {
			const inode = parseNamespaceLink(link);
			assert.ok(inode === null || (Number.isSafeInteger(inode) && inode >= 0), `inode ${inode}`);
		}, 10_000);
	});

	test('kmsg records, oom-kill summaries and Killed process lines', () => {
		const kmsg = mutated([
			'3,1234,5678901,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/pod/c,task_memcg=/pod/c,task=node,pid=4321,uid=0\n',
			'3,1235,5678902,-;Memory cgroup out of memory: Killed process 4321 (no,de) total-vm:1000kB, anon-rss:10kB\n',
			'6,1,2,-;Out of memory: Killed process 1 (\\x1b[2J)\n SUBSYSTEM=x\n',
		]);
		const parser = new OomKillParser(() => 0);
		check(kmsg, (content) => {
			const text = decodeText(content, 0, content.length);
			const record = parseKmsgRecord(text);
			if (record) for (const value of [record.priority, record.sequence, record.bootUsec]) assert.ok(Number.isFinite(value));
			const summary = parseOomKillLine(text);
			if (summary) {
				assert.ok(Number.isSafeInteger(summary.pid) && summary.pid >= 0 && summary.comm.length <= 64, JSON.stringify(summary));
				assert.ok(summary.uid === null || Number.isSafeInteger(summary.uid));
			}
			const killed = parseKilledProcessLine(text);
			if (killed) assert.ok(Number.isSafeInteger(killed.pid) && killed.comm.length <= 64, JSON.stringify(killed));
			parser.push(record ?? {priority: 0, sequence: 0, bootUsec: 0, message: text});
		}, 15_000);
	});

	test('runtime metadata JSON through the name resolver (fixture files)', () => {
		const tree = new FixtureTree();
		try {
			const id = 'ab'.repeat(32);
			const tasks = path.join(tree.root, 'run/containerd/io.containerd.runtime.v2.task/k8s.io', id);
			const docker = path.join(tree.root, 'var/lib/docker/containers', id);
			const storage = path.join(tree.root, 'var/lib/containers/storage/overlay-containers');
			for (const directory of [tasks, docker, storage]) fs.mkdirSync(directory, {recursive: true});
			const sampleJson = JSON.stringify({hostname: 'h', annotations: {'io.kubernetes.cri.container-name': 'c', 'io.kubernetes.cri.sandbox-id': 'ab'.repeat(32)}, Config: {Labels: {'io.kubernetes.pod.name': 'p'}}, Name: '/k8s_c_p_ns_uid_0'});
			const json = fc.oneof(
				fc.jsonValue().map((value) => JSON.stringify(value)),
				fc.anything().map((value) => {
					try {
						return JSON.stringify(value) ?? 'null';
					} catch {
						return '{';
					}
				}),
				mutated([sampleJson, `[{"id":"${id}","names":["x"],"metadata":"{\\"image-name\\":\\"i\\"}"}]`]).map((bytes) => Buffer.from(bytes).toString('latin1')),
			);
			check(fc.tuple(json, json, json), ([spec, config, list]) => {
				fs.writeFileSync(path.join(tasks, 'config.json'), spec);
				fs.writeFileSync(path.join(docker, 'config.v2.json'), config);
				fs.writeFileSync(path.join(storage, 'containers.json'), list);
				const resolver = new RuntimeNameResolver({root: tree.root});
				const names = resolver.resolve(id);
				if (names) {
					for (const value of Object.values(names)) assert.ok(value === null || (typeof value === 'string' && value.length <= maxFieldLength), JSON.stringify(names));
				}
				resolver.podNames('ab'.repeat(32));
				fs.rmSync(path.join(docker, 'config.v2.json'));
				new RuntimeNameResolver({root: tree.root}).resolve(id);
			}, 1500);
		} finally {
			tree.remove();
		}
	});

	test('at least 100,000 cases in all', () => {
		assert.ok(totalRuns >= 100_000, `${totalRuns} cases`);
	});
});

/** A value read from a garbled tree: null, or a finite number that is not negative where it must not be. */
function assertWellTyped(value: unknown, where: string): void {
	if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
	if (typeof value === 'number') {
		assert.ok(Number.isFinite(value), `${where} = ${value}`);
		return;
	}
	if (Array.isArray(value)) {
		value.forEach((item, index) => assertWellTyped(item, `${where}[${index}]`));
		return;
	}
	if (typeof value === 'object') {
		for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
			if (key === 'pod' || key === 'container') continue;
			assertWellTyped(item, `${where}.${key}`);
		}
	}
}

describe('fixture trees with missing, empty and garbage files through the Collector', () => {
	const garbage = fc.oneof(
		fc.constant<string | null>(null),
		fc.constant(''),
		fc.constantFrom('max\n', '-1\n', 'x', '\0\0\0', '99999999999999999999999999\n', 'some avg10=NaN\n', '0::\n', '(\n', ')('),
		fc.uint8Array({maxLength: 80}).map((bytes) => Buffer.from(bytes).toString('latin1')),
	);
	const v2Names = Object.keys(v2MemoryFiles(1, 1)).filter((name) => name !== 'cgroup.procs');
	const v1Names = Object.keys(v1MemoryFiles(1, 1)).filter((name) => name !== 'cgroup.procs');
	const processFiles = ['stat', 'cgroup', 'cmdline'];

	for (const mode of ['v2', 'v1'] as const) {
		test(`cgroup ${mode}: no throw, the unreadable as null`, () => {
			const names = mode === 'v2' ? v2Names : v1Names;
			const damage = fc.array(fc.tuple(fc.constantFrom(...names.map((name) => `cgroup:${name}`), ...processFiles.map((name) => `proc:${name}`), 'ns', 'proc:loadavg', 'proc:meminfo', 'proc:uptime'), garbage), {minLength: 1, maxLength: 8});
			fc.assert(
				fc.property(damage, fc.nat({max: 2}), (edits, victimIndex) => {
					const tree = new FixtureTree();
					try {
						const cgroupPath = mode === 'v2' ? '/kubepods.slice/pod-a.slice/cri-containerd-' + 'a'.repeat(64) + '.scope' : '/kubepods/podabc/' + 'a'.repeat(64);
						const memoryDirectory = mode === 'v2' ? cgroupPath : `/memory${cgroupPath}`;
						if (mode === 'v2') {
							tree.write('cgroup/cgroup.controllers', 'cpu memory pids\n');
							tree.write('cgroup/cgroup.procs', '');
							tree.cgroupFiles(cgroupPath, v2MemoryFiles(10 << 20, 64 << 20));
						} else {
							tree.write('cgroup/memory/cgroup.procs', '');
							tree.cgroupFiles(memoryDirectory, v1MemoryFiles(10 << 20, 64 << 20));
						}
						const line = mode === 'v2' ? `0::${cgroupPath}\n` : `4:memory:${cgroupPath}\n`;
						tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: mode === 'v2' ? '0::/\n' : '4:memory:/\n', kernelThread: true});
						tree.addProcess({pid: 100, comm: 'pause', cgroup: line, namespaces: {net: 4026532100, pid: 4026532101}});
						tree.addProcess({pid: 101, comm: 'app', cgroup: line, namespaces: {net: 4026532100, pid: 4026532102}});
						const victim = [2, 100, 101][victimIndex];
						for (const [target, content] of edits) {
							const [kind, name] = target.split(':');
							let file: string;
							if (kind === 'cgroup') file = path.join(tree.cgroup, memoryDirectory, name);
							else if (kind === 'ns') file = path.join(tree.proc, String(victim), 'ns', 'net');
							else if (['loadavg', 'meminfo', 'uptime'].includes(name)) file = path.join(tree.proc, name);
							else file = path.join(tree.proc, String(victim), name);
							fs.rmSync(file, {force: true});
							if (content !== null) {
								if (kind === 'ns') fs.symlinkSync(content.replaceAll('\0', '') || 'x', file);
								else fs.writeFileSync(file, Buffer.from(content, 'latin1'));
							}
						}
						const monitor = createMonitor(new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup}), {identify: parseRuntimeCgroupPath});
						try {
							monitor.refresh();
							const model = monitor.refresh();
							for (const pod of model.pods) {
								assertWellTyped(pod.gauges, 'pod.gauges');
								for (const container of pod.containers) {
									assertWellTyped(container.gauges, 'container.gauges');
									for (const value of [container.gauges.memory.current, container.gauges.memory.effectiveMax, container.gauges.pids.current]) {
										assert.ok(value === null || value >= 0);
									}
								}
							}
							assertWellTyped(model.memory, 'memory');
							assertWellTyped(model.load, 'load');
						} finally {
							monitor.close();
						}
					} finally {
						tree.remove();
					}
				}),
				{numRuns: 60},
			);
		});
	}
});
