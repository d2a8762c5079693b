import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {RereadPolicy} from '../../source/collect/reread-policy.js';

/** The listing and full-stat decisions of `scans` scans in a row, as [scan, lists, reads every stat]. */
function decisions(policy: RereadPolicy, scans: number, lastAllocatedPid: (scan: number) => number | null) {
	const result: Array<[number, boolean, boolean]> = [];
	for (let scan = 1; scan <= scans; scan++) {
		const reads = policy.beginScan(lastAllocatedPid(scan));
		result.push([reads.scan, reads.listsDirectory, reads.readsEveryStat]);
	}
	return result;
}

describe('which process gets which read in a scan', () => {
	test('found long after it started by the first scan only: 10 s of clock ticks, and never with the uptime unknown', () => {
		const policy = new RereadPolicy(true);
		const uptimeTicks = 100_000;
		policy.beginScan(4242);
		assert.deepEqual([uptimeTicks - 1001, uptimeTicks - 1000, uptimeTicks - 999, uptimeTicks].map((starttime) => policy.foundLongRunning(starttime, uptimeTicks)), [true, false, false, false]);
		assert.equal(policy.foundLongRunning(0, null), false, 'uptime unknown: treated as young');
		policy.beginScan(4243);
		assert.equal(policy.foundLongRunning(0, uptimeTicks), false, 'a process found by a later scan is new');
		assert.equal(policy.namespaceRechecksAfterExec, 3);
	});

	test('nothing forked: no listing, but a forced one every fifth scan (the first included)', () => {
		const listed = decisions(new RereadPolicy(true), 12, () => 4242).filter(([, lists]) => lists).map(([scan]) => scan);
		assert.deepEqual(listed, [1, 6, 11]);
	});

	test('a few pids allocated since the last scan are looked up; many, a wrap-around or none known list the directory', () => {
		const policy = new RereadPolicy(true);
		const scan = (lastAllocatedPid: number | null) => {
			const reads = policy.beginScan(lastAllocatedPid);
			return [reads.listsDirectory, reads.listsDirectory ? null : [reads.probeFrom, reads.probeTo]];
		};
		assert.deepEqual(
			[4242, 4242, 4250, 4314, 4379, 100, 100, null, 50].map(scan),
			[
				[true, null],
				[false, [4243, 4242]],
				[false, [4243, 4250]],
				[false, [4251, 4314]],
				[true, null],
				[true, null],
				[false, [101, 100]],
				[true, null],
				[true, null],
			],
			'the first scan lists; nothing, 8, then 64 allocated are looked up; 65 list; a wrap-around (scan 6, also a forced listing); nothing again; unknown, and the scan after it (a last pid of 50 too), list',
		);
		assert.deepEqual(
			decisions(new RereadPolicy(true), 4, () => null).map(([, lists]) => lists),
			[true, true, true, true],
			'without /proc/loadavg every scan lists',
		);
	});

	test('every stat is read every fifth scan (the first included)', () => {
		const everyStat = decisions(new RereadPolicy(true), 11, () => 1).filter(([, , every]) => every).map(([scan]) => scan);
		assert.deepEqual(everyStat, [1, 6, 11]);
	});

	test('without schedstat every stat is read every scan, and no schedstat is read', () => {
		const policy = new RereadPolicy(false);
		assert.deepEqual(decisions(policy, 4, () => 1).map(([, , every]) => every), [true, true, true, true]);
		assert.equal(policy.readsSchedstat(1, 1), false);
		assert.equal(policy.skipsStat(77, 77, false), false);
	});

	test('a schedstat is read for one thread only, from the second scan after admission', () => {
		const policy = new RereadPolicy(true);
		policy.beginScan(1);
		policy.beginScan(1);
		assert.equal(policy.readsSchedstat(1, 1), false, 'scan 2, admitted in scan 1 (--once scans twice)');
		policy.beginScan(1);
		assert.equal(policy.readsSchedstat(1, 1), true, 'scan 3, admitted in scan 1');
		assert.equal(policy.readsSchedstat(1, 2), false, 'scan 3, admitted in scan 2');
		assert.equal(policy.readsSchedstat(2, 1), false, 'two threads: the schedstat is the main thread\'s only');
	});

	test('a stat read is spared only when the schedstat is unchanged and the scan does not read every stat', () => {
		const policy = new RereadPolicy(true);
		policy.beginScan(1);
		assert.equal(policy.skipsStat(77, 77, false), false, 'scan 1 reads every stat');
		policy.beginScan(1);
		assert.equal(policy.skipsStat(77, 77, false), true);
		assert.equal(policy.skipsStat(78, 77, false), false, 'it ran since');
		assert.equal(policy.skipsStat(-1, -1, false), false, 'no schedstat read');
		assert.equal(policy.skipsStat(77, 77, true), false, 'its parent exited in the last scan: it was reparented');
	});

	test('nothing of a process is read while its cgroup is still, unless reparented, moved, exiting, or on a full read', () => {
		const policy = new RereadPolicy(true);
		policy.beginScan(1);
		assert.equal(policy.skipsStillProcess(true, false, false, false), false, 'scan 1 reads every stat');
		policy.beginScan(1);
		assert.equal(policy.skipsStillProcess(true, false, false, false), true);
		assert.equal(policy.skipsStillProcess(false, false, false, false), false, 'a task of its cgroup ran');
		assert.equal(policy.skipsStillProcess(true, true, false, false), false, 'its parent exited in the last scan: it was reparented');
		assert.equal(policy.skipsStillProcess(true, false, true, false), false, 'moved since its stat was read: the stillness is another cgroup\'s');
		assert.equal(policy.skipsStillProcess(true, false, false, true), false, 'exiting: only a read sees it gone');
	});

	test('namespaces: 16 processes per scan in turn, each once before any twice', () => {
		const policy = new RereadPolicy(true);
		const live = Array.from({length: 40}, (_, index) => index);
		const turns = (count: number) => Array.from({length: policy.namespaceRecheckCount(count)}, () => policy.nextNamespaceRecheck(live));
		assert.equal(policy.namespaceRecheckCount(40), 16);
		assert.equal(policy.namespaceRecheckCount(5), 5, 'no more than there are');
		const range = (from: number, to: number) => Array.from({length: to - from}, (_, index) => from + index);
		assert.deepEqual(turns(40), range(0, 16));
		assert.deepEqual(turns(40), range(16, 32));
		assert.deepEqual(turns(40), [...range(32, 40), ...range(0, 8)]);
		const shrunk = [100, 101, 102];
		assert.deepEqual(Array.from({length: 4}, () => policy.nextNamespaceRecheck(shrunk)), [100, 101, 102, 100], 'a shorter list wraps around');
	});

	test('cgroups: at least 64 processes per scan, or a tenth of them, in turn', () => {
		const policy = new RereadPolicy(true);
		assert.deepEqual([10, 64, 100, 640, 1000, 2001].map((count) => policy.cgroupRecheckCount(count)), [10, 64, 64, 64, 100, 201]);
		const live = Array.from({length: 1000}, (_, index) => index);
		const seen = new Set<number>();
		for (let scan = 0; scan < 10; scan++) for (let step = 0; step < policy.cgroupRecheckCount(live.length); step++) seen.add(policy.nextCgroupRecheck(live));
		assert.equal(seen.size, 1000, 'every process within ten scans');
	});
});
