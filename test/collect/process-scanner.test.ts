import {spawn} from 'node:child_process';
import {once} from 'node:events';
import fs from 'node:fs';
import {setTimeout as sleep} from 'node:timers/promises';
import assert from 'node:assert/strict';
import {after, test} from 'node:test';
import {layoutFromDirectory} from '../../source/collect/cgroup-layout.js';
import {FileReader} from '../../source/collect/file-reader.js';
import {ProcessScanner} from '../../source/collect/process-scanner.js';
import type {ProcessCgroups, ProcessRecord} from '../../source/model/types.js';
import {FileReadLog} from '../helpers/file-read-log.js';
import {FixtureTree} from '../helpers/fixture-tree.js';
import {descriptorsOpenOn, descriptorsOpenUnder, killAndWait, spawnedPid, waitFor} from '../helpers/processes.js';

test('cgroups that come and go do not grow the parsed-cgroup cache beyond the live processes plus a slack', () => {
	const tree = v2Tree();
	tree.addProcess({pid: 40, comm: 'sshd', cgroup: '0::/system.slice/ssh.service\n'});
	tree.addProcess({pid: 100, comm: 'worker', cgroup: '0::/churn/0\n'});
	const scanner = scannerOver(tree);
	const changes = 2000;
	let largest = 0;
	for (let change = 1; change <= changes; change++) {
		// The same file rewritten in place, as the kernel's view changes under a kept descriptor.
		tree.write('proc/100/cgroup', `0::/churn/${change}\n`);
		const processes = scanner.scan(null);
		assert.equal(processes.find((process) => process.pid === 100)?.cgroups.container, `/churn/${change}`);
		largest = Math.max(largest, scanner.cachedCgroupSets);
	}
	assert.equal(largest, 3 + 256, 'the cache is swept when it holds the slack beyond the live processes\' sets, not before');
	const sshd = scanner.scan(null).find((process) => process.pid === 40);
	assert.equal(sshd?.cgroups.container, '/system.slice/ssh.service', 'a live process keeps its cgroups across sweeps');
	tree.addProcess({pid: 41, comm: 'sshd', cgroup: '0::/system.slice/ssh.service\n'});
	const child = scanner.scan(null).find((process) => process.pid === 41);
	assert.equal(child?.cgroups, sshd?.cgroups, 'the sweeps kept the live processes\' sets: the same set, not parsed again');
});

test('deferFirstCmdlines: the first scan reads no command line, the second reads them all and counts as a change', () => {
	const tree = v2Tree();
	tree.addProcess({pid: 40, comm: 'sshd', cmdline: ['sshd: /usr/sbin/sshd -D'], cgroup: '0::/system.slice/ssh.service\n'});
	const cmdlineOf = (processes: readonly {pid: number; cmdline: string}[], pid: number) => processes.find((process) => process.pid === pid)?.cmdline;
	const deferring = new ProcessScanner(tree.proc, layoutFromDirectory(tree.cgroup), new FileReader(tree.proc), {deferFirstCmdlines: true});
	after(() => deferring.close());
	const eager = new ProcessScanner(tree.proc, layoutFromDirectory(tree.cgroup), new FileReader(tree.proc));
	after(() => eager.close());
	assert.equal(cmdlineOf(eager.scan(1), 40), 'sshd: /usr/sbin/sshd -D', 'by default the first scan reads it');
	assert.equal(cmdlineOf(deferring.scan(1), 40), '');
	const afterFirst = deferring.structureVersion;
	assert.equal(cmdlineOf(deferring.scan(1), 40), 'sshd: /usr/sbin/sshd -D');
	assert.equal(deferring.structureVersion, afterFirst + 1, 'nothing forked, but the model must see the command lines');
	deferring.scan(1);
	assert.equal(deferring.structureVersion, afterFirst + 1, 'then quiet again');
	tree.addProcess({pid: 41, comm: 'bash', cmdline: ['-bash'], cgroup: '0::/system.slice/ssh.service\n'});
	assert.equal(cmdlineOf(deferring.scan(41), 41), '-bash', 'a process found later has its command line at once');
});

test('a process moved to another cgroup without an exec is seen within ten scans, an exec at once', () => {
	const tree = v2Tree();
	// More processes than are re-read in one scan (64, or a tenth of them).
	for (let pid = 100; pid < 1100; pid++) tree.addProcess({pid, comm: 'sleep', cgroup: '0::/system.slice/batch.service\n'});
	const scanner = scannerOver(tree);
	const containerOf = (pid: number) => scanner.scan(null).find((process) => process.pid === pid)?.cgroups.container;
	scanner.scan(null);
	tree.write('proc/600/cgroup', '0::/system.slice/moved.service\n');
	let scans = 1;
	while (containerOf(600) !== '/system.slice/moved.service' && scans < 20) scans++;
	assert.ok(scans <= 10, `seen after ${scans} scans`);

	const statPath = 'proc/700/stat';
	tree.write('proc/700/cgroup', '0::/system.slice/exec.service\n');
	tree.write(statPath, fs.readFileSync(`${tree.root}/${statPath}`, 'utf8').replace('(sleep)', '(nginx)'));
	assert.equal(containerOf(700), '/system.slice/exec.service', 'an exec (a new comm) reads the cgroups with it');
});

