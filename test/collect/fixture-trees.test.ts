import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';
import {layoutFromDirectory} from '../../source/collect/cgroup-layout.js';
import {Collector, CollectorSetupError} from '../../source/collect/collector.js';
import {FileReader} from '../../source/collect/file-reader.js';
import {createMonitor} from '../../source/model/monitor.js';
import {parseRuntimeCgroupPath} from '../../source/model/runtime-path.js';
import type {HostDescription, PodModel} from '../../source/model/types.js';
import {hostNamespaces} from '../fixtures/models.js';
import {FixtureTree, v1MemoryFiles, v2MemoryFiles} from '../helpers/fixture-tree.js';
import {descriptorsOpenUnder} from '../helpers/processes.js';

const MiB = 1024 * 1024;
const id = (digit: string) => digit.repeat(64);

function modelOf(tree: FixtureTree): PodModel {
	const monitor = createMonitor(new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup}), {identify: parseRuntimeCgroupPath});
	monitor.refresh();
	const model = monitor.refresh();
	monitor.close();
	return model;
}

describe('pure cgroup v2: a Kubernetes pod on containerd with a pod-level limit', () => {
	const tree = new FixtureTree();
	after(() => tree.remove());
	const podSlice = '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234abcd_0000_4000_8000_000000000001.slice';
	const scope = (digit: string) => `${podSlice}/cri-containerd-${id(digit)}.scope`;
	tree.v2Root();
	tree.cgroupFiles('/kubepods.slice', v2MemoryFiles(300 * MiB, 'max'));
	tree.cgroupFiles('/kubepods.slice/kubepods-burstable.slice', v2MemoryFiles(200 * MiB, 'max'));
	tree.cgroupFiles(podSlice, v2MemoryFiles(100 * MiB, 512 * MiB, {'cpu.max': '150000 100000\n', 'pids.max': '1024\n'}));
	tree.cgroupFiles(scope('a'), v2MemoryFiles(1 * MiB, 'max'));
	tree.cgroupFiles(
		scope('b'),
		v2MemoryFiles(60 * MiB, 64 * MiB, {
			'memory.events': 'low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\noom_group_kill 0\n',
			'cpu.stat': 'usage_usec 5000\nuser_usec 3000\nsystem_usec 2000\nnr_periods 40\nnr_throttled 12\nthrottled_usec 3456\n',
			'cpu.max': '50000 100000\n',
			'memory.pressure': 'some avg10=1.50 avg60=0.25 avg300=0.00 total=12345\nfull avg10=0.50 avg60=0.00 avg300=0.00 total=678\n',
		}),
	);
	tree.cgroupFiles(scope('c'), v2MemoryFiles(20 * MiB, 'max'));
	tree.cgroupFiles('/system.slice/ssh.service', v2MemoryFiles(5 * MiB, 'max'));
	// PID 1's namespace links are unreadable here, as on some sandboxes: kthreadd is the reference.
	tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '0::/\n', kernelThread: true});
	tree.addProcess({pid: 40, comm: 'sshd', cmdline: ['/usr/sbin/sshd', '-D'], cgroup: '0::/system.slice/ssh.service\n'});
	const podNamespaces = {net: 4026532100, ipc: 4026532101, uts: 4026532102};
	tree.addProcess({pid: 100, comm: 'pause', cmdline: ['/pause'], cgroup: `0::${scope('a')}\n`, namespaces: {...podNamespaces, pid: 4026532103, mnt: 4026532104}});
	tree.addProcess({pid: 200, comm: 'nginx', cmdline: ['nginx', '-g', 'daemon off;'], cgroup: `0::${scope('b')}\n`, namespaces: {...podNamespaces, pid: 4026532203, mnt: 4026532204}});
	tree.addProcess({pid: 201, ppid: 200, comm: 'nginx', cmdline: ['nginx: worker process'], cgroup: `0::${scope('b')}\n`, namespaces: {...podNamespaces, pid: 4026532203, mnt: 4026532204}});
	tree.addProcess({pid: 300, comm: 'curl (sidecar)', cmdline: ['sh', '-c', 'while :; do curl localhost; done'], cgroup: `0::${scope('c')}\n`, namespaces: {...podNamespaces, pid: 4026532303, mnt: 4026532304}});
	const model = modelOf(tree);

	test('detects pure v2 and takes the host namespaces from kthreadd', () => {
		assert.equal(model.host.cgroupMode, 'v2');
		assert.equal(model.hostNamespaceSource, '/proc/2');
		assert.equal(model.hostNamespaces.net, hostNamespaces.net);
		assert.equal(model.host.hostname, 'fixture-node');
		assert.equal(model.host.cpus, 2);
	});

	test('one pod of three containers, the pause container as infra, sharing net, ipc and uts', () => {
		assert.equal(model.pods.length, 1);
		const [pod] = model.pods;
		assert.equal(pod.id, podSlice);
		assert.equal(pod.cgroup, podSlice);
		assert.deepEqual(
			pod.containers.map((container) => [container.cgroup, container.infra, container.processes.map((process) => process.pid)]),
			[
				[scope('a'), true, [100]],
				[scope('b'), false, [200, 201]],
				[scope('c'), false, [300]],
			],
		);
		assert.equal(pod.infraContainerId, scope('a'));
		assert.deepEqual(pod.shared, {net: true, ipc: true, uts: true, pid: false});
		assert.deepEqual(pod.hostShared, ['user', 'cgroup', 'time']);
		assert.deepEqual(
			model.hostProcesses.map((process) => process.pid),
			[2, 40],
		);
		assert.equal(pod.containers[2].processes[0].comm, 'curl (sidecar)');
	});

	test('limits: own, effective from the pod slice, and the pod gauge', () => {
		const [pod] = model.pods;
		const [pause, app, sidecar] = pod.containers;
		assert.equal(app.gauges.memory.current, 60 * MiB);
		assert.equal(app.gauges.memory.max, 64 * MiB);
		assert.equal(app.gauges.memory.effectiveMax, 64 * MiB);
		assert.equal(app.gauges.memory.workingSet, 60 * MiB - 15 * MiB);
		assert.deepEqual(app.gauges.memory.events, {max: 7, oom: 1, oomKill: 1, oomGroupKill: 0, high: 0});
		assert.equal(app.gauges.memory.pressure?.someAvg10, 1.5);
		assert.equal(app.gauges.cpu.quotaCores, 0.5);
		assert.equal(app.gauges.cpu.nrThrottled, 12);
		assert.equal(app.gauges.cpu.throttledUsec, 3456);
		assert.equal(app.gauges.cpu.throttledNow, false, 'throttled long ago, not between these two samples');
		assert.equal(sidecar.gauges.memory.max, null);
		assert.equal(sidecar.gauges.memory.effectiveMax, 512 * MiB);
		assert.equal(sidecar.gauges.memory.effectiveMaxCgroup, podSlice);
		assert.equal(sidecar.gauges.cpu.quotaCores, 1.5);
		assert.equal(pause.gauges.pids.max, 1024);
		assert.equal(pod.gauges?.memory.max, 512 * MiB);
		assert.equal(pod.gauges?.memory.current, 100 * MiB);
	});
});

