import {type ChildProcess, execFile} from 'node:child_process';
import {once} from 'node:events';
import {accessSync, constants, readdirSync, readFileSync, readlinkSync} from 'node:fs';
import {readFile, readlink} from 'node:fs/promises';
import {join} from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {promisify} from 'node:util';

const execFileAsync = promisify(execFile);

export const namespaceKinds = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'] as const;
export type NamespaceKind = (typeof namespaceKinds)[number];
/** Namespace inodes as `readlink /proc/<pid>/ns/<kind>` shows them (`net:[4026531840]`). */
export type Namespaces = Record<NamespaceKind, number>;

/** A process in the initial namespaces: PID 1's are unreadable on some machines, kthreadd's are not. */
export const hostReferencePid = 2;

/** Polls every pollMs until the predicate returns a truthy value and resolves with it; rejects after timeoutMs. */
export async function waitFor<T>(
	predicate: () => T | Promise<T>,
	timeoutMs = 5000,
	what = 'a condition',
	pollMs = 10,
): Promise<NonNullable<T>> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await predicate();
		if (value) return value as NonNullable<T>;
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await sleep(pollMs);
	}
}

export async function readNamespaces(pid: number): Promise<Namespaces> {
	const entries = await Promise.all(
		namespaceKinds.map(async (kind) => {
			const link = await readlink(`/proc/${pid}/ns/${kind}`);
			return [kind, Number(/\[(\d+)\]/.exec(link)?.[1])] as const;
		}),
	);
	return Object.fromEntries(entries) as Namespaces;
}

/** The cgroup path of a process in one hierarchy ('memory', 'name=systemd', or '' for the unified one), or null. */
export async function readCgroupPath(pid: number, hierarchy = 'memory'): Promise<string | null> {
	for (const line of (await readFile(`/proc/${pid}/cgroup`, 'utf8')).split('\n')) {
		const [, controllers, ...path] = line.split(':');
		if (controllers?.split(',').includes(hierarchy)) return path.join(':');
	}
	return null;
}

async function readProcFile(pid: number, file: string): Promise<string | null> {
	try {
		return await readFile(`/proc/${pid}/${file}`, 'utf8');
	} catch {
		return null;
	}
}

/** Calls `onLine` with each complete line a stream carries, as it comes (a last line without its newline is not one). */
export function forEachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
	let pending = '';
	stream.on('data', (chunk: Buffer | string) => {
		pending += chunk.toString();
		const lines = pending.split('\n');
		pending = lines.pop() ?? '';
		for (const line of lines) onLine(line);
	});
}

/** True while the process runs; false once it is a zombie or gone. Synchronous, so that a poll of it is cheap. */
export function isAlive(pid: number): boolean {
	let stat: string;
	try {
		stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
	} catch {
		return false;
	}

	const state = stat[stat.lastIndexOf(')') + 2];
	return state !== 'Z' && state !== 'X';
}

export async function readComm(pid: number): Promise<string | null> {
	return (await readProcFile(pid, 'comm'))?.trimEnd() ?? null;
}

export async function childPids(pid: number): Promise<number[]> {
	const children = await readProcFile(pid, `task/${pid}/children`);
	return (children ?? '').split(' ').filter(Boolean).map(Number);
}

export function isRunning(child: ChildProcess): boolean {
	return child.exitCode === null && child.signalCode === null;
}

export function spawnedPid(child: ChildProcess): number {
	if (child.pid === undefined) throw new Error(`could not spawn ${child.spawnargs.join(' ')}`);
	return child.pid;
}

/**
 * The pid of the child that `parent` forks once it runs `comm` (after its exec): how to find a container's
 * process below the unshare or nsenter that started it. Fails early when the parent exits first.
 */
export async function waitForChild(parent: ChildProcess, comm: string, timeoutMs = 5000): Promise<number> {
	const pid = spawnedPid(parent);
	const {spawnargs} = parent;
	return waitFor(async () => {
		if (!isRunning(parent)) {
			throw new Error(`${spawnargs.join(' ')} exited (${parent.exitCode ?? parent.signalCode}) before running ${comm}`);
		}
		for (const child of await childPids(pid)) if ((await readComm(child)) === comm) return child;
		return undefined;
	}, timeoutMs, `${comm} to start under ${spawnargs.join(' ')}`);
}

/** Waits until none of the pids runs; zombies count as exited. */
export async function waitForExit(pids: Iterable<number>, timeoutMs = 5000): Promise<void> {
	const targets = [...pids];
	const what = `${targets.length} processes to exit (${targets.slice(0, 8).join(' ')}${targets.length > 8 ? ' …' : ''})`;
	await waitFor(async () => (await Promise.all(targets.map(isAlive))).every((alive) => !alive), timeoutMs, what);
}

/** SIGKILLs each live pid (never by name) and waits until none runs. */
export async function killAndWait(pids: Iterable<number>, timeoutMs = 5000): Promise<void> {
	const targets = [...pids];
	for (const pid of targets) {
		if (!(await isAlive(pid))) continue;
		try {
			process.kill(pid, 'SIGKILL');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
		}
	}
	await waitForExit(targets, timeoutMs);
}

/** SIGKILLs a child of this process and waits for its exit. Safe after it exited: node never signals a reaped pid. */
export async function stopChild(child: ChildProcess): Promise<void> {
	if (!isRunning(child)) return;
	const exited = once(child, 'exit');
	child.ref(); // an unref'd child would not keep node waiting for its exit
	child.kill('SIGKILL');
	await exited;
}

/** Runs a command to completion and returns its stdout; the error names the command and carries its stderr. */
export async function run(file: string, args: readonly string[], env?: NodeJS.ProcessEnv, cwd?: string): Promise<string> {
	try {
		const {stdout} = await execFileAsync(file, args, {env: env && {...process.env, ...env}, cwd, maxBuffer: 64 << 20});
		return stdout;
	} catch (error) {
		const {stderr} = error as {stderr?: string};
		throw new Error(`${file} ${args.join(' ')} failed: ${stderr?.trim() || String(error)}`, {cause: error});
	}
}

export function isExecutable(path: string): boolean {
	try {
		accessSync(path, constants.X_OK);
		return true;
	} catch {
		return false;
	}
}

/** Whether a command is on PATH, as a shell would find it. */
export function commandExists(command: string): boolean {
	return (process.env.PATH ?? '').split(':').some((dir) => dir && isExecutable(join(dir, command)));
}

/** How many descriptors this process has open on files under a directory. */
export function descriptorsOpenUnder(directory: string): number {
	return readdirSync('/proc/self/fd').filter((descriptor) => {
		try {
			return readlinkSync(`/proc/self/fd/${descriptor}`).startsWith(directory);
		} catch {
			return false;
		}
	}).length;
}

/** The descriptors this process has open on a file. */
export function descriptorsOpenOn(file: string): string[] {
	return readdirSync('/proc/self/fd').filter((descriptor) => {
		try {
			return readlinkSync(`/proc/self/fd/${descriptor}`) === file;
		} catch {
			return false;
		}
	});
}