test('real processes: one that has not run is not re-read, one that runs, exits or is reparented is seen at once or on the next scan', async (t) => {
	const busy = spawn('sh', ['-c', 'while kill -0 $PPID 2>/dev/null; do :; done'], {stdio: 'ignore'});
	const idle = spawn('sleep', ['300'], {stdio: 'ignore'});
	const parent = spawn('sh', ['-c', 'sleep 300 & echo $!; read line'], {stdio: ['pipe', 'pipe', 'ignore']});
	const orphanPid = Number((await once(parent.stdout!, 'data'))[0].toString().trim());
	t.after(async () => {
		await killAndWait([spawnedPid(busy), spawnedPid(idle), spawnedPid(parent), orphanPid]);
	});
	const scanner = new ProcessScanner('/proc', null, new FileReader('/proc'));
	t.after(() => scanner.close());
	const find = (pid: number) => scanner.scan(null).find((process) => process.pid === pid);
	const cpuOf = (pid: number) => {
		const process = find(pid);
		return process ? process.utime + process.stime : null;
	};
	const schedstatDescriptors = () =>
		fs.readdirSync('/proc/self/fd').filter((fd) => {
			try {
				return fs.readlinkSync(`/proc/self/fd/${fd}`).endsWith('/schedstat');
			} catch {
				return false;
			}
		}).length;
	// Scans 1 and 2 read every stat (two scans are all --once makes); scan 3 reads each again with its schedstat;
	// after that a process that did not run is skipped.
	scanner.scan(null);
	const idleCpu = cpuOf(spawnedPid(idle));
	assert.equal(schedstatDescriptors(), 0, 'no schedstat is opened in the first two scans');
	// The busy loop runs whenever it is scheduled: on a busy machine not between every two scans, so each rise is
	// waited for, one scan per poll; a scanner that skipped its stat would never see one.
	let busyCpu = cpuOf(spawnedPid(busy))!;
	assert.ok(schedstatDescriptors() > 0, 'the third scan keeps schedstat descriptors');
	for (let rise = 1; rise <= 3; rise++) {
		const before = busyCpu;
		busyCpu = await waitFor(async () => {
			await sleep(50);
			const cpu = cpuOf(spawnedPid(busy))!;
			return cpu > before ? cpu : null;
		}, 60_000, `the busy loop's CPU time to rise past ${before} (rise ${rise})`);
	}
	assert.equal(cpuOf(spawnedPid(idle)), idleCpu, 'the idle one did not run: its CPU time is unchanged');
	// Whether a stat read was spared depends on the whole machine (other processes' exits and their children);
	// that a read is spared, and when, is proven on fixture trees below.
	console.log(`# stat reads spared in the last scan: ${scanner.statReadsSkipped}`);

	idle.kill('SIGKILL');
	await once(idle, 'exit');
	assert.equal(find(spawnedPid(idle)), undefined, 'an exited process is gone at the next scan');

	assert.equal(find(orphanPid)?.ppid, spawnedPid(parent));
	parent.kill('SIGKILL');
	await once(parent, 'exit');
	const actualParent = Number(fs.readFileSync(`/proc/${orphanPid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
	scanner.scan(null);
	assert.equal(find(orphanPid)?.ppid, actualParent, 'the reparented process has its new parent the scan after its parent exits');
});

test('real processes with no descriptor kept: one that runs, one that idles and one that exits are read as with them', async (t) => {
	const busy = spawn('sh', ['-c', 'while kill -0 $PPID 2>/dev/null; do :; done'], {stdio: 'ignore'});
	const idle = spawn('sleep', ['300'], {stdio: 'ignore'});
	t.after(async () => {
		await killAndWait([spawnedPid(busy), spawnedPid(idle)]);
	});
	const scanner = new ProcessScanner('/proc', null, new FileReader('/proc', 0));
	t.after(() => scanner.close());
	const find = (pid: number) => scanner.scan(null).find((process) => process.pid === pid);
	for (let scan = 1; scan <= 3; scan++) scanner.scan(null);
	assert.equal(descriptorsOpenUnder('/proc/'), 0);
	const idleRecord = find(spawnedPid(idle));
	assert.deepEqual([idleRecord?.comm, idleRecord?.ppid, idleRecord?.state], ['sleep', process.pid, 'S']);
	const idleCpu = idleRecord!.utime + idleRecord!.stime;
	const cpuOf = () => {
		const record = find(spawnedPid(busy));
		return record ? record.utime + record.stime : 0;
	};
	const first = cpuOf();
	await waitFor(async () => {
		await sleep(50);
		return cpuOf() > first ? true : null;
	}, 60_000, `the busy loop's CPU time to rise past ${first}`);
	const idleAfter = find(spawnedPid(idle));
	assert.equal(idleAfter!.utime + idleAfter!.stime, idleCpu);
	idle.kill('SIGKILL');
	await once(idle, 'exit');
	assert.equal(find(spawnedPid(idle)), undefined, 'an exited process is gone at the next scan');
	assert.equal(descriptorsOpenUnder('/proc/'), 0);
});

test('with no room for both, a process\'s stat descriptor is given up for its schedstat, and the budget is not counted exhausted', () => {
	const tree = new FixtureTree();
	after(() => tree.remove());
	sleepersTree(tree);
	// One whose schedstat cannot be opened keeps its stat descriptor.
	fs.rmSync(`${tree.proc}/149/schedstat`);
	// Room for every stat descriptor, 10 short of the reserve of 1,024 kept back from optional ones.
	const reader = new FileReadLog(tree.proc, 50 - 10 + 1024);
	const scanner = scannerOver(tree, reader);
	for (let scan = 1; scan <= 3; scan++) scanner.scan(4242);
	assert.equal(descriptorsOpenUnder(tree.proc), 50, 'one descriptor a process, as many as before the schedstat reads');
	assert.equal(descriptorsOpenOn(`${tree.proc}/149/stat`).length, 1);
	assert.equal(descriptorsOpenOn(`${tree.proc}/148/stat`).length, 0);
	reader.reads.length = 0;
	// Idle single threads whose schedstat never moves: their stat reads are skipped but at the full read.
	const skipped = [4, 5, 6, 7].map(() => {
		scanner.scan(4242);
		return scanner.statReadsSkipped;
	});
	assert.deepEqual(skipped, [49, 49, 0, 49]);
	assert.equal(reader.reads.filter((read) => read.endsWith('/149/schedstat')).length, 0, 'a schedstat that could not be opened is not tried again');
	assert.equal(reader.reads.filter((read) => read.endsWith('/149/stat')).length, 4, 'its kept stat is read every scan instead');
	assert.equal(reader.budgetExhausted, false);
	tree.addProcessStat(120, 'sleep', 99);
	tree.write('proc/120/schedstat', '2000 0 6\n');
	assert.equal(scanner.scan(4242).find((process) => process.pid === 120)?.utime, 99);
});

/** Fifty idle one-thread sleepers on a v2 fixture node whose kernel has schedstat; their pids. */
function sleepersTree(tree: FixtureTree): number[] {
	tree.write('cgroup/cgroup.controllers', 'memory pids\n');
	tree.write('proc/self/schedstat', '1 1 1\n');
	const pids = Array.from({length: 50}, (_, index) => 100 + index);
	for (const pid of pids) {
		tree.addProcess({pid, comm: 'sleep', utime: 10, cgroup: '0::/system.slice/batch.service\n'});
		tree.write(`proc/${pid}/schedstat`, '1000 0 5\n');
	}
	return pids;
}

test('stat descriptors take half the kept limit at most; the other processes\' stats are read by path', () => {
	const tree = new FixtureTree();
	after(() => tree.remove());
	sleepersTree(tree);
	const scanner = scannerOver(tree, new FileReader(tree.proc, 40));
	assert.equal(scanner.scan(4242).length, 50);
	assert.equal(descriptorsOpenUnder(tree.proc), 20);
	for (let scan = 2; scan <= 3; scan++) scanner.scan(4242);
	assert.equal(descriptorsOpenUnder(tree.proc), 20, 'schedstat read: each kept stat given up for a schedstat, the other processes\' read by path');
	tree.addProcessStat(149, 'sleep', 99);
	tree.write('proc/149/schedstat', '2000 0 6\n');
	assert.equal(scanner.scan(4242).find((process) => process.pid === 149)?.utime, 99);
});

test('with no descriptor kept, an idle one-thread process\'s stat is spared by its schedstat, opened each time', () => {
	const tree = new FixtureTree();
	after(() => tree.remove());
	sleepersTree(tree);
	const scanner = scannerOver(tree, new FileReader(tree.proc, 0));
	for (let scan = 1; scan <= 3; scan++) scanner.scan(4242);
	assert.equal(descriptorsOpenUnder(tree.proc), 0);
	const skipped = [4, 5, 6, 7].map(() => {
		scanner.scan(4242);
		return scanner.statReadsSkipped;
	});
	assert.deepEqual(skipped, [50, 50, 0, 50], 'every stat spared but at the full read of every fifth scan (the first, the sixth)');
	tree.addProcessStat(120, 'sleep', 99);
	tree.write('proc/120/schedstat', '2000 0 6\n');
	assert.equal(scanner.scan(4242).find((process) => process.pid === 120)?.utime, 99);
});

/** A descriptor budget with room for the optional schedstat descriptors (a fixture has no limits file). */
const schedstatBudget = 4096;

/** A v2 fixture node with kthreadd, removed after the test. */
function v2Tree(): FixtureTree {
	const tree = new FixtureTree();
	after(() => tree.remove());
	tree.write('cgroup/cgroup.controllers', 'memory pids\n');
	tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '0::/\n', kernelThread: true});
	return tree;
}

/** A scanner over a fixture node, closed after the test. */
function scannerOver(tree: FixtureTree, reader = new FileReader(tree.proc)): ProcessScanner {
	const scanner = new ProcessScanner(tree.proc, layoutFromDirectory(tree.cgroup), reader);
	after(() => scanner.close());
	return scanner;
}

/** A v2 fixture node whose kernel has schedstat, with kthreadd, removed after the test. */
function schedstatTree(): FixtureTree {
	const tree = v2Tree();
	tree.write('proc/self/schedstat', '1 1 1\n');
	return tree;
}

test('nothing forked: a process is found only at the forced listing; the pids allocated since are looked up at once', () => {
	const tree = v2Tree();
	tree.addProcess({pid: 40, comm: 'sshd', cgroup: '0::/system.slice/ssh.service\n'});
	const scanner = scannerOver(tree);
	const has = (processes: readonly {pid: number}[], pid: number) => processes.some((process) => process.pid === pid);
	assert.equal(has(scanner.scan(45), 40), true);
	tree.addProcess({pid: 50, comm: 'cron', cgroup: '0::/system.slice/cron.service\n'});
	// The last allocated pid says nothing was forked (a fixture can lie): scans 2 to 5 re-read the known ones.
	const found = [2, 3, 4, 5, 6].map(() => has(scanner.scan(45), 50));
	assert.deepEqual(found, [false, false, false, false, true], 'seen at the forced listing of scan 6');
	tree.addProcess({pid: 60, comm: 'bash', cgroup: '0::/user.slice\n'});
	tree.addProcess({pid: 61, comm: 'bash', cgroup: '0::/user.slice\n', threadOf: 60});
	const probed = scanner.scan(61);
	assert.equal(has(probed, 60), true, 'pids 46 to 61 allocated since: 60 is looked up');
	assert.equal(has(probed, 61), false, 'a thread\'s id is not a process');
	tree.addProcess({pid: 120, comm: 'cron', cgroup: '0::/system.slice/cron.service\n'});
	assert.equal(has(scanner.scan(161), 120), true, 'a hundred pids allocated: listed');
	tree.addProcess({pid: 500, comm: 'make', cgroup: '0::/user.slice\n'});
	assert.equal(has(scanner.scan(161), 500), false, 'nothing allocated since: 500 waits for the next listing');
	assert.equal(has(scanner.scan(60), 500), true, 'the pids wrapped around: listed');
});

