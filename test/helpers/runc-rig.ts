import {spawn} from 'node:child_process';
import {randomBytes, randomUUID} from 'node:crypto';
import {once} from 'node:events';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {createBusyboxRootfs} from './busybox-rootfs.js';
import {MiB, removeCgroupIfEmpty, removeCgroupTree} from './cgroups.js';
import {type Namespaces, readNamespaces, run, waitForExit} from './processes.js';
import {buildRig, type Rig} from './teardown.js';

export type QosClass = 'guaranteed' | 'burstable' | 'besteffort';

export type RuncContainerOptions = {
	/** Default: a new UUID. Give several containers the same one to put them in one pod's cgroup. */
	podUid?: string;
	/** Default burstable; guaranteed pods have no QoS level in the path, as kubelet makes them. */
	qos?: QosClass;
	/** Default 64 MiB; null for none. */
	memoryLimitBytes?: number | null;
	/** A pause process whose net, ipc and uts namespaces the container joins; default: its own. */
	joinNamespacesOf?: number;
	/** Inside the busybox rootfs; default `/bin/sleep infinity`. */
	command?: readonly string[];
};

/** Rig C: a runc container laid out like a Kubernetes one under the cgroupfs driver. */
export type RuncContainer = Rig & {
	/** 64 hex digits, the container's runc id and cgroup name. */
	id: string;
	podUid: string;
	/** From `runc state`: the container's process, PID 1 of its pid namespace. */
	pid: number;
	/** `/kubepods/<qos>/pod<uid>/<id>` (no qos level when guaranteed), in every hierarchy. */
	cgroup: string;
	memoryLimitBytes: number | null;
	namespaces: Namespaces;
	bundle: string;
};

type OciNamespace = {type: string; path?: string};

type BundleConfig = {cgroup: string; command: readonly string[]; memoryLimitBytes: number | null; joinNamespacesOf?: number};

async function writeConfig(bundle: string, {cgroup, command, memoryLimitBytes, joinNamespacesOf}: BundleConfig): Promise<void> {
	await run('runc', ['spec', '--bundle', bundle]);
	const configPath = join(bundle, 'config.json');
	const config = JSON.parse(await readFile(configPath, 'utf8'));
	config.root.path = join(bundle, 'rootfs');
	config.process.terminal = false;
	config.process.args = command;
	config.linux.cgroupsPath = cgroup;
	if (memoryLimitBytes !== null) config.linux.resources.memory = {limit: memoryLimitBytes};
	if (joinNamespacesOf !== undefined) {
		const joined: Record<string, string> = {network: 'net', ipc: 'ipc', uts: 'uts'};
		config.linux.namespaces = (config.linux.namespaces as OciNamespace[]).map(({type}) =>
			type in joined ? {type, path: `/proc/${joinNamespacesOf}/ns/${joined[type]}`} : {type});
		delete config.hostname;
	}
	await writeFile(configPath, JSON.stringify(config));
}

/** `runc delete -f`, quiet when the container was never created or is already gone. */
async function deleteContainer(id: string): Promise<void> {
	await run('runc', ['delete', '--force', id]).catch((error: Error) => {
		if (!error.message.includes('does not exist')) throw error;
	});
}

/** Starts a detached runc container from a busybox bundle in a temp dir. */
export function createRuncContainer(options: RuncContainerOptions = {}): Promise<RuncContainer> {
	const {podUid = randomUUID(), qos = 'burstable', memoryLimitBytes = 64 * MiB, command = ['/bin/sleep', 'infinity']} = options;
	return buildRig(async (teardown) => {
		const id = randomBytes(32).toString('hex');
		const podCgroup = qos === 'guaranteed' ? `/kubepods/pod${podUid}` : `/kubepods/${qos}/pod${podUid}`;
		const cgroup = `${podCgroup}/${id}`;
		const bundle = await mkdtemp(join(tmpdir(), 'podtop-test-runc-'));
		teardown.defer(() => rm(bundle, {recursive: true, force: true}));
		await createBusyboxRootfs(join(bundle, 'rootfs'));
		await writeConfig(bundle, {cgroup, command, memoryLimitBytes, joinNamespacesOf: options.joinNamespacesOf});

		const pids: number[] = [];
		teardown.defer(async () => {
			await deleteContainer(id);
			await waitForExit(pids);
			await removeCgroupTree(cgroup);
			// Parents shared with other containers of the pod stay until the last one goes.
			for (let parent = podCgroup; parent !== '/'; parent = dirname(parent)) await removeCgroupIfEmpty(parent);
		});
		// The container keeps runc's stdio: pipes would stay open as long as it runs, so runc logs to a file.
		const log = join(bundle, 'runc.log');
		const runc = spawn('runc', ['--log', log, 'run', '--detach', '--bundle', bundle, id], {stdio: 'ignore'});
		const [code] = await once(runc, 'exit');
		if (code !== 0) throw new Error(`runc run ${id} exited ${code}: ${await readFile(log, 'utf8').catch(() => '')}`);
		const {pid} = JSON.parse(await run('runc', ['state', id])) as {pid: number};
		pids.push(pid);
		return {id, podUid, pid, cgroup, memoryLimitBytes, namespaces: await readNamespaces(pid), bundle};
	});
}
