import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createBusyboxRootfs} from './busybox-rootfs.js';
import {MiB, removeCgroupIfEmpty, removeCgroupTree, uniqueRigName} from './cgroups.js';
import {type Namespaces, readNamespaces, run, waitForExit} from './processes.js';
import {buildRig, type Rig} from './teardown.js';

export type PodmanContainerSpec = {name: string; memoryLimitBytes?: number | null};

export type PodmanPodOptions = {
	/** Default: `a` limited to 64 MiB, `b` unlimited. Container names become `<pod name>-<name>`. */
	containers?: readonly PodmanContainerSpec[];
};

/** podman's ground truth for one container (`podman inspect`), plus the namespaces of its process. */
export type PodmanContainer = {
	/** As podman knows it: `<pod name>-<spec name>`, or `<pod id prefix>-infra`. */
	name: string;
	id: string;
	/** State.Pid: sleep (or catatonit for the infra container), PID 1 of its pid namespace. */
	pid: number;
	/** State.ConmonPid: its conmon, in `/libpod_parent/<pod id>/conmon`. */
	conmonPid: number;
	/** State.CgroupPath: `/libpod_parent/<pod id>/libpod-<id>` in every hierarchy. */
	cgroup: string;
	/** HostConfig.Memory, null when unlimited. */
	memoryLimitBytes: number | null;
	namespaces: Namespaces;
};

/** Rig B: a real podman pod (runc, cgroupfs, `--network none`) with busybox containers. */
export type PodmanPod = Rig & {
	name: string;
	id: string;
	/** CgroupPath of `podman pod inspect`: `/libpod_parent/<pod id>`. */
	cgroup: string;
	infra: PodmanContainer;
	containers: PodmanContainer[];
	podInspect: PodInspect;
};

/** The fields of `podman pod inspect` that tests check against. */
export type PodInspect = {
	Id: string;
	Name: string;
	InfraContainerID: string;
	CgroupPath: string;
	SharedNamespaces: string[];
	Containers: Array<{Id: string; Name: string; State: string}>;
};

type ContainerInspect = {
	Id: string;
	Name: string;
	State: {Pid: number; ConmonPid: number; CgroupPath: string};
	HostConfig: {Memory: number};
};

const defaultContainers: readonly PodmanContainerSpec[] = [{name: 'a', memoryLimitBytes: 64 * MiB}, {name: 'b'}];

/**
 * The workarounds this machine needs, in a private config: runc (crun refuses hybrid cgroups), cgroupfs (no
 * systemd), a file events log (no journald) and ulimits within the hard limits of a shell without CAP_SYS_RESOURCE.
 */
async function writeContainersConf(path: string): Promise<void> {
	const nofile = (await run('/bin/sh', ['-c', 'ulimit -Hn'])).trim();
	await writeFile(path, [
		'[containers]',
		`default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=32768:32768"]`,
		'[engine]',
		'runtime = "runc"',
		'cgroup_manager = "cgroupfs"',
		'events_logger = "file"',
		'',
	].join('\n'));
}

async function toContainer(inspect: ContainerInspect): Promise<PodmanContainer> {
	return {
		name: inspect.Name,
		id: inspect.Id,
		pid: inspect.State.Pid,
		conmonPid: inspect.State.ConmonPid,
		cgroup: inspect.State.CgroupPath,
		memoryLimitBytes: inspect.HostConfig.Memory || null,
		namespaces: await readNamespaces(inspect.State.Pid),
	};
}

/**
 * Creates a pod and its containers with podman. The first pod on a machine also builds the
 * localhost/podman-pause image from catatonit, offline; the image stays for later pods.
 */
export function createPodmanPod(options: PodmanPodOptions = {}): Promise<PodmanPod> {
	const specs = options.containers ?? defaultContainers;
	return buildRig(async (teardown) => {
		const name = uniqueRigName();
		const dir = await mkdtemp(join(tmpdir(), `${name}-`));
		teardown.defer(() => rm(dir, {recursive: true, force: true}));
		const containersConf = join(dir, 'containers.conf');
		const rootfs = join(dir, 'rootfs');
		await Promise.all([writeContainersConf(containersConf), createBusyboxRootfs(rootfs)]);
		// conmon, which podman starts, writes a file named `oom` into its working directory when a container is OOM-killed.
		const podman = (...args: string[]) => run('podman', args, {CONTAINERS_CONF: containersConf}, dir);

		const id = (await podman('pod', 'create', '--name', name, '--network', 'none')).trim();
		const pids: number[] = [];
		teardown.defer(async () => {
			await podman('pod', 'rm', '--force', '--ignore', '--time', '0', id);
			await waitForExit(pids);
			await removeCgroupTree(`/libpod_parent/${id}`);
			await removeCgroupIfEmpty('/libpod_parent');
		});
		for (const spec of specs) {
			const memory = spec.memoryLimitBytes ? ['--memory', String(spec.memoryLimitBytes)] : [];
			const args = ['--name', `${name}-${spec.name}`, '--pod', name, ...memory, '--rootfs', rootfs, '/bin/sleep', 'infinity'];
			await podman('run', '--detach', ...args);
		}

		const inspected = JSON.parse(await podman('pod', 'inspect', id)) as PodInspect | PodInspect[];
		const podInspect = Array.isArray(inspected) ? inspected[0] : inspected;
		const ids = [podInspect.InfraContainerID, ...specs.map((spec) => `${name}-${spec.name}`)];
		const inspects = JSON.parse(await podman('inspect', '--type', 'container', ...ids)) as ContainerInspect[];
		pids.push(...inspects.flatMap((inspect) => [inspect.State.Pid, inspect.State.ConmonPid]));
		const [infra, ...containers] = await Promise.all(inspects.map(toContainer));
		return {name, id, cgroup: podInspect.CgroupPath, infra, containers, podInspect};
	});
}