test('throttling is marked only while periods are being throttled', () => {
	const tree = new FixtureTree();
	try {
		tree.write('cgroup/cgroup.controllers', 'cpu memory pids\n');
		tree.write('cgroup/cgroup.procs', '');
		const cpuStat = (throttled: number) => `usage_usec 1000\nuser_usec 600\nsystem_usec 400\nnr_periods 50\nnr_throttled ${throttled}\nthrottled_usec 0\n`;
		tree.cgroupFiles(`/docker/${id('a')}`, v2MemoryFiles(MiB, 'max', {'cpu.stat': cpuStat(3)}));
		tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '0::/\n', kernelThread: true});
		tree.addProcess({pid: 9, comm: 'busy', cgroup: `0::/docker/${id('a')}\n`, namespaces: {pid: 4026532001}});
		const monitor = createMonitor(new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup}), {identify: parseRuntimeCgroupPath});
		const throttledNow = () => monitor.refresh().pods[0].containers[0].gauges.cpu.throttledNow;
		assert.equal(throttledNow(), null, 'unknown from one sample');
		assert.equal(throttledNow(), false);
		tree.cgroupFiles(`/docker/${id('a')}`, {'cpu.stat': cpuStat(9)});
		assert.equal(throttledNow(), true);
		assert.equal(throttledNow(), false);
		monitor.close();
	} finally {
		tree.remove();
	}
});

test('a namespace change right after start or exec (setns, as nsenter does) is seen on the next scans', () => {
	const tree = new FixtureTree();
	try {
		tree.write('cgroup/cgroup.controllers', 'memory\n');
		tree.write('cgroup/cgroup.procs', '');
		tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '0::/\n', kernelThread: true});
		// Started 2 s before podtop (the fixture's uptime is 1234 s).
		tree.addProcess({pid: 7, comm: 'nsenter', cgroup: '0::/rig/app\n', starttime: 123_200});
		// Enough others that the round-robin re-check of a few processes per scan would not get to pid 7.
		for (let pid = 100; pid < 200; pid++) tree.addProcess({pid, comm: 'sleep', cgroup: '0::/\n'});
		const monitor = createMonitor(new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup}), {identify: parseRuntimeCgroupPath});
		assert.equal(monitor.refresh().pods.length, 0, 'still in the host namespaces');
		fs.rmSync(path.join(tree.proc, '7', 'ns', 'net'));
		fs.symlinkSync('net:[4026532777]', path.join(tree.proc, '7', 'ns', 'net'));
		const pods = monitor.refresh().pods;
		assert.equal(pods.length, 1);
		assert.equal(pods[0].id, 'pod-net-4026532777');
		monitor.close();
	} finally {
		tree.remove();
	}
});