test('one thread that has not run keeps its stat until the full read every fifth scan; one that ran is read', () => {
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'idle', utime: 10, cgroup: '0::/system.slice/a.service\n'});
	tree.addProcess({pid: 200, comm: 'runs', utime: 10, cgroup: '0::/system.slice/b.service\n'});
	tree.write('proc/100/schedstat', '1000 0 5\n');
	tree.write('proc/200/schedstat', '1000 0 5\n');
	const scanner = new ProcessScanner(tree.proc, layoutFromDirectory(tree.cgroup), new FileReader(tree.proc, schedstatBudget));
	after(() => scanner.close());
	const utimeOf = (processes: readonly {pid: number; utime: number}[], pid: number) => processes.find((process) => process.pid === pid)?.utime;
	const setUtime = (pid: number, comm: string, utime: number) => tree.addProcessStat(pid, comm, utime);
	for (let scan = 1; scan <= 3; scan++) scanner.scan(4242);
	// The stat changes under both (a fixture can make it change without a run); only 200's schedstat moves.
	setUtime(100, 'idle', 50);
	setUtime(200, 'runs', 50);
	tree.write('proc/200/schedstat', '2000 0 6\n');
	const seen: Array<[number | undefined, number | undefined, number]> = [];
	for (let scan = 4; scan <= 6; scan++) {
		const processes = scanner.scan(4242);
		seen.push([utimeOf(processes, 100), utimeOf(processes, 200), scanner.statReadsSkipped]);
	}
	assert.deepEqual(seen, [
		[10, 50, 1],
		[10, 50, 2],
		[50, 50, 0],
	]);
});

test('a process\'s CPU since the last scan counts user and system time, its stat re-read or spared', () => {
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'idle', utime: 40, stime: 30, cgroup: '0::/system.slice/a.service\n'});
	tree.addProcess({pid: 200, comm: 'runs', utime: 40, stime: 30, cgroup: '0::/system.slice/b.service\n'});
	tree.write('proc/100/schedstat', '1000 0 5\n');
	tree.write('proc/200/schedstat', '1000 0 5\n');
	const scanner = new ProcessScanner(tree.proc, layoutFromDirectory(tree.cgroup), new FileReader(tree.proc, schedstatBudget));
	after(() => scanner.close());
	for (let scan = 1; scan <= 3; scan++) scanner.scan(4242);
	// 200 ran 25 ticks: 15 in user space, 10 in the kernel; 100 did not run.
	tree.addProcessStat(200, 'runs', 55, 1, 40);
	tree.write('proc/200/schedstat', '2000 0 6\n');
	const processes = scanner.scan(4242);
	assert.equal(scanner.statReadsSkipped, 1, '100\'s stat was spared');
	const ticksOf = (pid: number) => {
		const process = processes.find((candidate) => candidate.pid === pid);
		return process && process.utime + process.stime - process.previousCpuTicks;
	};
	assert.equal(ticksOf(100), 0, 'spared: no CPU since');
	assert.equal(ticksOf(200), 25, 're-read: 15 user + 10 system ticks');
});

test('scans where nothing changed keep the structure version and report no change, stats spared or not', () => {
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'idle', cgroup: '0::/system.slice/a.service\n'});
	tree.addProcess({pid: 200, comm: 'runs', cgroup: '0::/system.slice/b.service\n'});
	tree.write('proc/100/schedstat', '1000 0 5\n');
	const scanner = new ProcessScanner(tree.proc, layoutFromDirectory(tree.cgroup), new FileReader(tree.proc, schedstatBudget));
	after(() => scanner.close());
	for (let scan = 1; scan <= 3; scan++) scanner.scan(4242);
	const version = scanner.structureVersion;
	const seen: Array<[number, number]> = [];
	for (let scan = 4; scan <= 12; scan++) {
		// 200 runs every scan (its stat is read); 100 does not (spared but at the full reads).
		tree.addProcessStat(200, 'runs', 10 + scan);
		tree.write('proc/200/schedstat', `${1000 * scan} 0 ${scan}\n`);
		scanner.scan(4242);
		seen.push([scanner.statReadsSkipped, scanner.changes?.changed.length ?? -1]);
	}
	assert.ok(seen.some(([skipped]) => skipped > 0), 'some scans spared a stat read');
	assert.deepEqual(seen.map(([, changed]) => changed), [0, 0, 0, 0, 0, 0, 0, 0, 0], 'no process changed');
	assert.equal(scanner.structureVersion, version);
	tree.reparent(200, 'runs', 100);
	tree.write('proc/200/schedstat', '99000 0 99\n');
	scanner.scan(4242);
	assert.deepEqual(scanner.changes?.changed.map((process) => process.pid), [200], 'a new parent is a change');
	assert.equal(scanner.structureVersion, version + 1);
});

test('a pid taken by another process is read afresh: its command, cgroups and namespaces, with no CPU rate', () => {
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'worker', cmdline: ['worker', '--old'], utime: 900, cgroup: '0::/system.slice/old.service\n'});
	const scanner = scannerOver(tree);
	for (let scan = 1; scan <= 3; scan++) scanner.scan(4242);
	const version = scanner.structureVersion;
	// The old process exited and a new one got its pid between two scans, with the same name.
	tree.write('proc/100/stat', '100 (worker) S 1 0 0 0 0 0 0 0 0 0 20 3 0 0 20 0 1 0 777777 1000 100 0 0 0\n');
	tree.write('proc/100/cmdline', 'worker\0--new\0');
	tree.write('proc/100/cgroup', '0::/system.slice/new.service\n');
	tree.setNamespace(100, 'net', 4026539999);
	const reused = scanner.scan(4242).find((process) => process.pid === 100);
	assert.equal(reused?.starttime, 777777);
	assert.equal(reused?.cmdline, 'worker --new');
	assert.equal(reused?.cgroups.container, '/system.slice/new.service');
	assert.equal(reused?.namespaces.net, 4026539999);
	assert.equal(reused?.previousCpuTicks, -1, 'no CPU rate across two processes');
	assert.deepEqual(scanner.changes?.changed.map((process) => process.pid), [100]);
	assert.equal(scanner.structureVersion, version + 1);
	// Taken by one that is a zombie already: where it reads as being is not where it ran.
	tree.write('proc/100/stat', '100 (worker) Z 1 0 0 0 0 0 0 0 0 0 20 3 0 0 20 0 1 0 888888 1000 100 0 0 0\n');
	assert.equal(scanner.scan(4242).some((process) => process.pid === 100), false);
	assert.deepEqual(scanner.changes?.exited.map((process) => process.pid), [100]);
});

test('a process whose stat can no longer be read is gone from the scan', () => {
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'worker', cgroup: '0::/system.slice/a.service\n'});
	tree.addProcess({pid: 200, comm: 'other', cgroup: '0::/system.slice/b.service\n'});
	const scanner = scannerOver(tree);
	for (let scan = 1; scan <= 3; scan++) scanner.scan(4242);
	const version = scanner.structureVersion;
	// What a read of an exited process's kept stat gives: nothing.
	tree.write('proc/100/stat', '');
	const pids = scanner.scan(4242).map((process) => process.pid);
	assert.equal(pids.includes(100), false);
	assert.equal(pids.includes(200), true);
	assert.deepEqual(scanner.changes?.exited.map((process) => process.pid), [100]);
	assert.equal(scanner.structureVersion, version + 1);
});

test('one thread whose parent exited is read the scan after (reparented); another stays spared', () => {
	const tree = schedstatTree();
	const cgroup = '0::/system.slice/a.service\n';
	tree.addProcess({pid: 100, comm: 'sh', cgroup});
	tree.addProcess({pid: 101, ppid: 100, comm: 'orphan', cgroup});
	tree.addProcess({pid: 200, ppid: 150, comm: 'other', cgroup});
	for (const pid of [100, 101, 200]) tree.write(`proc/${pid}/schedstat`, '1000 0 5\n');
	const scanner = new ProcessScanner(tree.proc, layoutFromDirectory(tree.cgroup), new FileReader(tree.proc, schedstatBudget));
	after(() => scanner.close());
	for (let scan = 1; scan <= 3; scan++) scanner.scan(null);
	// 100 exits and its child is reparented to 1; 200's parent is rewritten too, which the kernel never does
	// without an exit: a stat that is not read keeps the old one.
	tree.removeProcess(100);
	tree.reparent(101, 'orphan', 1);
	tree.reparent(200, 'other', 1);
	// A fixture's stat stays readable through the descriptor kept for it: a listing (pids unknown) finds it gone.
	const parents = () => {
		const processes = scanner.scan(null);
		return [100, 101, 200].map((pid) => processes.find((process) => process.pid === pid)?.ppid);
	};
	assert.deepEqual(parents(), [undefined, 100, 150], 'scan 4 finds 100 gone after reading its child');
	assert.deepEqual(parents(), [undefined, 1, 150], 'scan 5 reads the stat of the exited one\'s child only');
	assert.deepEqual(parents(), [undefined, 1, 1], 'scan 6 reads every stat');
});

