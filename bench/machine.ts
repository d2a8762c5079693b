import fs from 'node:fs';
import os from 'node:os';
import {sleep} from './common.js';

function cgroupMode(): string {
	const types = fs
		.readFileSync('/proc/self/mountinfo', 'utf8')
		.split('\n')
		.map((line) => line.split(' - ')[1]?.split(' ')[0])
		.filter((type) => type === 'cgroup' || type === 'cgroup2');
	const v1 = types.includes('cgroup');
	const v2 = types.includes('cgroup2');
	return v1 && v2 ? 'hybrid' : v1 ? 'v1' : v2 ? 'v2' : 'none';
}

function limit(name: string): string | null {
	try {
		const match = new RegExp(`^${name}\\s+(\\S+)\\s+(\\S+)`, 'm').exec(fs.readFileSync('/proc/self/limits', 'utf8'));
		return match ? `${match[1]}/${match[2]}` : null;
	} catch {
		return null;
	}
}

export type Machine = ReturnType<typeof describeMachine>;

export function describeMachine() {
	const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
	return {
		cores: os.cpus().length,
		cpuModel: os.cpus()[0]?.model ?? null,
		virtualized: /^flags\s*:.*\bhypervisor\b/m.test(cpuinfo),
		kernel: os.release(),
		node: process.version,
		cgroupMode: cgroupMode(),
		memoryBytes: os.totalmem(),
		openFilesSoftHard: limit('Max open files'),
		pidMax: Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8')),
		root: process.geteuid?.() === 0,
		tools: {} as Record<string, string | null>,
	};
}

export type CpuTimes = {busy: number; total: number};

/** The machine's busy and total jiffies, all CPUs (first line of /proc/stat). */
export function cpuTimes(): CpuTimes {
	const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
	const total = fields.reduce((sum, value) => sum + value, 0);
	const idle = fields[3] + (fields[4] ?? 0);
	return {busy: total - idle, total};
}

/** How busy the machine was since `before`, in % of all its CPUs. */
export function busyPercentSince(before: CpuTimes): number {
	const after = cpuTimes();
	return ((after.busy - before.busy) / Math.max(1, after.total - before.total)) * 100;
}

/** How busy the machine is over the next second, in % of all its CPUs. */
export async function busyPercentNow(): Promise<number> {
	const before = cpuTimes();
	await sleep(1000);
	return busyPercentSince(before);
}

/**
 * Waits (up to timeoutMs) for `seconds` seconds in a row in which the machine is at most `busyPercent`
 * busy; returns the busy % of the last of them (or of the last second waited).
 */
export async function waitForQuiet(busyPercent = 10, timeoutMs = 30_000, seconds = 3): Promise<number> {
	const deadline = performance.now() + timeoutMs;
	let quiet = 0;
	for (;;) {
		const busy = await busyPercentNow();
		quiet = busy <= busyPercent ? quiet + 1 : 0;
		if (quiet >= seconds || performance.now() > deadline) return busy;
	}
}

export function loadAverage(): number[] {
	return os.loadavg().map((value) => Math.round(value * 100) / 100);
}