test('a zombie, which keeps only its pid and user namespace links and reads as in the root cgroups, stays in its parent\'s container', () => {
	const tree = new FixtureTree();
	try {
		tree.write('cgroup/memory/cgroup.procs', '');
		tree.cgroupFiles('memory/pod/app', v1MemoryFiles(4 * MiB, 64 * MiB));
		tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '9:memory:/\n', kernelThread: true});
		const app = {net: 4026532500, ipc: 4026532501, uts: 4026532502, pid: 4026532503, mnt: 4026532504};
		tree.addProcess({pid: 30, comm: 'sleep', cgroup: '9:memory:/pod/app\n', namespaces: app});
		tree.addProcess({pid: 31, ppid: 30, comm: 'awk', cgroup: '9:memory:/\n', namespaces: {pid: app.pid}});
		const statPath = path.join(tree.proc, '31', 'stat');
		fs.writeFileSync(statPath, fs.readFileSync(statPath, 'utf8').replace(') S ', ') Z '));
		for (const type of ['cgroup', 'ipc', 'mnt', 'net', 'pid_for_children', 'time', 'uts']) fs.rmSync(path.join(tree.proc, '31', 'ns', type));
		const model = modelOf(tree);
		assert.equal(model.pods.length, 1);
		assert.deepEqual(
			model.pods[0].containers.map((container) => [container.cgroup, container.processes.map((process) => [process.pid, process.state])]),
			[['/pod/app', [[30, 'S'], [31, 'Z']]]],
		);
	} finally {
		tree.remove();
	}
});

test('a process that exits keeps the cgroups and namespaces read while it lived (on v1 it reads as in the root cgroups: seen in tmux, the pod lost its name for a refresh at an OOM kill)', () => {
	const tree = new FixtureTree();
	try {
		tree.write('cgroup/memory/cgroup.procs', '');
		for (const container of ['infra', 'app']) tree.cgroupFiles(`memory/pod/${container}`, v1MemoryFiles(4 * MiB, 64 * MiB));
		tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '9:memory:/\n', kernelThread: true});
		const pod = {net: 4026532500, ipc: 4026532501, uts: 4026532502};
		tree.addProcess({pid: 10, comm: 'node', cgroup: '9:memory:/\n'});
		tree.addProcess({pid: 20, comm: 'pause', cgroup: '9:memory:/pod/infra\n', namespaces: {...pod, pid: 4026532503, mnt: 4026532504}});
		tree.addProcess({pid: 30, comm: 'sleep', cgroup: '9:memory:/pod/app\n', namespaces: {...pod, pid: 4026532505, mnt: 4026532506}});
		// An nsenter: the container's namespaces but the host's pid namespace, a child of a host process.
		tree.addProcess({pid: 31, ppid: 10, comm: 'nsenter', cgroup: '9:memory:/pod/app\n', namespaces: {...pod, mnt: 4026532506}});
		const monitor = createMonitor(new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup}), {identify: parseRuntimeCgroupPath});
		const shape = (model: PodModel) =>
			model.pods.map((each) => [each.name, each.containers.map((container) => [container.name, container.processes.map((process) => `${process.pid} ${process.state}`)])]);
		assert.deepEqual(shape(monitor.refresh()), [['pod', [['infra', ['20 S']], ['app', ['30 S', '31 S']]]]]);
		const statPath = path.join(tree.proc, '31', 'stat');
		const statOf = (state: string, flags: number) => fs.readFileSync(statPath, 'utf8').replace(/\) \w ((?:\d+ ){5})\d+ /, `) ${state} $1${flags} `);
		// It starts to exit (PF_EXITING, still running) and reads as in the root cgroups; then it is a zombie.
		fs.writeFileSync(statPath, statOf('R', 0x4));
		tree.write('proc/31/cgroup', '9:memory:/\n');
		assert.deepEqual(shape(monitor.refresh()), [['pod', [['infra', ['20 S']], ['app', ['30 S', '31 R']]]]], 'the pod keeps its cgroup and name');
		fs.writeFileSync(statPath, statOf('Z', 0x4));
		for (const type of ['cgroup', 'ipc', 'mnt', 'net', 'pid_for_children', 'time', 'uts']) fs.rmSync(path.join(tree.proc, '31', 'ns', type));
		for (let refresh = 0; refresh < 12; refresh++) {
			assert.deepEqual(shape(monitor.refresh()), [['pod', [['infra', ['20 S']], ['app', ['30 S', '31 Z']]]]], 'rechecks and the round robin leave it be');
		}
		monitor.close();
	} finally {
		tree.remove();
	}
});

test('a process found while it exits, not yet a zombie, is not shown (where it reads as is not where it ran)', () => {
	const tree = new FixtureTree();
	try {
		tree.write('cgroup/memory/cgroup.procs', '');
		tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '9:memory:/\n', kernelThread: true});
		tree.addProcess({pid: 40, comm: 'probe', cgroup: '9:memory:/\n', namespaces: {net: 4026532600}});
		const statPath = path.join(tree.proc, '40', 'stat');
		fs.writeFileSync(statPath, fs.readFileSync(statPath, 'utf8').replace(/\) S ((?:\d+ ){5})0 /, ') R $14 '));
		const model = modelOf(tree);
		assert.deepEqual(model.pods, []);
		assert.ok(!model.hostProcesses.some((process) => process.pid === 40));
	} finally {
		tree.remove();
	}
});

