import assert from 'node:assert/strict';
import {readdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {after, test} from 'node:test';
import {cgroupRoot, rigHierarchies} from './helpers/cgroups.js';
import {
	commandExists,
	hostReferencePid,
	isAlive,
	type NamespaceKind,
	type Namespaces,
	readCgroupPath,
	readNamespaces,
	run,
} from './helpers/processes.js';
import {isRoot} from './helpers/require.js';
import {
	cgroupDirsLeft,
	createNetPair,
	createPodmanPod,
	createRuncContainer,
	createUnsharePod,
	MiB,
	readMemoryLimit,
	requireRigs,
	type RigContainer,
	startMemoryClimber,
	startPopulation,
	withRig,
} from './helpers/rigs.js';

const podNamespaces: NamespaceKind[] = ['net', 'ipc', 'uts'];
const ownNamespaces: NamespaceKind[] = ['pid', 'mnt'];
const hostOnlyNamespaces: NamespaceKind[] = ['cgroup', 'user', 'time'];

async function readMemoryFile(cgroup: string, file: string): Promise<string> {
	return readFile(join(cgroupRoot, 'memory', cgroup, file), 'utf8');
}

function statField(text: string, key: string): number {
	const line = text.split('\n').find((candidate) => candidate.startsWith(`${key} `));
	assert.ok(line, `no ${key} in ${text}`);
	return Number(line.split(' ')[1]);
}

type HasNamespaces = {namespaces: Namespaces};

async function namespacesOf(pid: number): Promise<HasNamespaces> {
	return {namespaces: await readNamespaces(pid)};
}

function assertSame(a: HasNamespaces, b: HasNamespaces, kinds: NamespaceKind[]) {
	for (const kind of kinds) assert.equal(a.namespaces[kind], b.namespaces[kind], `${kind} namespace shared`);
}

function assertDifferent(a: HasNamespaces, b: HasNamespaces, kinds: NamespaceKind[]) {
	for (const kind of kinds) assert.notEqual(a.namespaces[kind], b.namespaces[kind], `${kind} namespace not shared`);
}

async function assertInCgroup(pid: number, cgroup: string, hierarchies: readonly string[] = rigHierarchies) {
	for (const hierarchy of hierarchies) assert.equal(await readCgroupPath(pid, hierarchy), cgroup, `${hierarchy} cgroup of ${pid}`);
}

async function assertAllDead(pids: number[]) {
	const alive = [];
	for (const pid of pids) if (await isAlive(pid)) alive.push(pid);
	assert.deepEqual(alive, [], 'processes left running');
}

async function procsOf(cgroup: string): Promise<number[]> {
	return (await readMemoryFile(cgroup, 'cgroup.procs')).split('\n').filter(Boolean).map(Number).sort((a, b) => a - b);
}

async function ourCgroupsLeft(): Promise<string[]> {
	const hierarchies = await readdir(cgroupRoot);
	const left = await Promise.all(hierarchies.map(async (hierarchy) =>
		(await readdir(join(cgroupRoot, hierarchy)).catch(() => [])).filter((name) => name.startsWith('podtop-test-'))));
	return left.flat();
}

after(async () => {
	if (!isRoot) return;
	assert.deepEqual(await ourCgroupsLeft(), [], 'podtop-test-* cgroups left behind');
	if (commandExists('podman')) {
		assert.doesNotMatch(await run('podman', ['pod', 'ps', '--format', '{{.Name}}']), /podtop-test-/, 'pods left behind');
	}
});

test('unshare pod: apps share net, ipc and uts with infra, own pid and mnt, own cgroups and limits', async (t) => {
	if (!requireRigs(t, 'unshare')) return;
	const pod = await withRig(t, () => createUnsharePod());
	const hostNs = await namespacesOf(hostReferencePid);
	const [app1, app2] = pod.apps;

	assert.deepEqual(pod.apps.map((app) => app.name), ['app1', 'app2']);
	assertDifferent(pod.infra, hostNs, [...podNamespaces, ...ownNamespaces]);
	assertSame(pod.infra, hostNs, hostOnlyNamespaces);
	for (const app of pod.apps) {
		assertSame(app, pod.infra, [...podNamespaces, ...hostOnlyNamespaces]);
		assertDifferent(app, pod.infra, ownNamespaces);
		assert.deepEqual(app.namespaces, await readNamespaces(app.pid));
	}
	assertDifferent(app1, app2, ownNamespaces);

	for (const container of [pod.infra, ...pod.apps]) {
		assert.equal(container.cgroup, `${pod.cgroup}/${container.name}`);
		await assertInCgroup(container.pid, container.cgroup);
		assert.deepEqual(await procsOf(container.cgroup), [container.pid], 'one process per container');
		assert.equal(container.wrapperPid, null);
		assert.equal((await run('nsenter', ['-t', String(container.pid), '--uts', 'hostname'])).trim(), pod.hostname);
	}
	assert.equal(await readMemoryLimit(pod.cgroup), 512 * MiB);
	assert.equal(pod.memoryLimitBytes, 512 * MiB);
	assert.equal(await readMemoryLimit(app1.cgroup), 64 * MiB);
	assert.equal(app1.memoryLimitBytes, 64 * MiB);
	assert.equal(await readMemoryLimit(app2.cgroup), null);
	assert.equal(statField(await readMemoryFile(app2.cgroup, 'memory.stat'), 'hierarchical_memory_limit'), 512 * MiB);

	await pod.cleanup();
	await pod.cleanup();
	assert.deepEqual(await cgroupDirsLeft(pod.cgroup), []);
	await assertAllDead([pod.infra, ...pod.apps].map((container) => container.pid));
});

test('unshare pod with options: kept wrappers share cgroup and mnt ns with their child, in the host pid ns', async (t) => {
	if (!requireRigs(t, 'unshare')) return;
	const apps = [{name: 'web'}, {name: 'db', memoryLimitBytes: 32 * MiB}, {name: 'cache'}];
	const pod = await withRig(t, () => createUnsharePod({apps, podMemoryLimitBytes: null, hostname: 'rig-pod', keepWrappers: true}));
	const hostNs = await namespacesOf(hostReferencePid);

	assert.equal(pod.hostname, 'rig-pod');
	assert.equal(await readMemoryLimit(pod.cgroup), null);
	assert.deepEqual(pod.apps.map((app) => [app.name, app.memoryLimitBytes]), [['web', null], ['db', 32 * MiB], ['cache', null]]);
	assert.equal(await readMemoryLimit(`${pod.cgroup}/db`), 32 * MiB);
	for (const container of [pod.infra, ...pod.apps]) {
		assert.ok(container.wrapperPid);
		const wrapper = await namespacesOf(container.wrapperPid);
		assert.deepEqual(await procsOf(container.cgroup), [container.wrapperPid, container.pid].sort((a, b) => a - b));
		assertSame(wrapper, container, ['mnt']);
		assertSame(wrapper, hostNs, ['pid']);
	}

	await pod.cleanup();
	assert.deepEqual(await cgroupDirsLeft(pod.cgroup), []);
	await assertAllDead([pod.infra, ...pod.apps].flatMap((container) => [container.pid, container.wrapperPid]).filter((pid) => pid !== null));
});

test('a failed creation undoes what it made', async (t) => {
	if (!requireRigs(t, 'unshare')) return;
	const before = await ourCgroupsLeft();
	// 4 KiB is less than any process needs: the app is OOM-killed before it runs sleep.
	await assert.rejects(createUnsharePod({apps: [{name: 'starved', memoryLimitBytes: 4096}]}), /exited/);
	assert.deepEqual(await ourCgroupsLeft(), before);
});

test('withRig cleans up when the test ends', async (t) => {
	if (!requireRigs(t, 'unshare')) return;
	let pair: RigContainer[] = [];
	let cgroup = '';
	await t.test('inner', async (inner) => {
		const rig = await withRig(inner, () => createNetPair());
		pair = [rig.owner, rig.joiner];
		cgroup = rig.cgroup;
	});
	assert.ok(cgroup);
	assert.deepEqual(await cgroupDirsLeft(cgroup), []);
	await assertAllDead(pair.map((container) => container.pid));
});

test('net pair: the joiner shares only the net namespace of the owner', async (t) => {
	if (!requireRigs(t, 'unshare')) return;
	const {owner, joiner, cgroup, cleanup} = await withRig(t, () => createNetPair());
	const hostNs = await namespacesOf(hostReferencePid);

	assertSame(joiner, owner, ['net', ...hostOnlyNamespaces]);
	assertDifferent(joiner, owner, ['ipc', 'uts', 'pid', 'mnt']);
	for (const container of [owner, joiner]) {
		assertDifferent(container, hostNs, ['net', 'ipc', 'uts', 'pid', 'mnt']);
		await assertInCgroup(container.pid, `${cgroup}/${container.name}`);
	}

	await cleanup();
	assert.deepEqual(await cgroupDirsLeft(cgroup), []);
	await assertAllDead([owner.pid, joiner.pid]);
});

test('memory climber: grows in a container until its 64 MiB limit OOM-kills it', async (t) => {
	if (!requireRigs(t, 'unshare', 'climber')) return;
	const pod = await withRig(t, () => createUnsharePod());
	const app1 = pod.apps[0];
	const started = performance.now();
	const climber = await withRig(t, () => startMemoryClimber(app1));

	assert.equal(climber.comm, 'busybox');
	await assertInCgroup(climber.pid, app1.cgroup);
	assertSame(await namespacesOf(climber.pid), app1, ['pid', 'mnt', 'net', 'ipc', 'uts']);
	assert.deepEqual(await climber.exited, {code: null, signal: 'SIGKILL'});
	t.diagnostic(`OOM-killed after ${Math.round(performance.now() - started)} ms`);

	assert.equal(statField(await readMemoryFile(app1.cgroup, 'memory.oom_control'), 'oom_kill'), 1);
	assert.ok(Number(await readMemoryFile(app1.cgroup, 'memory.failcnt')) > 0);
	assert.ok(Number(await readMemoryFile(app1.cgroup, 'memory.max_usage_in_bytes')) > 60 * MiB);
	assert.ok(await isAlive(app1.pid), 'the container outlives its OOM-killed process');
	await assertAllDead([climber.pid, climber.wrapperPid]);
});

test('podman pod: podman\'s ground truth matches the namespaces, cgroups and limits', async (t) => {
	if (!requireRigs(t, 'podman')) return;
	const started = performance.now();
	const pod = await withRig(t, () => createPodmanPod());
	t.diagnostic(`pod with 2 containers created in ${Math.round(performance.now() - started)} ms`);
	const [a, b] = pod.containers;

	assert.equal(pod.podInspect.Id, pod.id);
	assert.deepEqual([...pod.podInspect.SharedNamespaces].sort(), ['ipc', 'net', 'uts']);
	assert.equal(pod.cgroup, `/libpod_parent/${pod.id}`);
	assert.deepEqual(pod.podInspect.Containers.map((container) => container.Id).sort(), [pod.infra.id, a.id, b.id].sort());
	assert.deepEqual([a.name, b.name], [`${pod.name}-a`, `${pod.name}-b`]);
	for (const container of [pod.infra, a, b]) {
		assert.equal(Number(await run('podman', ['inspect', '-f', '{{.State.Pid}}', container.id])), container.pid);
		assert.equal(container.cgroup, `${pod.cgroup}/libpod-${container.id}`);
		await assertInCgroup(container.pid, container.cgroup, [...rigHierarchies, 'name=systemd', '']);
		await assertInCgroup(container.conmonPid, `${pod.cgroup}/conmon`);
	}
	for (const container of [a, b]) {
		assertSame(container, pod.infra, [...podNamespaces, ...hostOnlyNamespaces]);
		assertDifferent(container, pod.infra, ownNamespaces);
	}
	assert.equal(a.memoryLimitBytes, 64 * MiB);
	assert.equal(await readMemoryLimit(a.cgroup), 64 * MiB);
	assert.equal(b.memoryLimitBytes, null);
	assert.equal(await readMemoryLimit(b.cgroup), null);

	const climber = await withRig(t, () => startMemoryClimber(a));
	assert.deepEqual(await climber.exited, {code: null, signal: 'SIGKILL'});
	assert.ok(await isAlive(a.pid), 'the container outlives its OOM-killed process');

	const cleanupStarted = performance.now();
	await pod.cleanup();
	t.diagnostic(`pod removed in ${Math.round(performance.now() - cleanupStarted)} ms`);
	assert.deepEqual(await cgroupDirsLeft(pod.cgroup), []);
	assert.doesNotMatch(await run('podman', ['pod', 'ps', '--no-trunc', '--format', '{{.ID}}']), new RegExp(pod.id));
	await assertAllDead([pod.infra, a, b].flatMap((container) => [container.pid, container.conmonPid]));
});

test('runc containers: a Kubernetes cgroupfs layout, joined to a pause container', async (t) => {
	if (!requireRigs(t, 'runc')) return;
	const started = performance.now();
	const pause = await withRig(t, () => createRuncContainer({memoryLimitBytes: null}));
	const app = await withRig(t, () => createRuncContainer({podUid: pause.podUid, joinNamespacesOf: pause.pid}));
	const guaranteed = await withRig(t, () => createRuncContainer({qos: 'guaranteed'}));
	t.diagnostic(`3 containers created in ${Math.round(performance.now() - started)} ms`);

	const podCgroup = `/kubepods/burstable/pod${pause.podUid}`;
	assert.match(app.cgroup, new RegExp(`^${podCgroup}/[0-9a-f]{64}$`));
	assert.equal(app.cgroup, `${podCgroup}/${app.id}`);
	assert.equal(guaranteed.cgroup, `/kubepods/pod${guaranteed.podUid}/${guaranteed.id}`);
	for (const container of [pause, app, guaranteed]) {
		await assertInCgroup(container.pid, container.cgroup, [...rigHierarchies, 'name=systemd', '']);
		assert.equal(JSON.parse(await run('runc', ['state', container.id])).status, 'running');
	}
	assertSame(app, pause, [...podNamespaces, ...hostOnlyNamespaces]);
	assertDifferent(app, pause, ownNamespaces);
	assertDifferent(guaranteed, pause, [...podNamespaces, ...ownNamespaces]);
	assert.equal(await readMemoryLimit(app.cgroup), 64 * MiB);
	assert.equal(await readMemoryLimit(pause.cgroup), null);

	const climber = await withRig(t, () => startMemoryClimber(app));
	assert.deepEqual(await climber.exited, {code: null, signal: 'SIGKILL'});

	await app.cleanup();
	assert.deepEqual(await cgroupDirsLeft(app.cgroup), []);
	assert.notDeepEqual(await cgroupDirsLeft(podCgroup), [], 'the pod cgroup stays while the pause container runs');
	await Promise.all([pause.cleanup(), guaranteed.cleanup()]);
	for (const container of [pause, app, guaranteed]) {
		await assert.rejects(run('runc', ['state', container.id]), /does not exist/);
	}
	assert.deepEqual(await cgroupDirsLeft(podCgroup), []);
	assert.deepEqual(await cgroupDirsLeft(`/kubepods/pod${guaranteed.podUid}`), []);
	await assertAllDead([pause.pid, app.pid, guaranteed.pid]);
});

test('population: n sleepers, a tenth of them in groups with their own net, ipc and uts', async (t) => {
	if (!requireRigs(t, 'population')) return;
	const started = performance.now();
	const population = await withRig(t, () => startPopulation({size: 2000, kinds: ['plain'], cgroups: 0}));
	t.diagnostic(`2000 sleepers started in ${Math.round(performance.now() - started)} ms`);
	const hostNs = await namespacesOf(hostReferencePid);

	assert.equal(population.pids.length, 2000);
	assert.equal(new Set(population.pids).size, 2000);
	assert.equal(population.hostPids.length, 1800);
	assert.deepEqual(population.namespaceGroups.map((group) => group.pids.length), Array(40).fill(5));
	for (const pid of population.hostPids) assertSame(await namespacesOf(pid), hostNs, ['net', 'ipc', 'uts', 'pid']);
	const groupNets = new Set(population.namespaceGroups.map((group) => group.namespaces.net));
	assert.equal(groupNets.size, 40);
	for (const group of population.namespaceGroups) {
		assertDifferent(group, hostNs, podNamespaces);
		for (const pid of group.pids) assertSame(await namespacesOf(pid), group, [...podNamespaces, 'pid']);
	}

	const cleanupStarted = performance.now();
	await population.cleanup();
	t.diagnostic(`killed in ${Math.round(performance.now() - cleanupStarted)} ms`);
	await assertAllDead(population.pids);
});
