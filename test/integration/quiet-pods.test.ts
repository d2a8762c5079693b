import assert from 'node:assert/strict';
import {once} from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {Collector} from '../../source/collect/collector.js';
import {createMonitor} from '../../source/model/monitor.js';
import {parseRuntimeCgroupPath} from '../../source/model/runtime-path.js';
import type {PodModel} from '../../source/model/types.js';
import {cgroupProcsFiles, cgroupRoot, setMemoryLimit, spawnInCgroups} from '../helpers/cgroups.js';
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