test('a kernel thread renaming itself is not a change of structure (no re-inference)', () => {
	const tree = new FixtureTree();
	try {
		tree.write('cgroup/cgroup.controllers', 'memory\n');
		tree.write('cgroup/cgroup.procs', '');
		tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '0::/\n', kernelThread: true});
		tree.addProcess({pid: 9, ppid: 2, comm: 'kworker/0:1-events', cgroup: '0::/\n', kernelThread: true});
		tree.addProcess({pid: 10, comm: 'sh', cgroup: '0::/\n'});
		const collector = new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup});
		const first = collector.sample().structureVersion;
		const rename = (pid: number, from: string, to: string) => {
			const statPath = path.join(tree.proc, String(pid), 'stat');
			fs.writeFileSync(statPath, fs.readFileSync(statPath, 'utf8').replace(`(${from})`, `(${to})`));
		};
		rename(9, 'kworker/0:1-events', 'kworker/0:1-mm_percpu_wq');
		const renamed = collector.sample();
		assert.equal(renamed.structureVersion, first);
		assert.equal(renamed.processes.find((process) => process.pid === 9)?.comm, 'kworker/0:1-mm_percpu_wq');
		rename(10, 'sh', 'sleep');
		assert.notEqual(collector.sample().structureVersion, first, 'an exec in a user process is');
		collector.close();
	} finally {
		tree.remove();
	}
});

describe('cgroup v1: Docker containers paired with --net=container', () => {
	const tree = new FixtureTree();
	after(() => tree.remove());
	for (const hierarchy of ['memory', 'cpu,cpuacct', 'pids']) tree.write(`cgroup/${hierarchy}/cgroup.procs`, '');
	const cgroupLines = (cgroupPath: string) => `12:pids:${cgroupPath}\n4:memory:${cgroupPath}\n3:cpu,cpuacct:${cgroupPath}\n1:name=systemd:${cgroupPath}\n`;
	tree.cgroupFiles('memory/docker', v1MemoryFiles(90 * MiB, null));
	tree.cgroupFiles(`memory/docker/${id('d')}`, v1MemoryFiles(30 * MiB, 128 * MiB));
	tree.cgroupFiles(`memory/docker/${id('e')}`, v1MemoryFiles(10 * MiB, null, 96 * MiB));
	tree.cgroupFiles(`cpu,cpuacct/docker/${id('d')}`, {
		'cpuacct.usage': '2000000000\n',
		'cpu.cfs_quota_us': '-1\n',
		'cpu.cfs_period_us': '100000\n',
		'cpu.stat': 'nr_periods 0\nnr_throttled 0\nthrottled_time 0\n',
	});
	tree.cgroupFiles(`cpu,cpuacct/docker/${id('e')}`, {
		'cpuacct.usage': '1000000\n',
		'cpu.cfs_quota_us': '25000\n',
		'cpu.cfs_period_us': '100000\n',
		'cpu.stat': 'nr_periods 10\nnr_throttled 3\nthrottled_time 5000000\n',
	});
	tree.cgroupFiles(`pids/docker/${id('d')}`, {'pids.current': '3\n', 'pids.max': 'max\n'});
	tree.cgroupFiles(`pids/docker/${id('e')}`, {'pids.current': '1\n', 'pids.max': '100\n'});
	tree.addProcess({pid: 1, ppid: 0, comm: 'systemd', cgroup: cgroupLines('/init.scope')});
	tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: cgroupLines('/'), kernelThread: true});
	tree.addProcess({pid: 500, comm: 'redis-server', cgroup: cgroupLines(`/docker/${id('d')}`), namespaces: {net: 4026532500, pid: 4026532501, mnt: 4026532502, uts: 4026532503, ipc: 4026532504}});
	tree.addProcess({pid: 600, comm: 'redis-cli', cgroup: cgroupLines(`/docker/${id('e')}`), namespaces: {net: 4026532500, pid: 4026532601, mnt: 4026532602, uts: 4026532603, ipc: 4026532604}});
	tree.addProcess({pid: 700, comm: 'bash', cgroup: cgroupLines('/user.slice')});
	const model = modelOf(tree);

	test('detects v1 and takes the host namespaces from PID 1', () => {
		assert.equal(model.host.cgroupMode, 'v1');
		assert.equal(model.hostNamespaceSource, '/proc/1');
	});

	test('a pod of two containers joined by the network namespace alone, with no infra', () => {
		assert.equal(model.pods.length, 1);
		const [pod] = model.pods;
		assert.equal(pod.infraContainerId, null);
		assert.deepEqual(pod.shared, {net: true, ipc: false, uts: false, pid: false});
		assert.equal(pod.cgroup, null, 'the common parent /docker holds every docker container: not this pod\'s own');
		assert.equal(pod.id, 'pod-net-4026532500');
		assert.deepEqual(
			pod.containers.map((container) => container.name),
			[id('d').slice(0, 12), id('e').slice(0, 12)],
		);
	});

	test('v1 limits, the hierarchical limit, cpu quota and throttling from the cpu,cpuacct hierarchy', () => {
		const [redis, cli] = model.pods[0].containers;
		assert.equal(redis.gauges.memory.max, 128 * MiB);
		assert.equal(redis.gauges.memory.effectiveMax, 128 * MiB);
		assert.equal(redis.gauges.memory.workingSet, 30 * MiB - 1024);
		assert.equal(redis.gauges.cpu.usageUsec, 2_000_000);
		assert.equal(redis.gauges.cpu.quotaCores, null);
		assert.equal(redis.gauges.pids.current, 3);
		assert.equal(redis.gauges.pids.max, null);
		assert.equal(cli.gauges.memory.max, null);
		assert.equal(cli.gauges.memory.effectiveMax, 96 * MiB, 'memory.stat hierarchical_memory_limit');
		assert.equal(cli.gauges.cpu.quotaCores, 0.25);
		assert.equal(cli.gauges.cpu.nrThrottled, 3);
		assert.equal(cli.gauges.cpu.throttledUsec, 5000);
		assert.equal(cli.gauges.pids.max, 100);
	});
});

