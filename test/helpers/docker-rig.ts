/**
 * Rigs D and E: the real Docker and containerd daemons from Debian, on their default paths (podtop reads the
 * default paths). A daemon that already answers on its socket is used and left as it was; one that does not is
 * started here and stopped by PID at the end. Images come from no registry: a busybox root filesystem with
 * catatonit as /bin/pause, `docker import`ed, and `docker save`d into containerd's k8s.io namespace.
 */
import {type ChildProcess, spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {existsSync, openSync, closeSync} from 'node:fs';
import {copyFile, mkdtemp, readFile, rm, rmdir} from 'node:fs/promises';
import {connect} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, type TestContext} from 'node:test';
import {busyboxPath, createBusyboxRootfs} from './busybox-rootfs.js';
import {cgroupRoot, hierarchyDirs, removeCgroupIfEmpty, removeCgroupTree} from './cgroups.js';
import {commandExists, isAlive, isExecutable, run, waitFor, waitForExit} from './processes.js';
import {isRoot, requireOrSkip} from './require.js';
import {buildRig, type Rig, type Teardown} from './teardown.js';

/** Debian's client; another `docker` may come first on PATH. */
export const dockerClient = '/usr/bin/docker';
export const dockerSocket = '/run/docker.sock';
export const containerdSocket = '/run/containerd/containerd.sock';
const dockerEnv = {DOCKER_HOST: `unix://${dockerSocket}`};
/** A daemon's first start on a busy machine takes seconds; this is only the ceiling. */
const daemonStartMs = 120_000;
const daemonStopMs = 60_000;

/** A name for containers, images and cgroups no other test (or helper) uses. */
export function uniqueDockerName(): string {
	return `podtop-docker-${randomBytes(4).toString('hex')}`;
}

export function docker(...args: string[]): Promise<string> {
	return run(dockerClient, args, dockerEnv);
}

export function ctr(namespace: string, ...args: string[]): Promise<string> {
	return run('ctr', ['--address', containerdSocket, '--namespace', namespace, ...args]);
}

/** Whether something accepts connections on the unix socket (a file left by a stopped daemon does not). */
export function socketAnswers(path: string): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect(path);
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

/** Skips the test (fails it under PODTOP_REQUIRE_ALL=1) unless this machine can run the daemons. */
export function requireDaemons(t: TestContext): boolean {
	const missing = ['dockerd', 'containerd', 'ctr', 'runc', 'catatonit', 'tar'].filter((command) => !commandExists(command));
	if (!isExecutable(dockerClient)) missing.push(dockerClient);
	if (!isExecutable(busyboxPath)) missing.push(busyboxPath);
	if (!existsSync(join(cgroupRoot, 'memory/memory.limit_in_bytes'))) missing.push('a v1 memory cgroup hierarchy');
	return requireOrSkip(t, isRoot && missing.length === 0, isRoot ? `Docker and containerd rigs: missing ${missing.join(', ')}` : 'Docker and containerd rigs need root');
}