test('a process of several threads has its stat read every scan', () => {
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'java', utime: 10, threads: 8, cgroup: '0::/system.slice/a.service\n'});
	tree.write('proc/100/schedstat', '1000 0 5\n');
	const scanner = new ProcessScanner(tree.proc, layoutFromDirectory(tree.cgroup), new FileReader(tree.proc, schedstatBudget));
	after(() => scanner.close());
	for (let scan = 1; scan <= 3; scan++) scanner.scan(4242);
	tree.addProcessStat(100, 'java', 50, 8);
	const processes = scanner.scan(4242);
	assert.equal(processes.find((process) => process.pid === 100)?.utime, 50);
	assert.equal(scanner.statReadsSkipped, 0);
});

/** A stand-in for CgroupReader.cpuStill: the cgroups (by the container's path) where no task ran. */
function stillCgroups(): {paths: Set<string>; stillness: (cgroups: ProcessCgroups) => boolean} {
	const paths = new Set<string>();
	return {paths, stillness: (cgroups) => cgroups.container !== null && paths.has(cgroups.container)};
}

test('a process in a cgroup where no task ran is not read at all, threads or not, until the full read every fifth scan', () => {
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'java', utime: 10, threads: 8, cgroup: '0::/kubepods/pod1/app\n'});
	tree.addProcess({pid: 200, comm: 'sh', utime: 10, cgroup: '0::/kubepods/pod2/app\n'});
	tree.write('proc/100/schedstat', '1000 0 5\n');
	tree.write('proc/200/schedstat', '1000 0 5\n');
	const scanner = new ProcessScanner(tree.proc, layoutFromDirectory(tree.cgroup), new FileReader(tree.proc, schedstatBudget));
	after(() => scanner.close());
	const still = stillCgroups();
	const utimes = () => {
		const processes = scanner.scan(4242, null, still.stillness);
		return [100, 200].map((pid) => processes.find((process) => process.pid === pid)?.utime);
	};
	for (let scan = 1; scan <= 3; scan++) utimes();
	// Both cgroups are still; the fixture changes both stats anyway (and 200's schedstat), which the kernel would not.
	still.paths.add('/kubepods/pod1/app');
	still.paths.add('/kubepods/pod2/app');
	tree.addProcessStat(100, 'java', 50, 8);
	tree.addProcessStat(200, 'sh', 50);
	tree.write('proc/200/schedstat', '2000 0 6\n');
	assert.deepEqual(utimes(), [10, 10], 'scan 4 reads neither: several threads or one, schedstat moved or not');
	assert.equal(scanner.stillProcessesSkipped, 2);
	assert.deepEqual(utimes(), [10, 10], 'scan 5 reads neither');
	assert.deepEqual(utimes(), [50, 50], 'scan 6 reads every stat');
	assert.equal(scanner.stillProcessesSkipped, 0);
	// A task of pod2's cgroup ran: its process is read again at once; pod1's stays spared.
	still.paths.delete('/kubepods/pod2/app');
	tree.addProcessStat(100, 'java', 70, 8);
	tree.addProcessStat(200, 'sh', 70);
	tree.write('proc/200/schedstat', '3000 0 7\n');
	assert.deepEqual(utimes(), [50, 70]);
	assert.equal(scanner.stillProcessesSkipped, 1);
});

test('a still cgroup spares no read of a process reparented or moved to another cgroup', () => {
	const tree = schedstatTree();
	const cgroup = '0::/kubepods/pod1/app\n';
	tree.addProcess({pid: 100, comm: 'sh', cgroup});
	tree.addProcess({pid: 101, ppid: 100, comm: 'orphan', cgroup});
	// Several threads: a process the stillness does not spare has its stat read (no schedstat spares it).
	tree.addProcess({pid: 300, comm: 'moved', utime: 10, threads: 4, cgroup});
	tree.addProcess({pid: 400, comm: 'stays', utime: 10, cgroup});
	for (const pid of [100, 101, 300, 400]) tree.write(`proc/${pid}/schedstat`, '1000 0 5\n');
	const scanner = new ProcessScanner(tree.proc, layoutFromDirectory(tree.cgroup), new FileReader(tree.proc, schedstatBudget));
	after(() => scanner.close());
	const still = stillCgroups();
	const scan = (lastAllocatedPid: number | null) => scanner.scan(lastAllocatedPid, null, still.stillness);
	const find = (processes: readonly ProcessRecord[], pid: number) => processes.find((process) => process.pid === pid);
	for (let count = 1; count <= 3; count++) scan(4242);
	still.paths.add('/kubepods/pod1/app');
	still.paths.add('/kubepods/pod2/app');
	// 100 exits (a listing finds it gone: a fixture's stat stays readable through its kept descriptor) and its
	// child is reparented; 300 is moved to another still cgroup, where its stat is one the cgroup it left made.
	tree.removeProcess(100);
	tree.reparent(101, 'orphan', 1);
	tree.write('proc/300/cgroup', '0::/kubepods/pod2/app\n');
	tree.addProcessStat(300, 'moved', 40, 4);
	tree.addProcessStat(400, 'stays', 40);
	let processes = scan(null);
	assert.equal(find(processes, 100), undefined, 'scan 4 finds 100 gone');
	assert.equal(find(processes, 101)?.ppid, 100);
	assert.equal(find(processes, 300)?.cgroups.container, '/kubepods/pod2/app', 'the cgroup round robin finds the move');
	assert.equal(find(processes, 300)?.utime, 10);
	processes = scan(4242);
	assert.equal(find(processes, 101)?.ppid, 1, 'scan 5 reads the reparented one');
	assert.equal(find(processes, 300)?.utime, 40, 'and the one moved since its stat was read');
	assert.equal(find(processes, 400)?.utime, 10, 'but not the one that stayed');
});

test('every change of a record\'s fields bumps its revision; a scan that reads nothing keeps them all', () => {
	const tree = schedstatTree();
	const cgroup = '0::/system.slice/a.service\n';
	tree.addProcess({pid: 100, comm: 'sh', cgroup, cmdline: ['sh']});
	tree.addProcess({pid: 101, ppid: 100, comm: 'child', cgroup});
	tree.addProcess({pid: 200, comm: 'java', threads: 4, cgroup});
	tree.addProcess({pid: 300, comm: 'sleep', cgroup, cmdline: ['sleep', '1000']});
	for (const pid of [100, 101, 200, 300]) tree.write(`proc/${pid}/schedstat`, '1000 0 5\n');
	const scanner = new ProcessScanner(tree.proc, layoutFromDirectory(tree.cgroup), new FileReader(tree.proc, schedstatBudget), {deferFirstCmdlines: true});
	after(() => scanner.close());
	const fieldsOf = (process: ProcessRecord) =>
		JSON.stringify([process.pid, process.ppid, process.comm, process.state, process.utime, process.stime, process.previousCpuTicks, process.starttime, process.rssBytes, process.threads, process.uid, process.cmdline, process.cgroups, process.namespaces, process.namespacesUnreadable, process.isKernelThread]);
	const before = new Map<ProcessRecord, {fields: string; revision: number | undefined}>();
	const changed: string[] = [];
	const scan = (what: string) => {
		const processes = scanner.scan(null);
		const revisionsMoved: number[] = [];
		for (const process of processes) {
			const was = before.get(process);
			if (was && was.revision !== process.revision) revisionsMoved.push(process.pid);
			if (!was || was.fields === fieldsOf(process)) continue;
			changed.push(`${what}: ${process.pid}`);
			assert.notEqual(process.revision, was.revision, `${what}: ${process.pid} changed, its revision did not`);
		}
		// Kept for every record ever seen: a pooled record comes back with another process.
		for (const process of processes) before.set(process, {fields: fieldsOf(process), revision: process.revision});
		return revisionsMoved;
	};
	const exec = (pid: number, from: string, to: string) => {
		tree.write(`proc/${pid}/stat`, fs.readFileSync(`${tree.proc}/${pid}/stat`, 'utf8').replace(`(${from})`, `(${to})`));
		tree.write(`proc/${pid}/cmdline`, `${to}\0`);
	};
	scan('scan 1');
	scan('scan 2: the command lines left by the first');
	scan('scan 3: schedstat read');
	tree.addProcessStat(100, 'sh', 20);
	tree.write('proc/100/schedstat', '2000 0 6\n');
	scan('scan 4: 100 ran');
	scan('scan 5: 100 did not run again');
	tree.addProcessStat(200, 'java', 30, 4);
	tree.write('proc/300/cgroup', '0::/system.slice/b.service\n');
	scan('scan 6: 200 ran, 300 moved, every stat read');
	scan('scan 7: 200 did not run again');
	assert.deepEqual(scan('scan 8: nothing'), [], 'a scan that changes nothing keeps every revision');
	tree.setNamespace(300, 'net', 4026532999);
	// A kernel thread renames itself (as kworkers do with their workqueue): no exec, nothing else read.
	tree.write('proc/2/stat', fs.readFileSync(`${tree.proc}/2/stat`, 'utf8').replace('(kthreadd)', '(kworker/0:1)'));
	scan('scan 9: 300 joined a net namespace, found by the round robin; a kernel thread renamed');
	tree.removeProcess(100);
	tree.reparent(101, 'child', 1);
	scan('scan 10: 100 exited');
	exec(300, 'sleep', 'app');
	tree.write('proc/300/schedstat', '3000 0 9\n');
	scan('scan 11: 101 reparented, 300 exec\'d');
	tree.addProcess({pid: 400, comm: 'new', cgroup});
	scan('scan 12: 400 in the record 100 had');
	assert.deepEqual(
		[...new Set(changed.map((change) => change.split(':')[0]))],
		['scan 2', 'scan 4', 'scan 5', 'scan 6', 'scan 7', 'scan 9', 'scan 11', 'scan 12'],
		'each change above was one the records show',
	);
});