describe('hybrid: memory in v1, an empty cgroup2 beside it', () => {
	const tree = new FixtureTree();
	after(() => tree.remove());
	tree.write('cgroup/memory/cgroup.procs', '');
	tree.write('cgroup/unified/cgroup.controllers', '');
	tree.write('cgroup/unified/cgroup.procs', '');
	tree.cgroupFiles('memory/rig/app', v1MemoryFiles(8 * MiB, 64 * MiB));
	tree.cgroupFiles('memory/rig/app', {'memory.limit_in_bytes': 'garbage\n', 'memory.failcnt': ''});
	tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '4:memory:/\n0::/\n', kernelThread: true});
	tree.addProcess({pid: 10, comm: 'shell', cgroup: '4:memory:/session\n0::/\n'});
	tree.addProcess({pid: 11, comm: 'private-tmp', cgroup: '4:memory:/session\n0::/\n', namespaces: {mnt: 4026532900}});
	tree.addProcess({pid: 20, comm: 'sleep', cgroup: '4:memory:/rig/app\n0::/\n', namespaces: {pid: 4026532901, mnt: 4026532902}});
	const model = modelOf(tree);

	test('detects hybrid although every process has a 0:: line', () => {
		assert.equal(model.host.cgroupMode, 'hybrid');
	});

	test('a process in its own pid namespace is a pod of one container; a private mount namespace alone is not', () => {
		assert.equal(model.pods.length, 1);
		assert.deepEqual(
			model.pods[0].containers.map((container) => [container.cgroup, container.processes.map((process) => process.pid)]),
			[['/rig/app', [20]]],
		);
		assert.deepEqual(
			model.hostProcesses.map((process) => process.pid),
			[2, 10, 11],
		);
	});

	test('garbage and empty counter files read as unknown, never as 0', () => {
		const gauges = model.pods[0].containers[0].gauges;
		assert.equal(gauges.memory.current, 8 * MiB);
		assert.equal(gauges.memory.max, null);
		assert.equal(gauges.memory.failcnt, null);
		assert.equal(gauges.cpu.usageUsec, null, 'no cpu hierarchy in this tree');
		assert.equal(gauges.pids.current, null);
	});
});

/** A FileReader that runs `onFirstProcessRead` once, at the first read of a process's file after a cgroup file's. */
class BetweenReads extends FileReader {
	onFirstProcessRead: (() => void) | null = null;
	private readonly paths = new Map<number, string>();
	private sawCgroupRead = false;

	constructor(
		private readonly tree: FixtureTree,
	) {
		super(tree.proc);
	}

	override keep(filePath: string | Buffer): number {
		const descriptor = super.keep(filePath);
		if (descriptor >= 0) this.paths.set(descriptor, String(filePath));
		return descriptor;
	}

	override readKept(descriptor: number, limit?: number): number {
		this.noteRead(this.paths.get(descriptor) ?? '');
		return super.readKept(descriptor, limit);
	}

	override readPath(filePath: string | Buffer, limit?: number): number {
		this.noteRead(String(filePath));
		return super.readPath(filePath, limit);
	}

	private noteRead(filePath: string): void {
		if (filePath.startsWith(this.tree.cgroup)) this.sawCgroupRead = true;
		else if (this.sawCgroupRead && this.onFirstProcessRead && /\/proc\/\d+\//.test(filePath)) {
			const action = this.onFirstProcessRead;
			this.onFirstProcessRead = null;
			action();
		}
	}
}