/** Starts a daemon with its output in a log file; resolves once its socket answers, rejects with the log when it exits first. */
async function startDaemon(command: string, args: string[], socket: string, logDir: string): Promise<ChildProcess> {
	const logPath = join(logDir, `${command}.log`);
	const log = openSync(logPath, 'a');
	const child = spawn(command, args, {stdio: ['ignore', log, log]});
	closeSync(log);
	child.unref();
	try {
		await waitFor(async () => {
			if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${command} exited (${child.exitCode ?? child.signalCode})`);
			return socketAnswers(socket);
		}, daemonStartMs, `${command} to answer on ${socket}`);
	} catch (error) {
		const output = await readFile(logPath, 'utf8').catch(() => '');
		await stopDaemon(child);
		throw new Error(`${String(error)}; its log:\n${output.slice(-4000)}`, {cause: error});
	}
	return child;
}

/** SIGTERM to the daemon's PID (never by name), and waits until it and the children it had are gone. */
async function stopDaemon(child: ChildProcess): Promise<void> {
	const pid = child.pid;
	if (pid === undefined || !(await isAlive(pid))) return;
	const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).split(' ').filter(Boolean).map(Number);
	child.kill('SIGTERM');
	await waitForExit([pid, ...children], daemonStopMs);
}

export type Daemons = Rig & {
	/** Whether this helper started them (false: they were running and are left as they were). */
	startedDocker: boolean;
	startedContainerd: boolean;
	/** `docker import`ed busybox + /bin/pause, as `name:tag`. */
	image: string;
	/** The same image in containerd's k8s.io namespace. */
	containerdImage: string;
	dockerVersion: string;
	containerdVersion: string;
};

/**
 * A standalone containerd (when none answers) and dockerd (when none answers: cgroupfs, no iptables, no bridge),
 * and the test image in both. cleanup() removes the image and stops only what was started here.
 */
export function startDaemons(): Promise<Daemons> {
	return buildRig(async (teardown) => {
		const name = uniqueDockerName();
		const dir = await mkdtemp(join(tmpdir(), `${name}-`));
		teardown.defer(() => rm(dir, {recursive: true, force: true}));
		const startedContainerd = await ensureDaemon(teardown, 'containerd', [], containerdSocket, dir);
		const dockerArgs = ['--iptables=false', '--ip6tables=false', '--bridge=none', '--exec-opt', 'native.cgroupdriver=cgroupfs'];
		const startedDocker = await ensureDaemon(teardown, 'dockerd', dockerArgs, dockerSocket, dir);
		const cgroupDriver = (await docker('info', '--format', '{{.CgroupDriver}}')).trim();
		// The rigs put containers under cgroupfs parents (`--cgroup-parent /mypod`), which the systemd driver refuses.
		if (cgroupDriver !== 'cgroupfs') throw new Error(`the running dockerd uses the ${cgroupDriver} cgroup driver; these rigs need cgroupfs`);

		const rootfs = join(dir, 'rootfs');
		await createBusyboxRootfs(rootfs);
		await copyFile((await run('sh', ['-c', 'command -v catatonit'])).trim(), join(rootfs, 'bin/pause'));
		const tarball = join(dir, 'rootfs.tar');
		await run('tar', ['-C', rootfs, '-cf', tarball, '.']);
		const image = `${name}:1`;
		await docker('import', tarball, image);
		teardown.defer(async () => void (await docker('rmi', '--force', image)));

		const saved = join(dir, 'image.tar');
		await docker('save', '--output', saved, image);
		const containerdImage = `docker.io/library/${image}`;
		// The import also names the image by its config digest: every name it added is removed.
		const namesBefore = new Set(await containerdImageNames());
		teardown.defer(async () => {
			const added = (await containerdImageNames()).filter((ref) => !namesBefore.has(ref));
			if (added.length > 0) await ctr('k8s.io', 'images', 'rm', ...added);
		});
		await ctr('k8s.io', 'images', 'import', '--base-name', `docker.io/library/${name}`, saved);

		const dockerVersion = (await docker('version', '--format', '{{.Server.Version}}')).trim();
		const containerdVersion = /\b(v?\d+\.\d+\.\d+\S*)/.exec(await run('containerd', ['--version']))?.[1] ?? 'unknown';
		return {startedDocker, startedContainerd, image, containerdImage, dockerVersion, containerdVersion};
	});
}

/**
 * What a test file's tests call for the daemons and the image: started by the first test that needs them and
 * cleaned up (stopped, if started here) after the file's last; null when requireDaemons skipped the test.
 */
export function sharedDaemons(): (t: TestContext) => Promise<Daemons | null> {
	let daemons: Promise<Daemons> | null = null;
	after(async () => {
		if (daemons) await (await daemons).cleanup();
	});
	return async (t) => {
		if (!requireDaemons(t)) return null;
		daemons ??= startDaemons();
		return daemons;
	};
}

async function containerdImageNames(): Promise<string[]> {
	return (await ctr('k8s.io', 'images', 'ls', '--quiet')).split('\n').filter(Boolean);
}

async function ensureDaemon(teardown: Teardown, command: string, args: string[], socket: string, logDir: string): Promise<boolean> {
	if (await socketAnswers(socket)) return false;
	if (command === 'dockerd') {
		// dockerd makes its /docker parent in every hierarchy and leaves it: the ones it made go once it has stopped.
		const made = (await hierarchyDirs()).map((hierarchy) => join(hierarchy, 'docker')).filter((dir) => !existsSync(dir));
		teardown.defer(async () => {
			for (const dir of made) {
				await rmdir(dir).catch((error: NodeJS.ErrnoException) => {
					if (!['ENOENT', 'EBUSY', 'ENOTEMPTY'].includes(error.code ?? '')) throw error;
				});
			}
		});
	}
	const child = await startDaemon(command, args, socket, logDir);
	teardown.defer(() => stopDaemon(child));
	return true;
}

/** Removes containers by id or name, with their anonymous volumes; those already gone are fine. */
export async function removeDockerContainers(names: readonly string[]): Promise<void> {
	if (names.length > 0) await docker('rm', '--force', '--volumes', ...names).catch(async (error: unknown) => {
		const left = await Promise.all(names.map((one) => docker('inspect', '--format', '{{.Id}}', one).then(() => one, () => null)));
		if (left.some((one) => one !== null)) throw error;
	});
}

/** The fields of `docker inspect` that tests compare podtop with. */
export type DockerInspect = {
	Id: string;
	Name: string;
	Image: string;
	Config: {Image: string; Labels: Record<string, string> | null; Hostname: string};
	State: {Pid: number; Running: boolean; OOMKilled: boolean; ExitCode: number};
	HostConfig: {Memory: number; CgroupParent: string; NetworkMode: string};
};

export async function dockerInspect(nameOrId: string): Promise<DockerInspect> {
	return (JSON.parse(await docker('inspect', '--type', 'container', nameOrId)) as DockerInspect[])[0];
}

/** Waits until the container's main process runs (its pid is known and alive). */
export async function waitForDockerPid(nameOrId: string): Promise<number> {
	return waitFor(async () => {
		const inspect = await dockerInspect(nameOrId);
		return inspect.State.Running && inspect.State.Pid > 0 && (await isAlive(inspect.State.Pid)) ? inspect.State.Pid : 0;
	}, 60_000, `container ${nameOrId} to run`);
}

/** What a Docker rig made: containers (by name), cgroup parents, and parents it shares with others (removed if empty), removed in that order. */
export type DockerRigParts = {containers: string[]; cgroups: string[]; sharedCgroups: string[]};

/** A rig whose cleanup removes the containers it created, then the cgroup parents they were put under. */
export function dockerRig<R>(build: (parts: DockerRigParts, teardown: Teardown) => Promise<R>): Promise<R & Rig> {
	return buildRig(async (teardown) => {
		const parts: DockerRigParts = {containers: [], cgroups: [], sharedCgroups: []};
		teardown.defer(async () => {
			for (const cgroup of parts.cgroups) await removeCgroupTree(cgroup, 30_000);
			for (const cgroup of parts.sharedCgroups) await removeCgroupIfEmpty(cgroup);
		});
		teardown.defer(() => removeDockerContainers(parts.containers));
		return build(parts, teardown);
	});
}