test('setns without exec is seen by the namespace round robin, 16 processes per scan', () => {
	const tree = new FixtureTree();
	after(() => tree.remove());
	tree.write('cgroup/cgroup.controllers', 'memory pids\n');
	for (let pid = 100; pid < 140; pid++) tree.addProcess({pid, comm: 'sleep', cgroup: '0::/system.slice/batch.service\n'});
	const scanner = scannerOver(tree);
	// Past the re-checks that follow a start or an exec.
	for (let scan = 1; scan <= 6; scan++) scanner.scan(4242);
	const version = scanner.structureVersion;
	for (let pid = 100; pid < 140; pid++) tree.setNamespace(pid, 'net', 4026532777);
	const moved = () => scanner.scan(4242).filter((process) => process.namespaces.net === 4026532777).length;
	// 40 processes, 16 a scan in turn: each is seen once before any is read twice.
	assert.deepEqual([moved(), moved(), moved()], [16, 32, 40]);
	assert.ok(scanner.structureVersion > version, 'a changed namespace is a structure change');
});

/** A FileReader that runs an action once, just after the next read of a file whose path ends in `suffix`: what a process does while it is read. */
class WhileRead extends FileReader {
	private readonly actions: Array<{suffix: string; action: () => void}> = [];
	private readonly paths = new Map<number, string>();

	after(suffix: string, action: () => void): void {
		this.actions.push({suffix, action});
	}

	override keep(filePath: string | Buffer): number {
		const descriptor = super.keep(filePath);
		if (descriptor >= 0) this.paths.set(descriptor, String(filePath));
		return descriptor;
	}

	override readKept(descriptor: number, limit?: number): number {
		const length = super.readKept(descriptor, limit);
		this.noteRead(this.paths.get(descriptor) ?? '');
		return length;
	}

	override readPath(filePath: string | Buffer, limit?: number): number {
		const length = super.readPath(filePath, limit);
		this.noteRead(String(filePath));
		return length;
	}

	private noteRead(filePath: string): void {
		const index = this.actions.findIndex(({suffix}) => filePath.endsWith(suffix));
		if (index >= 0) this.actions.splice(index, 1)[0].action();
	}
}

/** Rewrites a fixture process's state and flags (PF_EXITING is 0x4), in place. */
function setStateAndFlags(tree: FixtureTree, pid: number, state: string, flags: number): void {
	const statPath = `${tree.proc}/${pid}/stat`;
	fs.writeFileSync(statPath, fs.readFileSync(statPath, 'utf8').replace(/\) \w ((?:\d+ ){5})\d+ /, `) ${state} $1${flags} `));
}

test('a young process that begins to exit while it is first read is not admitted, and its scan is no change; found again as a zombie', () => {
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'sh', cgroup: '0::/system.slice/a.service\n'});
	const reader = new WhileRead(tree.proc);
	const scanner = scannerOver(tree, reader);
	const pids = (processes: readonly ProcessRecord[]) => processes.map((process) => process.pid).sort((a, b) => a - b);
	scanner.scan(null);
	scanner.scan(null);
	const version = scanner.structureVersion;
	tree.addProcess({pid: 300, ppid: 100, comm: 'true', cgroup: '0::/system.slice/a.service\n'});
	reader.after('/300/cgroup', () => setStateAndFlags(tree, 300, 'R', 0x4));
	assert.deepEqual(pids(scanner.scan(null)), [2, 100]);
	assert.deepEqual(scanner.changes?.admitted, []);
	assert.equal(scanner.structureVersion, version, 'nothing was admitted');
	setStateAndFlags(tree, 300, 'Z', 0x4);
	assert.deepEqual(pids(scanner.scan(null)), [2, 100, 300]);
	assert.equal(scanner.structureVersion, version + 1);
});

test('a process whose schedstat cannot be read, or reads empty, has its stat read every scan', () => {
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'sh', utime: 10, cgroup: '0::/system.slice/a.service\n'});
	tree.addProcess({pid: 200, comm: 'sh', utime: 10, cgroup: '0::/system.slice/a.service\n'});
	// Opened read-only as a file would be; every read of it fails (EISDIR).
	fs.mkdirSync(`${tree.proc}/100/schedstat`);
	tree.write('proc/200/schedstat', '');
	const scanner = new ProcessScanner(tree.proc, layoutFromDirectory(tree.cgroup), new FileReader(tree.proc, schedstatBudget));
	after(() => scanner.close());
	for (let scan = 1; scan <= 3; scan++) scanner.scan(4242);
	const seen: Array<[number | undefined, number | undefined, number]> = [];
	for (let scan = 4; scan <= 5; scan++) {
		for (const pid of [100, 200]) tree.addProcessStat(pid, 'sh', 10 * scan);
		const processes = scanner.scan(4242);
		const utimeOf = (pid: number) => processes.find((process) => process.pid === pid)?.utime;
		seen.push([utimeOf(100), utimeOf(200), scanner.statReadsSkipped]);
	}
	assert.deepEqual(seen, [
		[40, 40, 0],
		[50, 50, 0],
	]);
});

test('a process found by looking up the pids allocated since is admitted as a change of structure', () => {
	const tree = v2Tree();
	tree.addProcess({pid: 40, comm: 'sshd', cgroup: '0::/system.slice/ssh.service\n'});
	const scanner = scannerOver(tree);
	scanner.scan(45);
	scanner.scan(45);
	const version = scanner.structureVersion;
	tree.addProcess({pid: 50, comm: 'cron', cgroup: '0::/system.slice/cron.service\n'});
	assert.equal(scanner.scan(50).some((process) => process.pid === 50), true, 'pids 46 to 50 looked up');
	assert.deepEqual(scanner.changes?.admitted.map((process) => process.pid), [50]);
	assert.equal(scanner.structureVersion, version + 1);
});

test('the owner of a process whose stat went before its owner was read is unknown (-1), not a user\'s id', () => {
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'sh', cmdline: ['sh'], cgroup: '0::/system.slice/a.service\n'});
	// No descriptor to spare: the stat is read by path, and its owner too.
	const reader = new WhileRead(tree.proc, 0);
	reader.after('/100/cmdline', () => fs.rmSync(`${tree.proc}/100/stat`));
	const scanner = scannerOver(tree, reader);
	// Found long after its start (the fixture's uptime is 1234 s), it is taken without a second look at its stat.
	const process = scanner.scan(null, 1234).find((candidate) => candidate.pid === 100);
	assert.equal(process?.cmdline, 'sh');
	assert.equal(process?.uid, -1);
});

test('namespaces that change as a process begins to exit are not taken: it keeps those read while it lived, and its cgroup is noted as ending', () => {
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'sh', cgroup: '0::/system.slice/a.service\n'});
	const reader = new WhileRead(tree.proc);
	const scanner = scannerOver(tree, reader);
	// Admitted young (no uptime known): its namespaces are read again on the next scans.
	scanner.scan(4242);
	const version = scanner.structureVersion;
	const hostNet = scanner.scan(4242).find((process) => process.pid === 100)?.namespaces.net;
	tree.setNamespace(100, 'net', 4026532888);
	// Its stat is read while it lives; it begins to exit before its namespaces are confirmed.
	reader.after('/100/stat', () => setStateAndFlags(tree, 100, 'R', 0x4));
	const process = scanner.scan(4242).find((candidate) => candidate.pid === 100);
	assert.equal(process?.namespaces.net, hostNet);
	assert.deepEqual(scanner.changes?.changed, []);
	assert.equal(scanner.structureVersion, version);
	assert.deepEqual(scanner.endingCgroups, ['/system.slice/a.service']);
});

