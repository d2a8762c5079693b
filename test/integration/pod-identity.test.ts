import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Collector} from '../../source/collect/collector.js';
import {createEventSource} from '../../source/event-source.js';
import {createMonitor} from '../../source/model/monitor.js';
import {parseRuntimeCgroupPath} from '../../source/model/runtime-path.js';
import type {PodModel} from '../../source/model/types.js';
import {killAndWait, waitFor} from '../helpers/processes.js';
import {createUnsharePod, MiB, requireRigs, withRig} from '../helpers/rigs.js';

test('a hand-made pod whose apps exit stays the pod (cgroup, name, pod limit) while its infra lives, their tombstones in it', {timeout: 120_000}, async (t) => {
	if (!requireRigs(t, 'unshare')) return;
	const rig = await withRig(t, () => createUnsharePod());
	const monitor = createMonitor(new Collector({procRoot: '/proc', cgroupRoot: null, root: '/'}), {identify: parseRuntimeCgroupPath});
	const source = createEventSource({monitor, kmsgPath: null});
	t.after(async () => {
		await source.close();
		monitor.close();
	});
	const podOf = (model: PodModel) => model.pods.find((pod) => pod.containers.some((container) => container.processes.some((process) => process.pid === rig.infra.pid)));
	const before = podOf(source.refresh().model);
	assert.deepEqual([before?.id, before?.name, before?.containers.length], [rig.cgroup, rig.cgroup.slice(1), 3]);

	await killAndWait(rig.apps.flatMap((app) => [app.pid, ...(app.wrapperPid === null ? [] : [app.wrapperPid])]));
	const after = await waitFor(() => {
		const pod = podOf(source.refresh().model);
		return pod && pod.containers.length === 1 ? pod : null;
	}, 30_000, 'the apps to be gone from the model');
	assert.deepEqual([after.id, after.name, after.cgroup], [rig.cgroup, rig.cgroup.slice(1), rig.cgroup]);
	assert.equal(after.gauges?.memory.effectiveMax, 512 * MiB);
	assert.deepEqual(after.containers.map((container) => [container.cgroup, container.infra]), [[`${rig.cgroup}/infra`, true]]);
	assert.deepEqual(
		source.log.tombstonesOf(rig.cgroup).map((tombstone) => tombstone.containerName).sort(),
		rig.apps.map((app) => app.cgroup.slice(app.cgroup.lastIndexOf('/') + 1)).sort(),
	);
});
