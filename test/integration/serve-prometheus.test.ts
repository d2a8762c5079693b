import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {test} from 'node:test';
import {cgroupProcsFiles, cgroupRoot, createCgroup, removeCgroupTree, spawnInCgroups} from '../helpers/cgroups.js';
import {startPodtopServe} from '../helpers/podtop-serve.js';
import {prometheusAvailable, startPrometheus, type Prometheus} from '../helpers/prometheus.js';
import {stopChild, waitFor, waitForChild} from '../helpers/processes.js';
import {requireOrSkip} from '../helpers/require.js';
import {createUnsharePod, MiB, requireRigs, startMemoryClimber, withRig} from '../helpers/rigs.js';
import {buildRig} from '../helpers/teardown.js';

/** The readme's three PromQL examples, as the readme gives them. */
const readmeQueries = {
	nearLimit: 'container_memory_working_set_bytes / ignoring(limit_cgroup, level) group_left(limit_cgroup, level) podtop_container_memory_effective_limit_bytes > 0.9',
	oomKillsLastHour: 'sum by (namespace, pod, level) ((increase(podtop_oom_kills_total[1h]) and podtop_oom_kills_total offset 1h) or podtop_oom_kills_total)',
	hostNetwork: 'podtop_pod_host_namespace{type="net"} == 1',
};

const memoryFile = (cgroup: string, file: string) => readFile(join(cgroupRoot, 'memory', cgroup, file), 'utf8');

async function statValue(cgroup: string, key: string): Promise<number> {
	const line = (await memoryFile(cgroup, 'memory.stat')).split('\n').find((candidate) => candidate.startsWith(`${key} `));
	return Number(line!.split(' ')[1]);
}

/** What cAdvisor and podtop call the working set, from the v1 files: usage less inactive file pages. */
async function workingSetFromFiles(cgroup: string): Promise<number> {
	const usage = Number(await memoryFile(cgroup, 'memory.usage_in_bytes'));
	return Math.max(0, usage - (await statValue(cgroup, 'total_inactive_file')));
}

async function oomKillsFromFiles(cgroup: string): Promise<number> {
	const line = (await memoryFile(cgroup, 'memory.oom_control')).split('\n').find((candidate) => candidate.startsWith('oom_kill '));
	return Number(line!.split(' ')[1]);
}

/** Waits until Prometheus' answer to `promql` satisfies `ok`; the error shows the last answer. */
async function waitForQuery(prometheus: Prometheus, promql: string, ok: (samples: Awaited<ReturnType<Prometheus['query']>>) => boolean | Promise<boolean>, what: string) {
	let last: unknown = null;
	return waitFor(async () => {
		const samples = await prometheus.query(promql);
		last = samples;
		return (await ok(samples)) ? samples : null;
	}, 60_000, what).catch((error: unknown) => {
		throw new Error(`${String(error)}; ${promql} last gave ${JSON.stringify(last)}; prometheus log: ${prometheus.log()}`);
	});
}

/** Two processes sharing their own ipc and uts namespaces but the host's network: a hostNetwork pod. */
function createHostNetworkPod() {
	return buildRig(async (teardown) => {
		const name = `podtop-test-metrics-${randomBytes(4).toString('hex')}`;
		const cgroup = `/${name}`;
		teardown.defer(() => removeCgroupTree(cgroup));
		await createCgroup(cgroup);
		const pids: number[] = [];
		teardown.killOnCleanup(pids);
		const start = async (child: string, argv: string[], comm: string) => {
			await createCgroup(`${cgroup}/${child}`);
			const wrapper = spawnInCgroups(cgroupProcsFiles(`${cgroup}/${child}`), argv);
			const pid = await waitForChild(wrapper, comm);
			pids.push(pid);
			await stopChild(wrapper);
			return pid;
		};
		const infra = await start('infra', ['unshare', '--ipc', '--uts', '--pid', '--fork', '--mount-proc', 'catatonit', '-P'], 'catatonit');
		await start('app', ['nsenter', '-t', String(infra), '--ipc', '--uts', 'unshare', '--pid', '--fork', '--mount-proc', 'sleep', 'infinity'], 'sleep');
		return {name, cgroup};
	});
}