test('a move to another cgroup found by the round robin is a change of structure', () => {
	const tree = v2Tree();
	tree.addProcess({pid: 100, comm: 'sleep', cgroup: '0::/system.slice/batch.service\n'});
	const scanner = scannerOver(tree);
	// Found long after its start: its cgroups are re-read only by the round robin.
	scanner.scan(4242, 1234);
	scanner.scan(4242);
	const version = scanner.structureVersion;
	tree.write('proc/100/cgroup', '0::/system.slice/moved.service\n');
	assert.equal(scanner.scan(4242).find((process) => process.pid === 100)?.cgroups.container, '/system.slice/moved.service');
	assert.deepEqual(scanner.changes?.changed.map((process) => process.pid), [100]);
	assert.equal(scanner.structureVersion, version + 1);
});

test('a cgroup file that cannot be read, or reads empty (its process went between two reads), is no move', () => {
	const tree = v2Tree();
	tree.addProcess({pid: 100, comm: 'sleep', cgroup: '0::/system.slice/batch.service\n'});
	tree.addProcess({pid: 200, comm: 'sleep', cgroup: '0::/system.slice/batch.service\n'});
	const scanner = scannerOver(tree);
	scanner.scan(4242);
	scanner.scan(4242);
	const version = scanner.structureVersion;
	fs.rmSync(`${tree.proc}/100/cgroup`);
	tree.write('proc/200/cgroup', '');
	const processes = scanner.scan(4242);
	assert.deepEqual(
		[100, 200].map((pid) => processes.find((process) => process.pid === pid)?.cgroups.container),
		['/system.slice/batch.service', '/system.slice/batch.service'],
	);
	assert.deepEqual(scanner.changes?.changed, []);
	assert.equal(scanner.structureVersion, version);
});

test('v1: the root cgroups read as a process begins to exit are not taken for a move; its cgroup is noted as ending', () => {
	const tree = new FixtureTree();
	after(() => tree.remove());
	tree.write('cgroup/memory/cgroup.procs', '');
	tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '9:memory:/\n', kernelThread: true});
	tree.addProcess({pid: 100, comm: 'sleep', cgroup: '9:memory:/pod/app\n'});
	const reader = new WhileRead(tree.proc);
	const scanner = scannerOver(tree, reader);
	scanner.scan(4242);
	scanner.scan(4242);
	const version = scanner.structureVersion;
	// Its stat is read while it lives; it begins to exit (and reads as in the root cgroups) before its cgroups are re-read.
	reader.after('/100/stat', () => {
		setStateAndFlags(tree, 100, 'R', 0x4);
		tree.write('proc/100/cgroup', '9:memory:/\n');
	});
	assert.equal(scanner.scan(4242).find((process) => process.pid === 100)?.cgroups.memory, '/pod/app');
	assert.deepEqual(scanner.changes?.changed, []);
	assert.equal(scanner.structureVersion, version);
	assert.deepEqual(scanner.endingCgroups, ['/pod/app']);
});

test('a young process gone just after its first read (its stat reads empty) is not admitted', () => {
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'sh', cgroup: '0::/system.slice/a.service\n'});
	const reader = new WhileRead(tree.proc);
	const scanner = scannerOver(tree, reader);
	scanner.scan(null);
	tree.addProcess({pid: 300, ppid: 100, comm: 'true', cgroup: '0::/system.slice/a.service\n'});
	// What a read of an exited process's kept stat gives: nothing.
	reader.after('/300/cgroup', () => tree.write('proc/300/stat', ''));
	assert.equal(scanner.scan(null).some((process) => process.pid === 300), false);
	assert.deepEqual(scanner.changes?.admitted, []);
});

test('close gives back the descriptors kept for every process\'s stat and schedstat', () => {
	const tree = schedstatTree();
	for (const pid of [100, 101]) {
		tree.addProcess({pid, comm: 'sh', cgroup: '0::/system.slice/a.service\n'});
		tree.write(`proc/${pid}/schedstat`, '1000 0 5\n');
	}
	const openInTree = () =>
		fs.readdirSync('/proc/self/fd').filter((fd) => {
			try {
				return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(tree.proc);
			} catch {
				return false;
			}
		}).length;
	const scanner = new ProcessScanner(tree.proc, layoutFromDirectory(tree.cgroup), new FileReader(tree.proc, schedstatBudget));
	for (let scan = 1; scan <= 3; scan++) scanner.scan(4242);
	assert.equal(openInTree(), 3 + 2, 'a stat for each of the three, a schedstat for each of the two of one thread');
	scanner.close();
	assert.equal(openInTree(), 0);
});

test('a process is read in full when it is admitted, whatever its name or cgroup file hashes to', () => {
	// Both hash to 1 (hashBytes): the hashes a record starts from must be one no content has.
	const comm = 'nviuaaza';
	const cgroup = '0::/system.slice/engsbmlu.service\n';
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'sh', cgroup: '0::/system.slice/a.service\n'});
	const scanner = scannerOver(tree);
	scanner.scan(null);
	tree.addProcess({pid: 300, comm, cmdline: [comm, '--serve'], cgroup, namespaces: {net: 4026532999}});
	const process = scanner.scan(null).find((candidate) => candidate.pid === 300);
	assert.deepEqual(
		[process?.comm, process?.cmdline, process?.namespaces.net, process?.cgroups.container],
		[comm, `${comm} --serve`, 4026532999, '/system.slice/engsbmlu.service'],
	);
});

test('a process found while it exits, not yet a zombie, is not admitted, and its scan is no change', () => {
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'sh', cgroup: '0::/system.slice/a.service\n'});
	const scanner = scannerOver(tree);
	scanner.scan(null);
	scanner.scan(null);
	const version = scanner.structureVersion;
	tree.addProcess({pid: 300, ppid: 100, comm: 'true', cgroup: '0::/system.slice/a.service\n'});
	setStateAndFlags(tree, 300, 'R', 0x4);
	assert.equal(scanner.scan(null).some((process) => process.pid === 300), false);
	assert.deepEqual(scanner.changes?.admitted, []);
	assert.equal(scanner.structureVersion, version);
});

test('processes the first scan finds long after their start are not re-checked as new ones: a setns is found by the round robin, 16 a scan', () => {
	const tree = new FixtureTree();
	after(() => tree.remove());
	tree.write('cgroup/cgroup.controllers', 'memory pids\n');
	for (let pid = 100; pid < 140; pid++) tree.addProcess({pid, comm: 'sleep', cgroup: '0::/system.slice/batch.service\n'});
	const scanner = scannerOver(tree);
	// Started 1 to 2 s after boot; the fixture's uptime is 1234 s.
	scanner.scan(4242, 1234);
	for (let pid = 100; pid < 140; pid++) tree.setNamespace(pid, 'net', 4026532777);
	const moved = () => scanner.scan(4242).filter((process) => process.namespaces.net === 4026532777).length;
	assert.deepEqual([moved(), moved(), moved()], [16, 32, 40]);
});

test('scans that spare the processes of still cgroups keep the structure version and report no change', () => {
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'java', threads: 8, cgroup: '0::/kubepods/pod1/app\n'});
	tree.addProcess({pid: 200, comm: 'sh', cgroup: '0::/kubepods/pod2/app\n'});
	const scanner = new ProcessScanner(tree.proc, layoutFromDirectory(tree.cgroup), new FileReader(tree.proc, schedstatBudget));
	after(() => scanner.close());
	const still = stillCgroups();
	const scan = () => scanner.scan(4242, null, still.stillness);
	for (let count = 1; count <= 3; count++) scan();
	const version = scanner.structureVersion;
	still.paths.add('/kubepods/pod1/app');
	still.paths.add('/kubepods/pod2/app');
	const seen: Array<[number, number]> = [];
	for (let count = 4; count <= 7; count++) {
		scan();
		seen.push([scanner.stillProcessesSkipped, scanner.changes?.changed.length ?? -1]);
	}
	assert.deepEqual(seen, [
		[2, 0],
		[2, 0],
		[0, 0],
		[2, 0],
	], 'spared but at the full read of scan 6, and no process changed');
	assert.equal(scanner.structureVersion, version);
});

test('a process that execs into another cgroup and begins to exit as it is read is gone from the scan, its cgroup noted as ending', () => {
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'runc:[2:INIT]', cgroup: '0::/system.slice/runc.scope\n'});
	const reader = new WhileRead(tree.proc);
	const scanner = scannerOver(tree, reader);
	for (let scan = 1; scan <= 5; scan++) scanner.scan(4242);
	// Moved into the container's cgroup and exec'd its entrypoint, which fails at once.
	tree.write('proc/100/stat', fs.readFileSync(`${tree.proc}/100/stat`, 'utf8').replace('(runc:[2:INIT])', '(app)'));
	tree.write('proc/100/cgroup', '0::/kubepods/pod1/app\n');
	reader.after('/100/cgroup', () => setStateAndFlags(tree, 100, 'R', 0x4));
	assert.equal(scanner.scan(4242).some((process) => process.pid === 100), false);
	assert.deepEqual(scanner.changes?.exited.map((process) => process.pid), [100]);
	assert.deepEqual(scanner.endingCgroups, ['/kubepods/pod1/app']);
});

