import {busyboxPath} from './busybox-rootfs.js';
import {cgroupProcsFilesOf, MiB, spawnInCgroups} from './cgroups.js';
import {isRunning, killAndWait, spawnedPid, stopChild, waitForChild} from './processes.js';
import {buildRig, type Rig} from './teardown.js';

export type ClimberOptions = {stepMiB?: number; everyMs?: number};
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
};

const comm = 'busybox';
/** Allocates and touches one more chunk per input line; busybox has no python, and node thrashes below ~70 MiB. */
const allocator = 'BEGIN { chunk = "x"; while (length(chunk) < bytes) chunk = chunk chunk; chunk = substr(chunk, 1, bytes) } { chunks[NR] = chunk "" }';

/**
 * Starts a process in the cgroups and the pid, mnt, net, ipc and uts namespaces of a container's process that
 * grows by stepMiB (default 8) every everyMs (default 300) until the cgroup's limit gets it OOM-killed. It runs
 * busybox from the container's own filesystem, which every rig has. Without a limit it grows until cleanup.
 */
export function startMemoryClimber(container: {pid: number}, options: ClimberOptions = {}): Promise<MemoryClimber> {
	const {stepMiB = 8, everyMs = 300} = options;
	return buildRig(async (teardown) => {
		const namespaces = ['--pid', '--mount', '--net', '--ipc', '--uts'];
		const argv = ['nsenter', '-t', String(container.pid), ...namespaces, busyboxPath, 'awk', '-v', `bytes=${stepMiB * MiB}`, allocator];
		const nsenter = spawnInCgroups(await cgroupProcsFilesOf(container.pid), argv, 'pipe');
		// The pace comes from here, so the allocator never forks: each line is one more chunk.
		nsenter.stdin?.on('error', () => {}); // EPIPE once the allocator is dead
		const ticker = setInterval(() => nsenter.stdin?.write('\n'), everyMs);
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
		return {pid, comm, wrapperPid: spawnedPid(nsenter), exited};
	});
}