// The cgroups are read before the processes (a process in a cgroup where nothing ran need not be read): a kill
// between the two reads would show its victim gone and its counters not yet moved, and the events would name
// another process of the container that went after it.
test('an OOM kill between the cgroup read and the scan is counted in the sample that finds its victim dead', (t) => {
	const tree = new FixtureTree();
	t.after(() => tree.remove());
	for (const hierarchy of ['memory', 'cpu,cpuacct']) tree.write(`cgroup/${hierarchy}/cgroup.procs`, '');
	for (const cgroupPath of ['/pod', '/pod/app']) {
		for (const [name, content] of Object.entries(v1MemoryFiles(40 * MiB, 64 * MiB))) tree.write(`cgroup/memory${cgroupPath}/${name}`, content);
		tree.write(`cgroup/cpu,cpuacct${cgroupPath}/cpuacct.usage`, '5000000\n');
	}
	const cgroup = '4:memory:/pod/app\n3:cpu,cpuacct:/pod/app\n';
	tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '4:memory:/\n3:cpu,cpuacct:/\n', kernelThread: true});
	tree.addProcess({pid: 100, comm: 'shell', cgroup, rssPages: 100});
	tree.addProcess({pid: 101, ppid: 100, comm: 'climber', cgroup, rssPages: 10_000});
	const reader = new BetweenReads(tree);
	const collector = new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup, root: null, reader});
	t.after(() => collector.close());
	for (let count = 0; count < 3; count++) collector.sample();
	reader.onFirstProcessRead = () => {
		for (const cgroupPath of ['pod', 'pod/app']) {
			tree.write(`cgroup/memory/${cgroupPath}/memory.failcnt`, '7\n');
			tree.write(`cgroup/memory/${cgroupPath}/memory.oom_control`, 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
			tree.write(`cgroup/cpu,cpuacct/${cgroupPath}/cpuacct.usage`, '6000000\n');
		}
		// Killed, not yet reaped by its parent: a zombie (a fixture cannot make a kept descriptor fail, as a
		// process reaped would).
		const statPath = `${tree.proc}/101/stat`;
		fs.writeFileSync(statPath, fs.readFileSync(statPath, 'utf8').replace('(climber) S', '(climber) Z'));
	};
	const snapshot = collector.sample();
	assert.equal(reader.onFirstProcessRead, null, 'the kill happened during the sample');
	assert.equal(snapshot.processes.find((process) => process.pid === 101)?.state, 'Z', 'the climber is a zombie');
	assert.deepEqual(['/pod', '/pod/app'].map((cgroupPath) => snapshot.cgroups.get(cgroupPath)?.memory.events.oomKill), [1, 1], 'and its kill counted, the pod\'s and the container\'s');
});

describe('the collector\'s setup', () => {
	/** A pure v2 tree with one process in /app. */
	function v2Tree(): FixtureTree {
		const tree = new FixtureTree();
		tree.v2Root();
		tree.cgroupFiles('/app', v2MemoryFiles(10 * MiB, 'max'));
		tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '0::/\n', kernelThread: true});
		tree.addProcess({pid: 10, comm: 'app', cgroup: '0::/app\n'});
		return tree;
	}

	test('a directory that is not a procfs is refused: it needs a numbered directory with a stat file', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		const notProc = path.join(tree.root, 'not-proc');
		for (const entry of ['12/cmdline', 'self/stat', '1a/stat', 'a1/stat']) tree.write(`not-proc/${entry}`, '');
		const refused = (procRoot: string) => assert.throws(() => new Collector({procRoot, cgroupRoot: tree.cgroup, root: null}), (error: unknown) => error instanceof CollectorSetupError && error.message === `${procRoot} is not a procfs (no process directories with a stat file)`);
		refused(notProc);
		refused(path.join(tree.root, 'nothing-here'));
		tree.write('not-proc/12/stat', '12 (sh) S 1 0 0 0 0 0 0 0 0 0 10 5 0 0 20 0 1 0 112 1000 100 0 0 0\n');
		new Collector({procRoot: notProc, cgroupRoot: tree.cgroup, root: null}).close();
	});

	test('a cgroup root that does not exist is refused', (t) => {
		const tree = v2Tree();
		t.after(() => tree.remove());
		const cgroupRoot = path.join(tree.root, 'no-cgroup');
		assert.throws(() => new Collector({procRoot: tree.proc, cgroupRoot, root: null}), (error: unknown) => error instanceof CollectorSetupError && error.message === `${cgroupRoot} does not exist`);
	});

	test('with no cgroup root given, the layout is the cgroup mounts the procfs\'s mountinfo lists, else /sys/fs/cgroup\'s', (t) => {
		const tree = v2Tree();
		t.after(() => tree.remove());
		const layoutWith = (mountinfo: string | null) => {
			if (mountinfo === null) fs.rmSync(path.join(tree.proc, 'self'), {recursive: true, force: true});
			else tree.write('proc/self/mountinfo', mountinfo);
			const collector = new Collector({procRoot: tree.proc, cgroupRoot: null, root: null});
			collector.close();
			return collector.layout;
		};
		assert.deepEqual(layoutWith(`22 1 0:21 / /proc rw - proc proc rw\n41 31 0:38 / ${tree.cgroup} rw,relatime - cgroup2 cgroup2 rw\n`), layoutFromDirectory(tree.cgroup));
		const machine = layoutFromDirectory('/sys/fs/cgroup');
		assert.deepEqual(layoutWith('22 1 0:21 / /proc rw - proc proc rw\n'), machine, 'no cgroup mount listed');
		assert.deepEqual(layoutWith(null), machine, 'no mountinfo');
	});

	test('a cgroup root that holds no cgroup tree: no cgroups read, said so; a re-read of a cgroup reads nothing', (t) => {
		const tree = v2Tree();
		t.after(() => tree.remove());
		const empty = path.join(tree.root, 'empty');
		fs.mkdirSync(empty);
		const collector = new Collector({procRoot: tree.proc, cgroupRoot: empty, root: null});
		t.after(() => collector.close());
		const snapshot = collector.sample();
		assert.equal(collector.layout, null);
		assert.equal(snapshot.host.cgroupMode, 'v2');
		assert.equal(snapshot.problems.noCgroupfs, true);
		assert.equal(snapshot.cgroups.size, 0);
		assert.equal(collector.readCgroupNow('/app'), false);
		assert.equal(snapshot.problems.fdBudgetExhausted, false);
		for (const euid of [0, 1000]) {
			t.mock.method(process as {geteuid: () => number}, 'geteuid', () => euid);
			assert.equal(collector.sample().problems.runningAsRoot, euid === 0, String(euid));
		}
		const withCgroups = new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup, root: null});
		t.after(() => withCgroups.close());
		assert.equal(withCgroups.sample().problems.noCgroupfs, false);
		assert.equal(withCgroups.readCgroupNow('/app'), true);
	});

	test('close gives back every descriptor kept open on the procfs and the cgroups', (t) => {
		const tree = v2Tree();
		t.after(() => tree.remove());
		const openOnTree = () => descriptorsOpenUnder(tree.root);
		const collector = new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup, root: tree.root});
		for (let count = 0; count < 3; count++) collector.sample();
		assert.ok(openOnTree() > 0);
		collector.close();
		assert.equal(openOnTree(), 0);
	});

	test('the host\'s description, once given, is in every snapshot after', (t) => {
		const tree = v2Tree();
		t.after(() => tree.remove());
		const collector = new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup, root: null});
		t.after(() => collector.close());
		assert.equal(collector.sample().host.description, undefined);
		const description: HostDescription = {distribution: 'Fixture Linux 1', cpuModel: 'Fixture CPU', virtualization: null};
		collector.describeHost(description);
		assert.deepEqual([collector.sample().host.description, collector.sample().host.description], [description, description]);
		assert.equal(collector.host.hostname, 'fixture-node', 'the rest of the facts kept');
	});

	test('with no root given, names and the kubelet config are looked for under /, not under the working directory', (t) => {
		const tree = v2Tree();
		t.after(() => tree.remove());
		tree.write('var/lib/kubelet/config.yaml', 'kind: KubeletConfiguration\nevictionHard:\n  memory.available: 1Gi\n');
		const cwd = process.cwd();
		process.chdir(tree.root);
		t.after(() => process.chdir(cwd));
		const collector = new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup});
		t.after(() => collector.close());
		const snapshot = collector.sample();
		assert.ok(snapshot.facts, 'container names are looked for');
		assert.equal(snapshot.nodeMemory?.threshold.file === '/var/lib/kubelet/config.yaml' && snapshot.nodeMemory.threshold.bytes === 1024 * MiB, false, 'not the working directory\'s config');
		const rooted = new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup, root: tree.root});
		t.after(() => rooted.close());
		assert.equal(rooted.sample().nodeMemory?.threshold.bytes, 1024 * MiB, 'the config under the root given');
		const none = new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup, root: null});
		t.after(() => none.close());
		assert.equal(none.sample().facts, undefined, 'root null: no names looked for');
	});
});