test('a process whose cgroup file cannot be read is in no cgroup, not in those of the process its record last held', () => {
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'sh', cgroup: '0::/system.slice/a.service\n'});
	const reader = new WhileRead(tree.proc);
	const scanner = scannerOver(tree, reader);
	scanner.scan(null);
	// Found young, it begins to exit as it is read: not admitted, its record kept for the next process.
	tree.addProcess({pid: 300, comm: 'true', cgroup: '0::/kubepods/pod1/app\n'});
	reader.after('/300/cgroup', () => setStateAndFlags(tree, 300, 'R', 0x4));
	scanner.scan(null);
	tree.removeProcess(300);
	tree.addProcess({pid: 400, comm: 'sleep', cgroup: '0::/system.slice/b.service\n'});
	fs.rmSync(`${tree.proc}/400/cgroup`);
	const process = scanner.scan(null).find((candidate) => candidate.pid === 400);
	assert.equal(process?.comm, 'sleep');
	assert.deepEqual(process?.cgroups, {container: null, memory: null, cpu: null, cpuacct: null, pids: null});
});

test('a process moved to another cgroup just after its start is seen, as a change, at the next scan, not left to the round robin', () => {
	const tree = v2Tree();
	// More than the round robin re-reads in one scan (64), found long after their start.
	for (let pid = 100; pid < 300; pid++) tree.addProcess({pid, comm: 'sleep', cgroup: '0::/system.slice/batch.service\n'});
	const scanner = scannerOver(tree);
	scanner.scan(null, 1234);
	tree.addProcess({pid: 1000, comm: 'runc:[2:INIT]', cgroup: '0::/system.slice/containerd.service\n'});
	scanner.scan(null);
	const version = scanner.structureVersion;
	tree.write('proc/1000/cgroup', '0::/kubepods/pod1/app\n');
	assert.equal(scanner.scan(null).find((process) => process.pid === 1000)?.cgroups.container, '/kubepods/pod1/app');
	assert.deepEqual(scanner.changes?.changed.map((process) => process.pid), [1000]);
	assert.equal(scanner.structureVersion, version + 1);
});

test('a record\'s revision only grows, its stat read or spared: a copy made at one revision is never taken for a later state', () => {
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'sh', utime: 10, cgroup: '0::/system.slice/a.service\n'});
	tree.write('proc/100/schedstat', '1000 0 5\n');
	const scanner = new ProcessScanner(tree.proc, layoutFromDirectory(tree.cgroup), new FileReader(tree.proc, schedstatBudget));
	after(() => scanner.close());
	const revision = () => scanner.scan(4242).find((process) => process.pid === 100)?.revision ?? -1;
	for (let scan = 1; scan <= 2; scan++) revision();
	const revisions = [revision()];
	// Scan 4 reads its stat (it ran); scan 5 spares it, and its CPU since the last scan becomes 0.
	tree.addProcessStat(100, 'sh', 30);
	tree.write('proc/100/schedstat', '2000 0 6\n');
	revisions.push(revision(), revision());
	assert.equal(scanner.statReadsSkipped, 1);
	assert.ok(revisions[0] < revisions[1] && revisions[1] < revisions[2], `revisions ${revisions.join(', ')}`);
});

test('a pid taken by another process is read in full whatever its cgroup file hashes to', () => {
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'worker', cgroup: '0::/system.slice/old.service\n'});
	const scanner = scannerOver(tree);
	for (let scan = 1; scan <= 3; scan++) scanner.scan(4242);
	tree.write('proc/100/stat', '100 (worker) S 1 0 0 0 0 0 0 0 0 0 20 3 0 0 20 0 1 0 777777 1000 100 0 0 0\n');
	// Hashes to 1 (hashBytes): the hash a record is reset to must be one no content has.
	tree.write('proc/100/cgroup', '0::/system.slice/engsbmlu.service\n');
	assert.equal(scanner.scan(4242).find((process) => process.pid === 100)?.cgroups.container, '/system.slice/engsbmlu.service');
});

test('a pid taken by a process that begins to exit as it is read is gone, the cgroup it was read in noted as ending', () => {
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'worker', cgroup: '0::/system.slice/old.service\n'});
	const reader = new WhileRead(tree.proc);
	const scanner = scannerOver(tree, reader);
	for (let scan = 1; scan <= 3; scan++) scanner.scan(4242);
	tree.write('proc/100/stat', '100 (worker) S 1 0 0 0 0 0 0 0 0 0 20 3 0 0 20 0 1 0 777777 1000 100 0 0 0\n');
	tree.write('proc/100/cgroup', '0::/system.slice/new.service\n');
	reader.after('/100/cgroup', () => setStateAndFlags(tree, 100, 'R', 0x4));
	assert.equal(scanner.scan(4242).some((process) => process.pid === 100), false);
	assert.deepEqual(scanner.endingCgroups, ['/system.slice/new.service']);
});

test('a process\'s resident memory is its stat\'s resident pages times the page size', () => {
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'java', rssPages: 2500, cgroup: '0::/system.slice/a.service\n'});
	const rssOf = (pageSize: number) => {
		const scanner = new ProcessScanner(tree.proc, layoutFromDirectory(tree.cgroup), new FileReader(tree.proc), {pageSize});
		const rssBytes = scanner.scan(4242).find((process) => process.pid === 100)?.rssBytes;
		scanner.close();
		return rssBytes;
	};
	assert.deepEqual([rssOf(4096), rssOf(16_384)], [2500 * 4096, 2500 * 16_384]);
});

test('a schedstat is opened once and read through its kept descriptor from then on', () => {
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'sh', cgroup: '0::/system.slice/a.service\n'});
	tree.write('proc/100/schedstat', '1000 0 5\n');
	const scanner = new ProcessScanner(tree.proc, layoutFromDirectory(tree.cgroup), new FileReader(tree.proc, schedstatBudget));
	after(() => scanner.close());
	const schedstatsOpen = () =>
		fs.readdirSync('/proc/self/fd').filter((fd) => {
			try {
				return fs.readlinkSync(`/proc/self/fd/${fd}`) === `${tree.proc}/100/schedstat`;
			} catch {
				return false;
			}
		}).length;
	const open: number[] = [];
	for (let scan = 1; scan <= 7; scan++) {
		scanner.scan(4242);
		open.push(schedstatsOpen());
	}
	assert.deepEqual(open, [0, 0, 1, 1, 1, 1, 1]);
});

test('a change of any one stat field alone bumps the record\'s revision: state, system time, threads, resident pages', () => {
	const tree = schedstatTree();
	// Several threads: its stat is read every scan.
	tree.addProcess({pid: 100, comm: 'java', threads: 4, cgroup: '0::/system.slice/a.service\n'});
	const scanner = scannerOver(tree);
	const statPath = `${tree.proc}/100/stat`;
	/** Sets one field after the comm (0 is the state, 12 stime, 17 num_threads, 21 rss). */
	const setField = (index: number, value: string) => {
		const [head, tail] = fs.readFileSync(statPath, 'utf8').split(') ');
		const fields = tail.split(' ');
		fields[index] = value;
		fs.writeFileSync(statPath, `${head}) ${fields.join(' ')}`);
	};
	const record = () => scanner.scan(4242).find((process) => process.pid === 100)!;
	for (let scan = 1; scan <= 3; scan++) record();
	const moved: string[] = [];
	for (const [name, index, value] of [['state', 0, 'R'], ['stime', 12, '77'], ['threads', 17, '5'], ['rss', 21, '4242']] as const) {
		const before = record().revision;
		setField(index, value);
		if (record().revision !== before) moved.push(name);
	}
	assert.deepEqual(moved, ['state', 'stime', 'threads', 'rss']);
});

test('with no cgroup hierarchy, scans where nothing changed keep the structure version and report no change', () => {
	const tree = v2Tree();
	tree.addProcess({pid: 100, comm: 'sleep', cgroup: '0::/system.slice/a.service\n'});
	const scanner = new ProcessScanner(tree.proc, null, new FileReader(tree.proc));
	after(() => scanner.close());
	for (let scan = 1; scan <= 3; scan++) scanner.scan(4242);
	const version = scanner.structureVersion;
	const changed: number[] = [];
	for (let scan = 4; scan <= 8; scan++) {
		const processes = scanner.scan(4242);
		assert.deepEqual(processes.find((process) => process.pid === 100)?.cgroups, {container: null, memory: null, cpu: null, cpuacct: null, pids: null});
		changed.push(scanner.changes?.changed.length ?? -1);
	}
	assert.deepEqual(changed, [0, 0, 0, 0, 0]);
	assert.equal(scanner.structureVersion, version);
});

