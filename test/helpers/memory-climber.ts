import {readFileSync} from 'node:fs';
import {dirname} from 'node:path';
import {busyboxPath} from './busybox-rootfs.js';
import {cgroupProcsFilesOf, MiB, spawnInCgroups} from './cgroups.js';
import {isRunning, killAndWait, spawnedPid, stopChild, waitForChild} from './processes.js';
import {buildRig, type Rig} from './teardown.js';

export type ClimberOptions = {
	stepMiB?: number;
	everyMs?: number;
	/** Stops growing once its memory cgroup's usage reaches this, until `release()`: a test sees the climb before the kill. */
	holdAtBytes?: number;
};
export type ExitStatus = {code: number | null; signal: NodeJS.Signals | null};

export type MemoryClimber = Rig & {
	/** The allocator: busybox awk in the container's pid namespace; the OOM killer's victim. */
	pid: number;
	/** Its /proc comm: `busybox`. */
	comm: string;
	/** The nsenter above it in the host pid namespace (same cgroups), which waits for it. */
	wrapperPid: number;
	/** Settles when the allocator dies: nsenter passes its status on, so an OOM kill reads {code: null, signal: 'SIGKILL'}. */
	exited: Promise<ExitStatus>;
	/** Grows on from where `holdAtBytes` held it (nothing to do without it). */
	release: () => void;
};

const comm = 'busybox';
/**
 * Allocates and touches one more chunk per input line; busybox has no python, and node thrashes below ~70 MiB.
 * The chunk copied is made at the first line, not at start: a climber held before it grows holds nothing, so
 * that many can start in one small cgroup.
 */
const allocator = 'NR == 1 { chunk = "x"; while (length(chunk) < bytes) chunk = chunk chunk; chunk = substr(chunk, 1, bytes) } { chunks[NR] = chunk "" }';

/**
 * Starts a process in the cgroups and the pid, mnt, net, ipc and uts namespaces of a container's process that
 * grows by stepMiB (default 8) every everyMs (default 300) until the cgroup's limit gets it OOM-killed. It runs
 * busybox from the container's own filesystem, which every rig has. Without a limit it grows until cleanup.
 */
export function startMemoryClimber(container: {pid: number}, options: ClimberOptions = {}): Promise<MemoryClimber> {
	const {stepMiB = 8, everyMs = 300, holdAtBytes} = options;
	return buildRig(async (teardown) => {
		const namespaces = ['--pid', '--mount', '--net', '--ipc', '--uts'];
		const argv = ['nsenter', '-t', String(container.pid), ...namespaces, busyboxPath, 'awk', '-v', `bytes=${stepMiB * MiB}`, allocator];
		const procsFiles = await cgroupProcsFilesOf(container.pid);
		const nsenter = spawnInCgroups(procsFiles, argv, 'pipe');
		const usageFile = memoryUsageFile(procsFiles);
		let holding = holdAtBytes !== undefined;
		// The pace comes from here, so the allocator never forks: each line is one more chunk.
		nsenter.stdin?.on('error', () => {}); // EPIPE once the allocator is dead
		const ticker = setInterval(() => {
			if (holding && readUsage(usageFile) >= holdAtBytes!) return;
			nsenter.stdin?.write('\n');
		}, everyMs);
		const exited = new Promise<ExitStatus>((resolve) => nsenter.once('exit', (code, signal) => {
			clearInterval(ticker);
			resolve({code, signal});
		}));
		const allocators: number[] = [];
		teardown.defer(async () => {
			// While nsenter runs, it has not reaped the allocator: the pid cannot belong to another process yet.
			if (isRunning(nsenter)) await killAndWait(allocators);
			await stopChild(nsenter);
		});
		const pid = await waitForChild(nsenter, comm);
		allocators.push(pid);
		return {pid, comm, wrapperPid: spawnedPid(nsenter), exited, release: () => (holding = false)};
	});
}

function memoryUsageFile(procsFiles: readonly string[]): string {
	const v1 = procsFiles.find((file) => file.includes('/memory/'));
	if (v1) return `${dirname(v1)}/memory.usage_in_bytes`;
	const unified = procsFiles.find((file) => file.includes('/unified/')) ?? procsFiles[0];
	return `${dirname(unified)}/memory.current`;
}

function readUsage(file: string): number {
	try {
		return Number(readFileSync(file, 'utf8'));
	} catch {
		return 0;
	}
}