test('the first sample without command lines when asked, the second with them; RSS in the procfs\'s own page size', (t) => {
	const tree = new FixtureTree();
	t.after(() => tree.remove());
	tree.v2Root();
	tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '0::/\n', kernelThread: true});
	tree.addProcess({pid: 10, comm: 'app', cmdline: ['app', '--serve'], cgroup: '0::/\n', rssPages: 10});
	// The reader's own RSS, 1600 kB in 100 pages: pages of 16 KiB, as on some arm64 kernels.
	tree.write('proc/self/status', 'Name:\tpodtop\nVmRSS:\t    1600 kB\n');
	tree.write('proc/self/stat', `99 (podtop) S ${Array.from({length: 21}, (_, index) => (index === 20 ? 100 : 0)).join(' ')} 0 0\n`);
	const sampleOf = (collector: Collector) => {
		const app = collector.sample().processes.find((process) => process.pid === 10);
		return [app?.cmdline, app?.rssBytes];
	};
	const deferring = new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup, root: null, deferFirstCmdlines: true});
	t.after(() => deferring.close());
	assert.deepEqual([sampleOf(deferring), sampleOf(deferring)], [['', 10 * 16_384], ['app --serve', 10 * 16_384]]);
	const collector = new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup, root: null});
	t.after(() => collector.close());
	assert.deepEqual(sampleOf(collector), ['app --serve', 10 * 16_384]);
});