test('processes whose cgroup files hash alike are each in the cgroup their own file names', () => {
	const tree = v2Tree();
	// Two pairs of cgroup files that hash alike (hashBytes), one of the same length, one not.
	const files = ['0::/kubepods/podeoeb/app\n', '0::/kubepods/podpdzf/app\n', '0::/kubepods/poditxn/app\n', '0::/kubepods/podxjyqy/app\n'];
	files.forEach((cgroup, index) => tree.addProcess({pid: 100 + index, comm: 'app', cgroup}));
	const scanner = scannerOver(tree);
	const containers = scanner.scan(null).filter((process) => process.pid >= 100).map((process) => process.cgroups.container);
	assert.deepEqual(containers, ['/kubepods/podeoeb/app', '/kubepods/podpdzf/app', '/kubepods/poditxn/app', '/kubepods/podxjyqy/app']);
});

test('a move into the cgroup of another live process is a change of structure and a new revision of its record', () => {
	const tree = v2Tree();
	tree.addProcess({pid: 100, comm: 'sleep', cgroup: '0::/system.slice/a.service\n'});
	tree.addProcess({pid: 200, comm: 'sleep', cgroup: '0::/system.slice/b.service\n'});
	const scanner = scannerOver(tree);
	// Found long after their start: their cgroups are re-read only by the round robin.
	scanner.scan(4242, 1234);
	const revision = scanner.scan(4242).find((process) => process.pid === 100)?.revision ?? -1;
	const version = scanner.structureVersion;
	tree.write('proc/100/cgroup', '0::/system.slice/b.service\n');
	const moved = scanner.scan(4242).find((process) => process.pid === 100);
	assert.equal(moved?.cgroups.container, '/system.slice/b.service');
	assert.deepEqual(scanner.changes?.changed.map((process) => process.pid), [100]);
	assert.equal(scanner.structureVersion, version + 1);
	assert.ok((moved?.revision ?? -1) > revision, `revision ${revision}, then ${moved?.revision}`);
});

test('a process\'s cgroup is noted as ending once: in the scan that finds it exiting, not while it stays a zombie nor when it goes', () => {
	const tree = v2Tree();
	tree.addProcess({pid: 100, comm: 'sh', cgroup: '0::/system.slice/a.service\n'});
	const scanner = scannerOver(tree);
	for (let scan = 1; scan <= 3; scan++) scanner.scan(4242);
	const ending: string[][] = [];
	setStateAndFlags(tree, 100, 'Z', 0x4);
	for (let scan = 4; scan <= 5; scan++) {
		scanner.scan(4242);
		ending.push([...scanner.endingCgroups]);
	}
	// What a read of a reaped process's kept stat gives: nothing.
	tree.write('proc/100/stat', '');
	assert.equal(scanner.scan(4242).some((process) => process.pid === 100), false);
	ending.push([...scanner.endingCgroups]);
	assert.deepEqual(ending, [['/system.slice/a.service'], [], []]);
});

test('the cgroup noted as ending is a process\'s memory cgroup, else its container\'s, and never the root', () => {
	const endingWhenGone = (controllers: string, cgroup: string) => {
		const tree = v2Tree();
		tree.write('cgroup/cgroup.controllers', controllers);
		tree.addProcess({pid: 100, comm: 'sh', cgroup});
		const scanner = scannerOver(tree);
		for (let scan = 1; scan <= 3; scan++) scanner.scan(4242);
		tree.write('proc/100/stat', '');
		assert.equal(scanner.scan(4242).some((process) => process.pid === 100), false);
		return [...scanner.endingCgroups];
	};
	assert.deepEqual(endingWhenGone('memory pids\n', '0::/system.slice/a.service\n'), ['/system.slice/a.service']);
	assert.deepEqual(endingWhenGone('pids\n', '0::/system.slice/a.service\n'), ['/system.slice/a.service'], 'no memory controller');
	assert.deepEqual(endingWhenGone('memory pids\n', '0::/\n'), [], 'the root cgroup');
});

test('with no descriptor to spare, a young process is admitted, its stat read by its path', () => {
	const tree = v2Tree();
	tree.addProcess({pid: 100, comm: 'sh', cgroup: '0::/system.slice/a.service\n'});
	const scanner = scannerOver(tree, new FileReader(tree.proc, 0));
	scanner.scan(null);
	tree.addProcess({pid: 300, ppid: 100, comm: 'sleep', cgroup: '0::/system.slice/a.service\n'});
	assert.equal(scanner.scan(null).some((process) => process.pid === 300), true);
	assert.deepEqual(scanner.changes?.admitted.map((process) => process.pid), [300]);
});

test('whether a process began to exit is read through its kept stat, not its pid\'s path, which may name another process by then', () => {
	const tree = schedstatTree();
	tree.addProcess({pid: 100, comm: 'runc:[2:INIT]', cgroup: '0::/system.slice/runc.scope\n'});
	const reader = new WhileRead(tree.proc);
	const scanner = scannerOver(tree, reader);
	for (let scan = 1; scan <= 5; scan++) scanner.scan(4242);
	const statPath = `${tree.proc}/100/stat`;
	tree.write('proc/100/stat', fs.readFileSync(statPath, 'utf8').replace('(runc:[2:INIT])', '(app)'));
	tree.write('proc/100/cgroup', '0::/kubepods/pod1/app\n');
	// Exec'd, it begins to exit as it is read (its kept stat says so), and its pid is taken at once by a living process.
	reader.after('/100/cgroup', () => {
		setStateAndFlags(tree, 100, 'R', 0x4);
		const living = fs.readFileSync(statPath, 'utf8').replace(/\) \w ((?:\d+ ){5})\d+ /, ') S $10 ');
		fs.rmSync(statPath);
		fs.writeFileSync(statPath, living);
	});
	assert.equal(scanner.scan(4242).some((process) => process.pid === 100), false);
	assert.deepEqual(scanner.endingCgroups, ['/kubepods/pod1/app']);
});

test('a record dropped when its process goes has a new revision: its cgroups and namespaces are reset', () => {
	const tree = v2Tree();
	tree.addProcess({pid: 100, comm: 'sh', cgroup: '0::/system.slice/a.service\n'});
	const scanner = scannerOver(tree);
	for (let scan = 1; scan <= 2; scan++) scanner.scan(4242);
	const living = scanner.scan(4242).find((process) => process.pid === 100)?.revision ?? -1;
	tree.write('proc/100/stat', '');
	scanner.scan(4242);
	const exited = scanner.changes?.exited.find((process) => process.pid === 100);
	assert.deepEqual(exited?.cgroups, {container: null, memory: null, cpu: null, cpuacct: null, pids: null});
	assert.ok((exited?.revision ?? -1) > living, `revision ${living}, then ${exited?.revision}`);
});

test('a pid looked up whose status has no Tgid line is no process, though its name is its pid', () => {
	const tree = v2Tree();
	const scanner = scannerOver(tree);
	scanner.scan(299);
	tree.addProcess({pid: 300, comm: '300', cgroup: '0::/system.slice/a.service\n'});
	tree.write('proc/300/status', 'Name:\t300\nUmask:\t0022\nState:\tS (sleeping)\n');
	assert.equal(scanner.scan(300).some((process) => process.pid === 300), false);
});

test('a pid looked up whose status ends with its Tgid is a process, whatever digits the shared buffer holds after them', () => {
	const tree = v2Tree();
	const scanner = scannerOver(tree);
	scanner.scan(37);
	// Read just before 39's, 38's status leaves digits where 39's ends.
	tree.addProcess({pid: 38, comm: 'abc', threadOf: 390000, cgroup: '0::/system.slice/a.service\n'});
	tree.write('proc/38/status', 'Name:\tabc\nTgid:\t390000\n');
	tree.addProcess({pid: 39, comm: 'abc', cgroup: '0::/system.slice/a.service\n'});
	tree.write('proc/39/status', 'Name:\tabc\nTgid:\t39');
	assert.deepEqual(scanner.scan(39).map((process) => process.pid).filter((pid) => pid >= 38), [39]);
});

test('processes whose namespace links can all be read are not counted as unreadable', () => {
	const tree = v2Tree();
	tree.addProcess({pid: 100, comm: 'sh', cgroup: '0::/system.slice/a.service\n'});
	const scanner = scannerOver(tree);
	scanner.scan(4242);
	assert.equal(scanner.unreadableNamespaces, 0);
});