test('a real Prometheus scrapes podtop serve: working set and limits as the cgroup files say, an OOM kill counted with its victim and level, the readme\'s queries', {timeout: 240_000}, async (t) => {
	if (!requireRigs(t, 'unshare', 'climber')) return;
	if (!requireOrSkip(t, prometheusAvailable(), 'prometheus and promtool are not installed (Debian package prometheus)')) return;
	const rig = await withRig(t, () => createUnsharePod({apps: [{name: 'app1', memoryLimitBytes: 64 * MiB}, {name: 'app2'}]}));
	const hostNetworkPod = await withRig(t, () => createHostNetworkPod());
	const pod = rig.cgroup.slice(1);
	const app1 = `${rig.cgroup}/app1`;
	const app2 = `${rig.cgroup}/app2`;

	const podtop = await withRig(t, () => startPodtopServe(['--interval', '250']));
	const prometheus = await withRig(t, () => startPrometheus([podtop.address]));
	await waitForQuery(prometheus, 'up{job="podtop"} == 1', (samples) => samples.length === 1, 'the first scrape');

	// promtool accepts podtop's real output, with this rig in it.
	const text = await podtop.scrape();
	assert.ok(text.includes(`pod="${pod}"`));
	const check = spawnSync('promtool', ['check', 'metrics'], {input: text, encoding: 'utf8'});
	assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);

	// The limits, exactly as the files say.
	const ofApp = (container: string) => `{pod="${pod}",container="${container}"}`;
	const ownLimit = Number(await memoryFile(app1, 'memory.limit_in_bytes'));
	assert.equal(ownLimit, 64 * MiB);
	const limits = await waitForQuery(prometheus, `container_spec_memory_limit_bytes${ofApp('app1')}`, (samples) => samples.length === 1, 'app1\'s limit');
	assert.equal(limits[0].value, ownLimit);
	const effective = await waitForQuery(prometheus, `podtop_container_memory_effective_limit_bytes{pod="${pod}"}`, (samples) => samples.length === 3, 'the three effective limits');
	const byContainer = new Map(effective.map((sample) => [sample.metric.container, sample]));
	assert.deepEqual([byContainer.get('app1')!.value, byContainer.get('app1')!.metric.limit_cgroup, byContainer.get('app1')!.metric.level], [ownLimit, app1, 'container']);
	const podLimit = Number(await memoryFile(rig.cgroup, 'memory.limit_in_bytes'));
	assert.deepEqual([byContainer.get('app2')!.value, byContainer.get('app2')!.metric.limit_cgroup, byContainer.get('app2')!.metric.level], [podLimit, rig.cgroup, 'pod']);
	assert.equal(byContainer.get('infra')!.value, podLimit);

	// The working set: what Prometheus has equals what the files say (once a scrape has caught up with them).
	await waitForQuery(prometheus, `container_memory_working_set_bytes${ofApp('app2')}`, async (samples) => samples.length === 1 && samples[0].value === (await workingSetFromFiles(app2)), 'app2\'s working set to equal usage - total_inactive_file');

	// The climb to app1's limit and the OOM kill.
	const killsBefore = await oomKillsFromFiles(app1);
	await waitForQuery(prometheus, `container_oom_events_total${ofApp('app1')}`, (samples) => samples.length === 1 && samples[0].value === killsBefore, 'app1\'s OOM counter before');
	const climber = await withRig(t, () => startMemoryClimber({pid: rig.apps[0].pid}, {stepMiB: 8, everyMs: 300}));
	assert.deepEqual(await climber.exited, {code: null, signal: 'SIGKILL'}, 'the climber is OOM-killed');
	assert.equal(await oomKillsFromFiles(app1), killsBefore + 1);
	await waitForQuery(prometheus, `container_oom_events_total${ofApp('app1')}`, (samples) => samples.length === 1 && samples[0].value === killsBefore + 1, 'app1\'s OOM counter to rise by one');
	const kills = await waitForQuery(prometheus, `podtop_oom_kills_total{pod="${pod}"}`, (samples) => samples.length > 0, 'the OOM kill with its victim');
	assert.deepEqual(kills.map((sample) => [sample.metric.container, sample.metric.victim_comm, sample.metric.level, sample.value]), [['app1', climber.comm, 'container', 1]]);

	// The readme's queries. OOM kills in the last hour, by pod and level:
	const lastHour = await waitForQuery(prometheus, readmeQueries.oomKillsLastHour, (samples) => samples.some((sample) => sample.metric.pod === pod), 'the OOM kill in the last hour');
	assert.deepEqual(lastHour.filter((sample) => sample.metric.pod === pod).map((sample) => [sample.metric.level, sample.value]), [['container', 1]]);

	// Pods sharing the host's network: the hostNetwork pod, not the rig's.
	const hostNetwork = await waitForQuery(prometheus, readmeQueries.hostNetwork, (samples) => samples.some((sample) => sample.metric.pod === hostNetworkPod.name), 'the hostNetwork pod');
	assert.ok(!hostNetwork.some((sample) => sample.metric.pod === pod), 'the rig pod has a network namespace of its own');

	// Containers above 90 % of their effective limit: app2 once its own limit is set just above its usage.
	const usage = Number(await memoryFile(app2, 'memory.usage_in_bytes'));
	const tightLimit = Math.ceil(usage / 4096) * 4096 + 4096;
	await writeFile(join(cgroupRoot, 'memory', app2, 'memory.limit_in_bytes'), String(tightLimit));
	const near = await waitForQuery(prometheus, readmeQueries.nearLimit, async (samples) => {
		const ours = samples.filter((sample) => sample.metric.pod === pod);
		return ours.length === 1 && ours[0].metric.container === 'app2' && (await workingSetFromFiles(app2)) / tightLimit > 0.9;
	}, 'app2 above 90 % of its limit, and no other container of the pod');
	assert.equal(near.filter((sample) => sample.metric.pod === pod)[0].metric.level, 'container');
});
