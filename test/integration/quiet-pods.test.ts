import assert from 'node:assert/strict';
import {once} from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {Collector} from '../../source/collect/collector.js';
import {FileReadLog} from '../helpers/file-read-log.js';
import {createMonitor} from '../../source/model/monitor.js';
import {parseRuntimeCgroupPath} from '../../source/model/runtime-path.js';
import type {PodModel, Snapshot} from '../../source/model/types.js';
import {cgroupProcsFiles, cgroupRoot, setMemoryLimit, spawnInCgroups} from '../helpers/cgroups.js';
import {killAndWait, readCgroupPath, spawnedPid, waitFor} from '../helpers/processes.js';
import {createUnsharePod, MiB, requireRigs, withRig} from '../helpers/rigs.js';

const usageOf = (cgroup: string) => Number(fs.readFileSync(path.join(cgroupRoot, 'memory', cgroup, 'memory.usage_in_bytes'), 'utf8'));
const containerAt = (model: PodModel, cgroup: string) => model.pods.flatMap((pod) => pod.containers).find((container) => container.cgroup === cgroup);

// The reader skips what lies below a cgroup whose CPU time and memory usage did not move: this holds only if the
// kernel counts a container's pages in its pod's usage, which a real hierarchy shows here.
test('a real pod where nothing runs: a limit that makes the kernel reclaim a container\'s page cache shows at the next refresh', async (t) => {
	if (!requireRigs(t, 'unshare')) return;
	const pod = await withRig(t, () => createUnsharePod({apps: [{name: 'cache', memoryLimitBytes: null}, {name: 'idle', memoryLimitBytes: null}]}));
	const [cacheApp] = pod.apps;
	const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-quiet-'));
	t.after(() => fs.rmSync(scratch, {recursive: true, force: true}));
	// Page cache charged to the container, left there by a writer that is gone: nothing of the container runs.
	const writer = spawnInCgroups(cgroupProcsFiles(cacheApp.cgroup), ['dd', 'if=/dev/zero', `of=${path.join(scratch, 'cache')}`, 'bs=1M', 'count=32', 'status=none']);
	const [code] = (await once(writer, 'exit')) as [number | null];
	assert.equal(code, 0, 'dd wrote the file');
	const charged = usageOf(cacheApp.cgroup);
	assert.ok(charged >= 24 * MiB, `the container holds the page cache (${charged} bytes)`);

	const monitor = createMonitor(new Collector({procRoot: '/proc', cgroupRoot: null}), {identify: parseRuntimeCgroupPath});
	t.after(() => monitor.close());
	monitor.refresh();
	const quiet = containerAt(monitor.refresh(), cacheApp.cgroup);
	assert.ok(quiet, 'the container is in the model');
	assert.equal(quiet.gauges.memory.effectiveMax, pod.memoryLimitBytes, 'no limit of its own: the pod\'s');

	// The write reclaims in the writer's context (this test), not in the container's: only the usage tells.
	const limit = 8 * MiB;
	await setMemoryLimit(cacheApp.cgroup, limit);
	const reclaimed = usageOf(cacheApp.cgroup);
	assert.ok(reclaimed <= limit, `the kernel reclaimed down to the limit (${reclaimed} bytes)`);
	const after = containerAt(monitor.refresh(), cacheApp.cgroup);
	assert.equal(after?.gauges.memory.effectiveMax, limit, 'the new limit, at the refresh right after');
	assert.ok(after.gauges.memory.current !== null && after.gauges.memory.current <= limit, `the usage after reclaim (${after.gauges.memory.current} bytes), not the ${charged} before`);
});

const ticksNow = (pid: number) => {
	const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
	return {ticks: Number(fields[11]) + Number(fields[12]), state: fields[0]};
};

// Between its every-fifth full reads, the scanner reads nothing of a process whose CPU-accounting cgroup's time did
// not move. That holds only if the kernel charges every run of a task to its cgroup, its exit too: shown here.
test('a real pod where nothing runs: its processes are not read; one that runs, or is killed, is seen at the next sample', async (t) => {
	if (!requireRigs(t, 'unshare')) return;
	const pod = await withRig(t, () => createUnsharePod({apps: [{name: 'idle', memoryLimitBytes: null}, {name: 'worker', memoryLimitBytes: null}]}));
	const [idleApp, workerApp] = pod.apps;
	const sleepers = [1, 2, 3].map(() => spawnInCgroups(cgroupProcsFiles(idleApp.cgroup), ['sleep', '1000']));
	// Runs a few hundred milliseconds of shell arithmetic for each line it reads, then waits for the next.
	const worker = spawnInCgroups(cgroupProcsFiles(workerApp.cgroup), ['sh', '-c', 'while read line; do i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; done'], 'pipe');
	const log = new FileReadLog('/proc');
	const collector = new Collector({procRoot: '/proc', cgroupRoot: null, root: null, reader: log});
	// Killed before the rig's cleanup (registered first) removes their cgroups.
	try {
		const [workerPid, ...sleeperPids] = [worker, ...sleepers].map((child) => spawnedPid(child));
		for (const [pid, cgroup] of [[workerPid, workerApp.cgroup], ...sleeperPids.map((pid) => [pid, idleApp.cgroup] as const)] as const) {
			await waitFor(async () => (await readCgroupPath(pid, 'cpuacct')) === cgroup, 10_000, `${pid} in ${cgroup}`);
		}
		const sample = () => {
			log.reads.length = 0;
			return collector.sample();
		};
		const find = (snapshot: Snapshot, pid: number) => snapshot.processes.find((process) => process.pid === pid);

		const idleFiles = [idleApp.pid, ...sleeperPids].flatMap((pid) => [`/proc/${pid}/stat`, `/proc/${pid}/schedstat`]);
		await waitFor(() => {
			const snapshot = sample();
			return sleeperPids.every((pid) => find(snapshot, pid)) && idleFiles.every((file) => !log.reads.includes(file));
		}, 60_000, 'a sample that reads nothing of the idle container\'s processes', 0);

		for (let round = 1; round <= 3; round++) {
			const before = ticksNow(workerPid).ticks;
			worker.stdin!.write('go\n');
			const ran = await waitFor(() => {
				const now = ticksNow(workerPid);
				return now.ticks > before && now.state === 'S' ? now.ticks : null;
			}, 60_000, `the worker to run and wait again (round ${round})`);
			const record = find(sample(), workerPid);
			assert.equal(record && record.utime + record.stime, ran, `round ${round}: the worker's CPU time, at the sample after it ran`);
		}

		for (const [index, sleeper] of sleepers.entries()) {
			sleeper.kill('SIGKILL');
			await once(sleeper, 'exit');
			assert.equal(find(sample(), sleeperPids[index]), undefined, `killed sleeper ${index + 1} is gone at the next sample`);
		}
	} finally {
		collector.close();
		await killAndWait([...sleepers, worker].map((child) => spawnedPid(child)));
	}
});
