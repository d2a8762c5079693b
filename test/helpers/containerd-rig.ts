import {randomBytes, randomUUID} from 'node:crypto';
import {removeCgroupIfEmpty, removeCgroupTree, setMemoryLimit} from './cgroups.js';
import {ctr} from './docker-rig.js';
import {isAlive, waitFor, waitForExit} from './processes.js';
import {buildRig, type Rig} from './teardown.js';

const namespace = 'k8s.io';

export type CriQos = 'guaranteed' | 'burstable';

export type CriPodOptions = {
	/** The image in containerd's k8s.io namespace. */
	image: string;
	podName: string;
	podNamespace: string;
	qos: CriQos;
	/** The host's net, and no pause-held UTS (hostNetwork pods share the host's net and uts). */
	hostNetwork?: boolean;
	/** The limit on the pod's cgroup; none when null. */
	podLimitBytes?: number | null;
	containers: ReadonlyArray<{name: string; memoryLimitBytes?: number}>;
};

/** containerd's ground truth for one container: `ctr containers info` and the task's pid. */
export type CriContainer = {id: string; pid: number; cgroup: string; info: CtrContainerInfo};

export type CtrContainerInfo = {ID: string; Image: string; Spec: {annotations?: Record<string, string>; linux?: {cgroupsPath?: string}}};

export type CriPod = Rig & {uid: string; podCgroup: string; sandbox: CriContainer; containers: CriContainer[]};

/** A 64-hex id as the CRI plugin makes them. */
function criId(): string {
	return randomBytes(32).toString('hex');
}

async function taskPid(id: string): Promise<number> {
	return waitFor(async () => {
		const line = (await ctr(namespace, 'tasks', 'ls')).split('\n').find((row) => row.startsWith(`${id} `));
		const [, pid, status] = line?.trim().split(/\s+/) ?? [];
		return status === 'RUNNING' && (await isAlive(Number(pid))) ? Number(pid) : 0;
	}, 60_000, `containerd task ${id} to run`);
}

async function removeTask(id: string): Promise<void> {
	const pid = await ctr(namespace, 'tasks', 'ls').then((list) => Number(list.split('\n').find((row) => row.startsWith(`${id} `))?.trim().split(/\s+/)[1] ?? 0));
	if (pid > 0) {
		await ctr(namespace, 'tasks', 'kill', '--signal', 'SIGKILL', id).catch(() => undefined);
		await waitForExit([pid], 30_000);
	}
	await waitFor(() => ctr(namespace, 'tasks', 'rm', id).then(() => true, async (error: unknown) => {
		if (!(await ctr(namespace, 'tasks', 'ls')).split('\n').some((row) => row.startsWith(`${id} `))) return true;
		if (String(error).includes('running')) return false;
		throw error;
	}), 30_000, `task ${id} to be removed`);
	await ctr(namespace, 'containers', 'rm', id).catch(async (error: unknown) => {
		if ((await ctr(namespace, 'containers', 'ls', '--quiet')).split('\n').includes(id)) throw error;
	});
}

/**
 * A pod laid out as containerd's CRI plugin makes one with the cgroupfs driver: a sandbox running /bin/pause at
 * /kubepods[/burstable]/pod<uid>/<id> with the io.kubernetes.cri annotations, and containers joining its net, ipc
 * and uts namespaces (hostNetwork: the host's net and uts, the sandbox's ipc).
 */
export function createCriPod(options: CriPodOptions): Promise<CriPod> {
	return buildRig(async (teardown) => {
		const uid = randomUUID();
		const qosParent = options.qos === 'guaranteed' ? '/kubepods' : '/kubepods/burstable';
		const podCgroup = `${qosParent}/pod${uid}`;
		teardown.defer(async () => {
			await removeCgroupTree(podCgroup, 30_000);
			if (options.qos === 'burstable') await removeCgroupIfEmpty(qosParent);
			await removeCgroupIfEmpty('/kubepods');
		});
		const sandboxId = criId();
		const podAnnotations = {
			'io.kubernetes.cri.sandbox-id': sandboxId,
			'io.kubernetes.cri.sandbox-name': options.podName,
			'io.kubernetes.cri.sandbox-namespace': options.podNamespace,
			'io.kubernetes.cri.sandbox-uid': uid,
		};
		const annotationArgs = (annotations: Record<string, string>) => Object.entries(annotations).flatMap(([key, value]) => ['--annotation', `${key}=${value}`]);
		const start = async (id: string, annotations: Record<string, string>, args: string[], command: string[]): Promise<CriContainer> => {
			teardown.defer(() => removeTask(id));
			const cgroup = `${podCgroup}/${id}`;
			await ctr(namespace, 'run', '--detach', '--cgroup', cgroup, ...annotationArgs({...podAnnotations, ...annotations}), ...args, options.image, id, ...command);
			const pid = await taskPid(id);
			const info = JSON.parse(await ctr(namespace, 'containers', 'info', id)) as CtrContainerInfo;
			return {id, pid, cgroup, info};
		};
		const hostNet = options.hostNetwork ? ['--net-host'] : [];
		const sandbox = await start(sandboxId, {'io.kubernetes.cri.container-type': 'sandbox'}, hostNet, ['/bin/pause', '-P']);
		if (options.podLimitBytes) await setMemoryLimit(podCgroup, options.podLimitBytes);
		const joined = options.hostNetwork ? ['ipc'] : ['network', 'ipc', 'uts'];
		const nsArgs = joined.flatMap((type) => ['--with-ns', `${type}:/proc/${sandbox.pid}/ns/${type === 'network' ? 'net' : type}`]);
		const containers: CriContainer[] = [];
		for (const spec of options.containers) {
			const annotations = {
				'io.kubernetes.cri.container-type': 'container',
				'io.kubernetes.cri.container-name': spec.name,
				'io.kubernetes.cri.image-name': options.image,
			};
			const limit = spec.memoryLimitBytes ? ['--memory-limit', String(spec.memoryLimitBytes)] : [];
			containers.push(await start(criId(), annotations, [...hostNet, ...nsArgs, ...limit], ['sleep', 'infinity']));
		}
		return {uid, podCgroup, sandbox, containers};
	});
}
