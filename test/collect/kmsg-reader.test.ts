import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, test, type TestContext} from 'node:test';
import {KmsgReader, OomKillParser, parseKilledProcessLine, parseKmsgRecord, parseListedTaskLine, parseOomKillLine, parseTaskInLine} from '../../source/collect/kmsg-reader.js';
import {isRoot, requireOrSkip} from '../helpers/require.js';
import {descriptorsOpenOn} from '../helpers/processes.js';

// As kernel 6.x writes them (kernel 6.18 on this machine, `dmesg` after a rig's OOM kill).
const summaryLine =
	'oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/podtop-x/app1,task_memcg=/podtop-x/app1,task=node,pid=1234,uid=0';
const killedLine =
	'Memory cgroup out of memory: Killed process 1234 (node) total-vm:1049032kB, anon-rss:63744kB, file-rss:3592kB, shmem-rss:0kB, UID:0 pgtables:576kB oom_score_adj:0';

/**
 * A stand-in for /dev/kmsg at a temp path: each open reads from the oldest record held, one record a read,
 * EAGAIN when it has read them all; a reader whose next record was overwritten gets EPIPE once, then goes on
 * from the oldest, as the kernel does.
 */
class FakeKmsg {
	readonly path: string;
	private readonly records: string[] = [];
	/** The sequence number of records[0] and of the next record logged. */
	private oldest = 0;
	private next = 0;
	private readonly positions = new Map<number, number>();

	constructor(t: TestContext) {
		const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-kmsg-'));
		t.after(() => fs.rmSync(directory, {recursive: true, force: true}));
		this.path = path.join(directory, 'kmsg');
		fs.writeFileSync(this.path, '');
		const {ino} = fs.statSync(this.path);
		const {openSync, readSync} = fs;
		const isLog = (descriptor: number) => {
			try {
				return fs.fstatSync(descriptor).ino === ino;
			} catch {
				return false;
			}
		};
		t.mock.method(fs, 'openSync', (...args: Parameters<typeof fs.openSync>) => {
			const descriptor = openSync(...args);
			if (isLog(descriptor)) this.positions.set(descriptor, this.oldest);
			return descriptor;
		});
		t.mock.method(fs, 'readSync', (descriptor: number, buffer: Buffer, ...rest: unknown[]) => {
			if (!isLog(descriptor)) return (readSync as (...args: unknown[]) => number)(descriptor, buffer, ...rest);
			const position = this.positions.get(descriptor)!;
			if (position < this.oldest) {
				this.positions.set(descriptor, this.oldest);
				throw Object.assign(new Error('EPIPE: broken pipe, read'), {code: 'EPIPE'});
			}
			if (position === this.next) throw Object.assign(new Error('EAGAIN: resource temporarily unavailable, read'), {code: 'EAGAIN'});
			this.positions.set(descriptor, position + 1);
			return buffer.write(this.records[position - this.oldest]);
		});
	}

	/** Logs messages (`<facility and level>;message`, the level 6 of the kernel's facility when not given), stamped `bootUsec`. */
	log(bootUsec: number, ...messages: string[]): void {
		for (const message of messages) {
			const [prefix, text] = /^\d+;/.test(message) ? message.split(/;(.*)/s) : ['6', message];
			this.records.push(`${prefix},${this.next++},${bootUsec},-;${text}\n`);
		}
	}

	/** Drops the oldest records, as new ones overwrite them in the kernel's ring. */
	overwrite(count: number): void {
		this.records.splice(0, count);
		this.oldest += count;
	}
}