test('a process in a cgroup where no task ran between its reads before the last scan and this one is not read again', (t) => {
	const tree = new FixtureTree();
	t.after(() => tree.remove());
	tree.v2Root();
	tree.cgroupFiles('/app', v2MemoryFiles(10 * MiB, 'max'));
	tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '0::/\n', kernelThread: true});
	// Two threads: no schedstat spares its stat, only the cgroup's stillness can.
	tree.write('proc/self/schedstat', '1 2 3\n');
	tree.addProcess({pid: 10, comm: 'app', cgroup: '0::/app\n', threads: 2, utime: 10});
	const collector = new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup, root: null});
	t.after(() => collector.close());
	const utime = () => collector.sample().processes.find((process) => process.pid === 10)?.utime;
	// Every stat is read at the first scan and every fifth after it: scans 2 to 5 may spare one.
	assert.deepEqual([utime(), utime(), utime()], [10, 10, 10]);
	// The fixture changes the stat while the cgroup's CPU time stays, which the kernel would not do.
	tree.addProcessStat(10, 'app', 500, 2);
	assert.equal(utime(), 10, 'spared');
	tree.chargeCpu('/app', 100);
	assert.equal(utime(), 500, 'read once a task of its cgroup ran');
});

test('what the facts keep of gone processes is forgotten at a change of the processes, at most every five seconds', (t) => {
	let clock = 100_000;
	t.mock.method(performance, 'now', () => clock);
	const tree = new FixtureTree();
	t.after(() => tree.remove());
	tree.v2Root();
	tree.cgroupFiles('/app', v2MemoryFiles(10 * MiB, 'max'));
	tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '0::/\n', kernelThread: true});
	tree.addProcess({pid: 10, comm: 'app', cgroup: '0::/app\n', environ: {HOSTNAME: 'one'}});
	tree.addProcess({pid: 20, comm: 'app', cgroup: '0::/app\n', environ: {HOSTNAME: 'two'}});
	const collector = new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup, root: tree.root});
	t.after(() => collector.close());
	let snapshot = collector.sample();
	const facts = snapshot.facts!;
	// Copies: the scanner's records are updated in place, and reused for other processes.
	const gone = {...snapshot.processes.find((process) => process.pid === 20)!};
	assert.equal(facts.hostname(gone), 'two');
	tree.removeProcess(20);
	for (let count = 0; count < 10 && snapshot.processes.some((process) => process.pid === 20); count++) {
		clock += 100;
		snapshot = collector.sample();
	}
	assert.ok(clock < 105_000 && !snapshot.processes.some((process) => process.pid === 20));
	assert.equal(facts.hostname(gone), 'two', 'kept: the last time was less than five seconds ago');
	clock = 105_000;
	collector.sample();
	assert.equal(facts.hostname(gone), null, 'forgotten (and its environ read again, gone with it)');
	// Five seconds on, no change of the processes: nothing is forgotten.
	const ghost = {...snapshot.processes.find((process) => process.pid === 10)!, starttime: 1};
	assert.equal(facts.hostname(ghost), 'one');
	tree.write('proc/10/environ', 'HOSTNAME=uno\0');
	clock = 115_000;
	collector.sample();
	assert.equal(facts.hostname(ghost), 'one');
});

describe('the CPU figures of the sample before', () => {
	test('each cgroup\'s CPU time and throttled periods as the sample before read them; none for a cgroup it could not read', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		tree.v2Root();
		for (const cgroupPath of ['/app', '/other']) tree.cgroupFiles(cgroupPath, v2MemoryFiles(10 * MiB, 'max', {'cpu.stat': 'usage_usec 1000\nnr_periods 9\nnr_throttled 3\nthrottled_usec 40\n'}));
		tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '0::/\n', kernelThread: true});
		tree.addProcess({pid: 10, comm: 'app', cgroup: '0::/app\n'});
		tree.addProcess({pid: 20, comm: 'other', cgroup: '0::/other\n'});
		const collector = new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup, root: null});
		t.after(() => collector.close());
		const previous = () => {
			const snapshot = collector.sample();
			return ['/app', '/other'].map((cgroupPath) => [snapshot.previousCgroupCpuUsec.get(cgroupPath), snapshot.previousCgroupThrottled.get(cgroupPath)]);
		};
		assert.deepEqual(previous(), [[undefined, undefined], [undefined, undefined]], 'no sample before the first');
		tree.cgroupFiles('/app', {'cpu.stat': 'usage_usec 2000\nnr_periods 10\nnr_throttled 4\nthrottled_usec 50\n'});
		assert.deepEqual(previous(), [[1000, 3], [1000, 3]]);
		// A cgroup no longer read (its only process gone) leaves the figures; the others' stay.
		tree.removeProcess(20);
		for (let count = 0; count < 10 && collector.sample().cgroups.has('/other'); count++);
		assert.deepEqual(previous(), [[2000, 4], [undefined, undefined]]);
		// cpu.stat unreadable: the figures before it are not kept for when it can be read again.
		tree.cgroupFiles('/app', {'cpu.stat': ''});
		assert.deepEqual(previous(), [[2000, 4], [undefined, undefined]]);
		assert.deepEqual(previous(), [[undefined, undefined], [undefined, undefined]]);
		tree.addProcess({pid: 30, comm: 'back', cgroup: '0::/other\n'});
		tree.cgroupFiles('/app', {'cpu.stat': 'usage_usec 3000\nnr_periods 11\nnr_throttled 5\nthrottled_usec 60\n'});
		for (let count = 0; count < 10 && !collector.sample().cgroups.has('/other'); count++);
		assert.deepEqual(previous(), [[3000, 5], [1000, 3]]);
	});
});