/** A summary of a kill of `pid`. */
const summaryOf = (pid: number) => summaryLine.replace('pid=1234', `pid=${pid}`);
const nowUsec = () => Number(process.hrtime.bigint() / 1000n);
const pids = (kills: Array<{pid: number}>) => kills.map((kill) => kill.pid);
describe('kmsg records', () => {
	test('a record: priority, sequence, µs since boot, message; continuation lines dropped', () => {
		assert.deepEqual(parseKmsgRecord(`3,1234,5678,-;${killedLine}\n SUBSYSTEM=x\n`), {priority: 3, sequence: 1234, bootUsec: 5678, message: killedLine});
		assert.deepEqual(parseKmsgRecord('6,1,2,c,caller=T12;hello'), {priority: 6, sequence: 1, bootUsec: 2, message: 'hello'});
		assert.equal(parseKmsgRecord('garbage'), null);
		assert.equal(parseKmsgRecord('a,b,c;x'), null);
	});

	test('the oom-kill summary line: victim, cgroups, uid', () => {
		assert.deepEqual(parseOomKillLine(summaryLine), {pid: 1234, comm: 'node', oomMemcg: '/podtop-x/app1', taskMemcg: '/podtop-x/app1', uid: 0, constraint: 'CONSTRAINT_MEMCG'});
		const podLimit = summaryLine.replace('oom_memcg=/podtop-x/app1', 'oom_memcg=/podtop-x');
		assert.equal(parseOomKillLine(podLimit)?.oomMemcg, '/podtop-x');
		// A comm with a comma and a cgroup path with one.
		const odd = 'oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/a,b,task_memcg=/a,b/c,task=x,y,pid=42,uid=1000';
		assert.deepEqual(parseOomKillLine(odd), {pid: 42, comm: 'x,y', oomMemcg: '/a,b', taskMemcg: '/a,b/c', uid: 1000, constraint: 'CONSTRAINT_MEMCG'});
		// A global OOM has no oom_memcg.
		const global = 'oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/user.slice,task=chrome,pid=77,uid=1000';
		assert.deepEqual(parseOomKillLine(global), {pid: 77, comm: 'chrome', oomMemcg: null, taskMemcg: '/user.slice', uid: 1000, constraint: 'CONSTRAINT_NONE'});
		assert.equal(parseOomKillLine('node invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0'), null);
	});

	test('the Killed process line, comm from the first ( to the last ) before total-vm', () => {
		assert.deepEqual(parseKilledProcessLine(killedLine), {pid: 1234, comm: 'node', memcg: true});
		assert.deepEqual(parseKilledProcessLine(killedLine.replace('(node)', '(a) b (c)')), {pid: 1234, comm: 'a) b (c', memcg: true});
		assert.deepEqual(parseKilledProcessLine('Out of memory: Killed process 9 (x) total-vm:1kB, anon-rss:1kB'), {pid: 9, comm: 'x', memcg: false});
		assert.equal(parseKilledProcessLine('Memory cgroup stats for /podtop-x/app1:'), null);
	});

	test('kmsg escapes are undone and lengths bounded', () => {
		assert.equal(parseOomKillLine(summaryLine.replace('task=node', 'task=a\\x0ab'))?.comm, 'a\nb');
		assert.equal(parseOomKillLine(summaryLine.replace('task=node', `task=${'x'.repeat(300)}`))?.comm.length, 64);
		assert.equal(parseOomKillLine(summaryLine.replace('task_memcg=/podtop-x/app1', `task_memcg=/${'p'.repeat(9000)}`))?.taskMemcg?.length, 4096);
	});

	test('escaped bytes are bytes: a cgroup path reads as the key /proc/<pid>/cgroup gives, a comm as /proc shows it', () => {
		// kmsg escapes every byte from 0x7f and the backslash: "café" is caf\xc3\xa9 there.
		const named = (memcg: string, task: string) => summaryLine.replaceAll('/podtop-x/app1', memcg).replace('task=node', `task=${task}`);
		assert.deepEqual(parseOomKillLine(named('/p/caf\\xc3\\xa9', 'caf\\xc3\\xa9')), {pid: 1234, comm: 'café', oomMemcg: '/p/café', taskMemcg: '/p/café', uid: 0, constraint: 'CONSTRAINT_MEMCG'});
		const invalid = parseOomKillLine(named('/p/a\\xff\\xfe\\x5cxff', 'a\\xff'));
		// The bytes ff fe (as decodeBytesExactly keys them), then a backslash and "xff" as text: two different things.
		assert.equal(invalid?.oomMemcg, '/p/a\udcff\udcfe\\xff');
		assert.equal(invalid?.comm, 'a\\xff');
		assert.equal(parseKilledProcessLine(killedLine.replace('(node)', '(caf\\xc3\\xa9)'))?.comm, 'café');
	});

	test('the parser reports a kill once: from the summary, the Killed line after it adding nothing; the limit from the usage line', () => {
		const parser = new OomKillParser((usec) => usec / 1000);
		const records = [
			'4,500,372102381,-;node invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0',
			'6,500,372102390,-;memory: usage 65536kB, limit 65536kB, failcnt 41',
			'6,500,372102391,-;memory+swap: usage 65536kB, limit 9007199254740988kB, failcnt 0',
			`6,501,372108854,-;${summaryLine}`,
			`3,502,372108900,-;${killedLine}`,
		];
		const kills = records.map((record) => parser.push(parseKmsgRecord(record)!)).filter((kill) => kill !== null);
		assert.deepEqual(kills, [
			{
				pid: 1234,
				comm: 'node',
				oomMemcg: '/podtop-x/app1',
				taskMemcg: '/podtop-x/app1',
				constraint: 'CONSTRAINT_MEMCG',
				limitBytes: 64 * 1024 * 1024,
				group: null,
				time: 372108.854,
				sequence: 501,
			},
		]);
		// A Killed line with nothing before it: no cgroup, no limit, only that it was a cgroup's.
		assert.deepEqual(parser.push(parseKmsgRecord(`3,503,1000,-;${killedLine.replace('1234', '4321')}`)!), {
			pid: 4321,
			comm: 'node',
			oomMemcg: null,
			taskMemcg: null,
			constraint: 'CONSTRAINT_MEMCG',
			limitBytes: null,
			group: null,
			time: 1,
			sequence: 503,
		});
	});

	test('a burst\'s Killed line with no report of its own: the cgroup of the last minute\'s report that listed the task, same comm', () => {
		const killedOf = (pid: number, comm: string) => killedLine.replace('1234 (node)', `${pid} (${comm})`);
		const report = (usec: number, summary = summaryLine) => [
			`4,100,${usec},-;stress-ng invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=1000`,
			`6,101,${usec},-;Tasks state (memory values in pages):`,
			`6,102,${usec},-;[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name`,
			`6,103,${usec},-;[   1234]     0  1234    12855     4404     4160      244         0    77824        0          1000 node`,
			`6,104,${usec},-;[   1301]     0  1301    12855     4404     4160      244         0    77824        0          -998 node worker`,
			`6,105,${usec},-;[   1302]     0  1302      567      348        0      348         0    40960        0             0 sh`,
			`6,106,${usec},-;${summary}`,
			`3,107,${usec},-;${killedLine}`,
		];
		/** The kills of the records, fed to a new parser after `before`, as [pid, taskMemcg, held at some depth, oomMemcg, limit, constraint]. */
		const rows = (before: string[], records: string[]) => {
			const parser = new OomKillParser((usec) => usec / 1000);
			for (const record of before) parser.push(parseKmsgRecord(record)!);
			return records
				.map((record) => parser.push(parseKmsgRecord(record)!))
				.filter((kill) => kill !== null)
				.map((kill) => [kill.pid, kill.taskMemcg, kill.taskMemcgIsGroup ?? false, kill.oomMemcg, kill.limitBytes, kill.constraint]);
		};
		const unplaced = (pid: number) => [pid, null, false, null, null, 'CONSTRAINT_MEMCG'];
		assert.deepEqual(
			rows(report(1_000_000), [
				`3,200,2000000,-;${killedOf(1301, 'node worker')}`,
				// Another comm than the one listed: another process has the pid now.
				`3,201,2000001,-;${killedOf(1302, 'dd')}`,
				`3,202,2000002,-;${killedOf(1999, 'dd')}`,
			]),
			[
				// Which cgroup held it, not whose limit struck: the report that would say was not printed.
				[1301, '/podtop-x/app1', true, null, null, 'CONSTRAINT_MEMCG'],
				unplaced(1302),
				unplaced(1999),
			],
		);
		assert.deepEqual(rows(report(1_000_000), [`3,200,60999999,-;${killedOf(1302, 'sh')}`]), [[1302, '/podtop-x/app1', true, null, null, 'CONSTRAINT_MEMCG']]);
		// Listed a minute before or more: not taken.
		assert.deepEqual(rows(report(1_000_000), [`3,200,61000000,-;${killedOf(1302, 'sh')}`]), [unplaced(1302)]);
		// A global OOM's report, or one of a pod's limit over several containers, lists tasks of many cgroups: none taken.
		const podLimit = summaryLine.replace('oom_memcg=/podtop-x/app1', 'oom_memcg=/podtop-x');
		const global = summaryLine.replace('CONSTRAINT_MEMCG', 'CONSTRAINT_NONE').replace('oom_memcg=/podtop-x/app1,', 'global_oom,');
		for (const summary of [podLimit, global]) assert.deepEqual(rows(report(1_000_000, summary), [`3,200,2000000,-;${killedOf(1302, 'sh')}`]), [unplaced(1302)]);
		// A report cut before its summary (the next one's header came first): its list is not the next report's.
		const cut = [...report(1_000_000).slice(0, 6), '4,110,1000001,-;x invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0', `6,111,1000002,-;${summaryOf(7)}`];
		assert.deepEqual(rows(cut, [`3,200,2000000,-;${killedOf(1301, 'node worker')}`]), [unplaced(1301)]);
		// A global OOM's Killed line names no cgroup's kill: a listing says nothing of it.
		assert.deepEqual(rows(report(1_000_000), ['3,200,2000000,-;Out of memory: Killed process 1301 (node worker) total-vm:1kB, anon-rss:1kB']), [[1301, null, false, null, null, null]]);
		// An older kernel's "Task in" line names the task's own cgroup: that, not the listing.
		const taskIn = ['4,200,2000000,-;x invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0', '6,201,2000000,-;Task in /podtop-x/app1/job killed as a result of limit of /podtop-x/app1', `3,202,2000000,-;${killedOf(1301, 'node worker')}`];
		assert.deepEqual(rows(report(1_000_000), taskIn), [[1301, '/podtop-x/app1/job', false, '/podtop-x/app1', null, 'CONSTRAINT_MEMCG']]);
		// Tasks remembered at most 8,192, the latest listed: two reports of 5,000 each keep the second and the end of the
		// first, and a task the second listed again; one report lists 8,192 at most.
		const listing = (usec: number, pids: number[]) => [
			`4,300,${usec},-;stress-ng invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=1000`,
			...pids.map((pid) => `6,301,${usec},-;[ ${pid}]     0 ${pid}    12855     4404          1000 dd`),
			`6,302,${usec},-;${summaryOf(1)}`,
		];
		const range = (first: number, length: number) => Array.from({length}, (_, index) => first + index);
		const placedOf = (before: string[], victims: number[]) => rows(before, victims.map((pid, index) => `3,${400 + index},2000000,-;${killedOf(pid, 'dd')}`)).map((row) => row[1]);
		assert.deepEqual(placedOf([...listing(1_000_000, range(10_000, 5000)), ...listing(1_000_001, [...range(20_000, 5000), 10_000])], [10_000, 10_001, 11_808, 11_809, 24_999]), [
			'/podtop-x/app1',
			null,
			null,
			'/podtop-x/app1',
			'/podtop-x/app1',
		]);
		assert.deepEqual(placedOf(listing(1_000_000, range(10_000, 8200)), [18_191, 18_192]), ['/podtop-x/app1', null]);
	});

	test('a listed task of any uid: a five-digit one leaves a single blank after the pid\'s bracket', () => {
		// The kernel prints `[%7d] %5d %5d …`: uid 65532 (a distroless image's nonroot) fills its field.
		const parser = new OomKillParser((usec) => usec / 1000);
		for (const record of [
			'4,100,1000000,-;node invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0',
			'6,101,1000000,-;[   1301] 65532  1301    12855     4404     4160      244         0    77824        0             0 node',
			'6,102,1000000,-;[   1302]  1000  1302    12855     4404     4160      244         0    77824        0             0 node',
			`6,103,1000000,-;${summaryLine}`,
		]) parser.push(parseKmsgRecord(record)!);
		const placed = [1301, 1302].map((pid, index) => parser.push(parseKmsgRecord(`3,${104 + index},2000000,-;${killedLine.replace('1234', String(pid))}`)!)?.taskMemcg);
		assert.deepEqual(placed, ['/podtop-x/app1', '/podtop-x/app1']);
	});

	test('a task listed by a report stays known for a minute of the wall clock, though later reports list others', () => {
		const boot = Date.parse('2025-11-23T16:00:00Z');
		const parser = new OomKillParser((usec) => boot + usec / 1000);
		const report = (usec: number, pid: number, sequence: number) => [
			`4,${sequence},${usec},-;node invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0`,
			`6,${sequence + 1},${usec},-;[   ${pid}]     0  ${pid}    12855     4404     4160      244         0    77824        0             0 node`,
			`6,${sequence + 2},${usec},-;${summaryOf(pid + 1000)}`,
		];
		for (const record of [...report(1_000_000, 1301, 100), ...report(11_000_000, 1302, 110)]) parser.push(parseKmsgRecord(record)!);
		const placed = (pid: number, usec: number, sequence: number) => parser.push(parseKmsgRecord(`3,${sequence},${usec},-;${killedLine.replace('1234', String(pid))}`)!)?.taskMemcg;
		assert.equal(placed(1301, 60_999_999, 120), '/podtop-x/app1');
		assert.equal(placed(1302, 70_999_999, 121), '/podtop-x/app1');
		assert.equal(placed(1301, 61_000_000, 122), null, 'a minute after its report');
	});

	test('a listed task line is one from its start: pid, uid, tgid, then the rest; a line quoting one further on is none', () => {
		assert.deepEqual(parseListedTaskLine('[   1301] 65532  1301    12855 node worker'), {pid: 1301, rest: '12855 node worker'});
		assert.equal(parseListedTaskLine('[  pid  ]   uid  tgid total_vm      rss name'), null);
		assert.equal(parseListedTaskLine('[drm] pipe [1301] 0 1301 node'), null);
	});

	test('an older kernel: "Task in X killed as a result of limit of Y", then Kill process and Killed process lines', () => {
		const parser = new OomKillParser((usec) => usec / 1000);
		const records = [
			'4,10,1000,-;dd invoked oom-killer: gfp_mask=0x24000c0, order=0, oom_score_adj=0',
			'6,11,1001,-;Task in /mypod/c1 killed as a result of limit of /mypod',
			'6,12,1002,-;memory: usage 262144kB, limit 262144kB, failcnt 77',
			'6,13,1003,-;memory+swap: usage 262144kB, limit 9007199254740988kB, failcnt 0',
			'3,14,1004,-;Memory cgroup out of memory: Kill process 5150 (dd) score 996 or sacrifice child',
			'3,15,1005,-;Killed process 5150 (dd) total-vm:100360kB, anon-rss:98372kB, file-rss:0kB, shmem-rss:0kB',
		];
		const kills = records.map((record) => parser.push(parseKmsgRecord(record)!)).filter((kill) => kill !== null);
		assert.deepEqual(kills.map((kill) => [kill.pid, kill.comm, kill.taskMemcg, kill.oomMemcg, kill.limitBytes, kill.constraint]), [
			[5150, 'dd', '/mypod/c1', '/mypod', 256 * 1024 * 1024, 'CONSTRAINT_MEMCG'],
		]);
		assert.deepEqual(parseTaskInLine('Task in /a b/c killed as a result of limit of /a b'), {taskMemcg: '/a b/c', oomMemcg: '/a b'});
		assert.equal(parseTaskInLine('Task in /x killed'), null);
	});

	test('a global OOM: no oom_memcg, constraint NONE, no limit bytes (the usage line of an earlier memcg OOM not carried over)', () => {
		const parser = new OomKillParser((usec) => usec / 1000);
		parser.push(parseKmsgRecord('6,1,1000,-;memory: usage 1024kB, limit 1024kB, failcnt 1')!);
		parser.push(parseKmsgRecord('4,2,2000,-;chrome invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=300')!);
		const kill = parser.push(
			parseKmsgRecord('6,3,2001,-;oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/user.slice,task=chrome,pid=77,uid=1000')!,
		);
		assert.deepEqual(kill && [kill.oomMemcg, kill.taskMemcg, kill.constraint, kill.limitBytes], [null, '/user.slice', 'CONSTRAINT_NONE', null]);
		assert.equal(parser.push(parseKmsgRecord('3,4,2002,-;Out of memory: Killed process 77 (chrome) total-vm:1kB, anon-rss:1kB')!), null);
	});

	test('a group kill: the victim marked, the other members reported with the group and the limit that struck', () => {
		const parser = new OomKillParser((usec) => usec / 1000);
		const records = [
			'4,20,1000,-;sh invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0',
			'6,21,1001,-;memory: usage 65536kB, limit 65536kB, failcnt 0',
			`6,22,1002,-;${summaryLine.replace('oom_memcg=/podtop-x/app1', 'oom_memcg=/podtop-x')}`,
			`3,23,1003,-;${killedLine}`,
			'6,24,1004,-;Tasks in /podtop-x/app1 are going to be killed due to memory.oom.group set',
			'3,25,1005,-;Memory cgroup out of memory: Killed process 1240 (sleep) total-vm:1kB, anon-rss:1kB, file-rss:1kB, shmem-rss:0kB, UID:0 pgtables:1kB oom_score_adj:0',
		];
		const kills = records.map((record) => parser.push(parseKmsgRecord(record)!)).filter((kill) => kill !== null);
		assert.deepEqual(kills.map((kill) => [kill.pid, kill.taskMemcg, kill.taskMemcgIsGroup ?? false, kill.oomMemcg, kill.limitBytes, kill.group]), [
			[1234, '/podtop-x/app1', false, '/podtop-x', 64 * 1024 * 1024, '/podtop-x/app1'],
			// The group is the victim's own cgroup: the other members were in it too.
			[1240, '/podtop-x/app1', false, '/podtop-x', 64 * 1024 * 1024, '/podtop-x/app1'],
		]);
		// A group wider than the victim's cgroup (the pod's): where each other member was, the kernel does not say.
		const wide = new OomKillParser((usec) => usec / 1000);
		const wideKills = records
			.map((record) => record.replace('Tasks in /podtop-x/app1', 'Tasks in /podtop-x'))
			.map((record) => wide.push(parseKmsgRecord(record)!))
			.filter((kill) => kill !== null);
		assert.deepEqual(wideKills.map((kill) => [kill.pid, kill.taskMemcg, kill.taskMemcgIsGroup ?? false, kill.group]), [
			[1234, '/podtop-x/app1', false, '/podtop-x'],
			[1240, '/podtop-x', true, '/podtop-x'],
		]);
	});

	test('a record needs its three numbers before the ";": flags and caller fields are not read, a cut header is no record', () => {
		assert.deepEqual(parseKmsgRecord('6,7,8;hello'), {priority: 6, sequence: 7, bootUsec: 8, message: 'hello'});
		assert.equal(parseKmsgRecord('6,7,8,-'), null, 'no ";": no message');
		for (const text of ['x,7,8,-;hello', '6,x,8,-;hello', '6,7,x,-;hello']) assert.equal(parseKmsgRecord(text), null, text);
	});

	test('a summary names its victim whatever it leaves out: no task= (comm empty), no uid= (older kernels)', () => {
		const noTask = 'oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/pod,task_memcg=/pod/app,pid=7,uid=0';
		assert.deepEqual(parseOomKillLine(noTask), {pid: 7, comm: '', oomMemcg: '/pod', taskMemcg: '/pod/app', uid: 0, constraint: 'CONSTRAINT_MEMCG'});
		assert.deepEqual(parseOomKillLine(summaryLine.replace(',uid=0', '')), {pid: 1234, comm: 'node', oomMemcg: '/podtop-x/app1', taskMemcg: '/podtop-x/app1', uid: null, constraint: 'CONSTRAINT_MEMCG'});
	});

	test('a summary is read from "oom-kill:" on, and only a line that has one is a summary', () => {
		assert.equal(parseOomKillLine(`podtop test record (ignore): ${summaryLine}`)?.taskMemcg, '/podtop-x/app1');
		assert.equal(parseOomKillLine('constraint=CONSTRAINT_MEMCG,oom_memcg=/a,task_memcg=/a,task=x,pid=5,uid=0'), null);
	});

	test('a cpuset name holding "task_memcg=" or "oom_memcg=" does not hide the cgroups named after it', () => {
		const odd = summaryLine.replace('cpuset=/', 'cpuset=xtask_memcg=yoom_memcg=z');
		assert.deepEqual([parseOomKillLine(odd)?.oomMemcg, parseOomKillLine(odd)?.taskMemcg], ['/podtop-x/app1', '/podtop-x/app1']);
	});

	test('killed lines of every kind: a global OOM\'s, the allocating task\'s, an older kernel\'s bare one (no cgroup\'s), one ending at the comm', () => {
		assert.deepEqual(parseKilledProcessLine('Out of memory (oom_kill_allocating_task): Killed process 8 (dd) total-vm:1kB, anon-rss:1kB'), {pid: 8, comm: 'dd', memcg: false});
		assert.deepEqual(parseKilledProcessLine('Killed process 5150 (dd) total-vm:100360kB, anon-rss:98372kB, file-rss:0kB'), {pid: 5150, comm: 'dd', memcg: false});
		assert.deepEqual(parseKilledProcessLine('Killed process 9 (x)'), {pid: 9, comm: 'x', memcg: false});
	});

	test('only lines that begin with the OOM killer\'s words count, not lines of others that quote them', () => {
		const parser = new OomKillParser((usec) => usec / 1000);
		const quoted = [
			'6,1,1000,-;audit: memory: usage 1024kB, limit 1024kB, failcnt 1',
			'6,2,1001,-;audit: Task in /a/b killed as a result of limit of /a',
			`6,3,1002,-;${killedLine}`,
			'6,4,1003,-;audit: Tasks in /a are going to be killed due to memory.oom.group set',
			'6,5,1004,-;audit: Killed process 1240 (sleep) total-vm:1kB, anon-rss:1kB',
		];
		const kills = quoted.map((record) => parser.push(parseKmsgRecord(record)!)).filter((kill) => kill !== null);
		assert.deepEqual(kills.map((kill) => [kill.pid, kill.taskMemcg, kill.limitBytes, kill.group]), [[1234, null, null, null]]);
	});

	test('each OOM starts afresh: the usage line of one that killed nothing gives no limit to the next', () => {
		const parser = new OomKillParser((usec) => usec / 1000);
		const records = [
			'4,1,1000,-;a invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0',
			'6,2,1001,-;memory: usage 1024kB, limit 1024kB, failcnt 5',
			'3,3,1002,-;Memory cgroup out of memory: no killable processes',
			'4,4,2000,-;node invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0',
			'6,5,2001,-;memory: usage 65536kB, limit 65536kB, failcnt 41',
			`6,6,2002,-;${summaryLine}`,
		];
		const kills = records.map((record) => parser.push(parseKmsgRecord(record)!)).filter((kill) => kill !== null);
		assert.deepEqual(kills.map((kill) => [kill.pid, kill.limitBytes]), [[1234, 64 * 1024 * 1024]]);
	});

	test('a kill with no cgroup\'s limit takes no limit bytes, though a cgroup\'s usage line came before it with no header between (records lost)', () => {
		const global = 'oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/user.slice,task=chrome,pid=77,uid=1000';
		const summarized = new OomKillParser((usec) => usec / 1000);
		summarized.push(parseKmsgRecord('6,1,1000,-;memory: usage 1024kB, limit 1024kB, failcnt 1')!);
		assert.equal(summarized.push(parseKmsgRecord(`6,2,1001,-;${global}`)!)?.limitBytes, null);
		const bare = new OomKillParser((usec) => usec / 1000);
		bare.push(parseKmsgRecord('6,1,1000,-;memory: usage 1024kB, limit 1024kB, failcnt 1')!);
		const kill = bare.push(parseKmsgRecord('3,2,1001,-;Killed process 5150 (dd) total-vm:100360kB, anon-rss:98372kB')!);
		assert.deepEqual(kill && [kill.pid, kill.constraint, kill.limitBytes], [5150, null, null]);
	});

	test('a summary\'s Killed line is known among the 16 latest summaries; a pid summarized before those is a new kill', () => {
		const parser = new OomKillParser((usec) => usec / 1000);
		const summarize = (pid: number) => parser.push(parseKmsgRecord(`6,${pid},1000,-;${summaryLine.replace('pid=1234', `pid=${pid}`)}`)!);
		const killed = (pid: number) => parser.push(parseKmsgRecord(`3,${pid},1001,-;${killedLine.replace('1234', String(pid))}`)!);
		for (let pid = 1; pid <= 16; pid++) summarize(pid);
		assert.equal(killed(1), null, 'the oldest of 16 summaries');
		for (let pid = 101; pid <= 117; pid++) summarize(pid);
		assert.equal(killed(101)?.pid, 101, 'summarized 17 kills ago');
	});

	test('lines that do not parse give nothing, never a throw', () => {
		const parser = new OomKillParser();
		for (const text of ['', ';', '6,1,2;', '6,1,2,-;Tasks in /a are going to be killed due to memory.oom.group set', '6,x,2,-;oom-kill:', '6,1,2,-;oom-kill:constraint=CONSTRAINT_MEMCG,pid=', '6,1,2,-;memory: usage kB', '6,1,2,-;Task in  killed as a result of limit of ', '6,1,2,-;Killed process x (y)']) {
			const record = parseKmsgRecord(text);
			if (record) assert.equal(parser.push(record), null, text);
		}
	});
});

describe('KmsgReader', () => {
	test('a log that cannot be opened is reported unavailable, never thrown', () => {
		const reader = new KmsgReader({path: '/nonexistent/kmsg'});
		assert.equal(reader.available, false);
		assert.equal(reader.unavailableReason, 'ENOENT');
		assert.deepEqual(reader.poll(), []);
		reader.close();
	});

	test('what the log held at open is not news: each poll gives the kills logged since, in order, once; a reader opened on an empty log gets them all', (t) => {
		const kmsg = new FakeKmsg(t);
		const early = new KmsgReader({path: kmsg.path});
		kmsg.log(1000, summaryOf(1));
		const reader = new KmsgReader({path: kmsg.path});
		assert.deepEqual(reader.backlog, {kills: [], since: null, sinceBoot: false});
		assert.deepEqual(reader.poll(), []);
		kmsg.log(2000, summaryOf(2), 'garbage', summaryOf(3));
		assert.deepEqual(pids(reader.poll()), [2, 3]);
		assert.deepEqual(reader.poll(), []);
		assert.deepEqual(pids(early.poll()), [1, 2, 3]);
		reader.close();
		early.close();
	});

	test('backlog: the kills the log held at open, the time of its oldest record and whether that is the first since boot', (t) => {
		const kmsg = new FakeKmsg(t);
		const stamped = nowUsec() - 60_000_000;
		kmsg.log(stamped, 'garbage', 'hello', summaryOf(1), `3;${killedLine.replace('1234', '1')}`, summaryOf(2));
		const reader = new KmsgReader({path: kmsg.path, backlog: true});
		assert.deepEqual(pids(reader.backlog.kills), [1, 2]);
		assert.ok(Math.abs(reader.backlog.since! - (Date.now() - 60_000)) < 1000, `${reader.backlog.since} a minute ago`);
		assert.equal(reader.backlog.sinceBoot, true, 'sequence 0 is the first record since boot');
		kmsg.log(nowUsec(), summaryOf(3));
		assert.deepEqual(pids(reader.poll()), [3]);
		reader.close();
		kmsg.overwrite(1);
		const later = new KmsgReader({path: kmsg.path, backlog: true});
		assert.deepEqual([pids(later.backlog.kills), later.backlog.sinceBoot], [[1, 2, 3], false]);
		later.close();
	});

	test('a record\'s time is when the kernel stamped it, on the wall clock, never later than now', (t) => {
		const kmsg = new FakeKmsg(t);
		const reader = new KmsgReader({path: kmsg.path});
		kmsg.log(nowUsec() - 5_000_000, summaryOf(1));
		kmsg.log(nowUsec() + 3_600_000_000, summaryOf(2));
		const [past, future] = reader.poll();
		assert.ok(Math.abs(past.time - (Date.now() - 5000)) < 1000, `${past.time} five seconds ago`);
		assert.ok(future.time <= Date.now() && future.time > Date.now() - 1000, `${future.time} now`);
		reader.close();
	});

	test('by default only the kernel\'s records count (what root writes to the log has the user facility); kernelOnly: false takes both', (t) => {
		const kmsg = new FakeKmsg(t);
		const user = (pid: number) => `14;${summaryOf(pid)}`;
		kmsg.log(1000, user(1), summaryOf(2));
		const strict = new KmsgReader({path: kmsg.path, backlog: true});
		const loose = new KmsgReader({path: kmsg.path, backlog: true, kernelOnly: false});
		assert.deepEqual([pids(strict.backlog.kills), pids(loose.backlog.kills)], [[2], [1, 2]]);
		kmsg.log(2000, user(3), summaryOf(4));
		assert.deepEqual([pids(strict.poll()), pids(loose.poll())], [[4], [3, 4]]);
		strict.close();
		loose.close();
	});

	test('a poll reads maxRecordsPerPoll records at most; the rest wait for the next', (t) => {
		const kmsg = new FakeKmsg(t);
		const reader = new KmsgReader({path: kmsg.path, maxRecordsPerPoll: 2});
		kmsg.log(1000, ...[1, 2, 3, 4, 5].map(summaryOf));
		assert.deepEqual([pids(reader.poll()), pids(reader.poll()), pids(reader.poll())], [[1, 2], [3, 4], [5]]);
		reader.close();
	});

	test('records overwritten before they were read: the same poll goes on from the oldest still held', (t) => {
		const kmsg = new FakeKmsg(t);
		const reader = new KmsgReader({path: kmsg.path});
		kmsg.log(1000, ...[1, 2, 3, 4].map(summaryOf));
		kmsg.overwrite(2);
		assert.deepEqual(pids(reader.poll()), [3, 4]);
		reader.close();
	});

	test('a log that ends (a file, not the device) is read to its end, not waited on', (t) => {
		const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-kmsg-'));
		t.after(() => fs.rmSync(directory, {recursive: true, force: true}));
		const file = path.join(directory, 'kmsg');
		fs.writeFileSync(file, `6,0,1000,-;${summaryLine}\n`);
		const backlog = new KmsgReader({path: file, backlog: true, kernelOnly: false});
		assert.deepEqual([pids(backlog.backlog.kills), pids(backlog.poll())], [[1234], []]);
		backlog.close();
		const reader = new KmsgReader({path: file, kernelOnly: false});
		assert.deepEqual(reader.poll(), []);
		reader.close();
	});

	test('close releases the log\'s descriptor, once: nothing logged after is read, and a second close closes nothing else', (t) => {
		const kmsg = new FakeKmsg(t);
		const reader = new KmsgReader({path: kmsg.path});
		assert.equal(descriptorsOpenOn(kmsg.path).length, 1);
		reader.close();
		assert.deepEqual(descriptorsOpenOn(kmsg.path), []);
		kmsg.log(1000, summaryOf(1));
		assert.deepEqual(reader.poll(), []);
		const open = fs.readdirSync('/proc/self/fd');
		reader.close();
		assert.deepEqual(fs.readdirSync('/proc/self/fd'), open);
	});

	test('the real /dev/kmsg\'s backlog: times from the kernel\'s µs since boot in whole milliseconds, as Date.now() gives', (t) => {
		if (!requireOrSkip(t, isRoot && fs.existsSync('/dev/kmsg'), 'needs root and /dev/kmsg')) return;
		const reader = new KmsgReader({backlog: true});
		try {
			assert.equal(reader.available, true);
			const {since, kills} = reader.backlog;
			assert.ok(since !== null && since <= Date.now(), `the oldest record held: ${since}`);
			for (const time of [since, ...kills.map((kill) => kill.time)]) assert.ok(Number.isInteger(time), `${time}`);
		} finally {
			reader.close();
		}
	});

	test('the real /dev/kmsg: old records skipped, new ones read without blocking; forged user records ignored by default', (t) => {
		if (!requireOrSkip(t, isRoot && fs.existsSync('/dev/kmsg'), 'needs root and /dev/kmsg')) return;
		const strict = new KmsgReader();
		const loose = new KmsgReader({kernelOnly: false});
		try {
			assert.equal(strict.available, true);
			const started = Date.now();
			loose.poll();
			strict.poll();
			assert.ok(Date.now() - started < 1000, 'a poll with nothing new returns at once');
			const pid = 4_000_000 + (process.pid % 100_000);
			const forged = summaryLine.replace('pid=1234', `pid=${pid}`).replace('task=node', 'task=podtop-test');
			fs.writeFileSync('/dev/kmsg', `<6>podtop test record (ignore): ${forged}\n`);
			const seen = loose.poll().filter((kill) => kill.pid === pid);
			assert.deepEqual(seen.map((kill) => [kill.comm, kill.taskMemcg]), [['podtop-test', '/podtop-x/app1']]);
			assert.ok(Math.abs(seen[0].time - Date.now()) < 5000, `time ${seen[0].time} near now`);
			assert.deepEqual(strict.poll().filter((kill) => kill.pid === pid), [], 'a record written by root has the user facility');
		} finally {
			strict.close();
			loose.close();
		}
	});
});
