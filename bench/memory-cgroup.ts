import fs from 'node:fs';
import path from 'node:path';
import {onCleanup} from './cleanup.js';

/** What a memory cgroup was charged: the figures a container's memory limit is compared with. */
export type MemoryCharge = {
	/** Charged at the end of the window. */
	bytes: number;
	/** The most charged at any moment since the tool started (v1 max_usage_in_bytes, v2 memory.peak). */
	peakBytes: number | null;
	/** Of `bytes`, the kernel's own memory (v1 kmem usage, v2 memory.stat kernel): page tables, open files, /proc entries. */
	kernelBytes: number | null;
};

/**
 * A memory cgroup of its own for one tool, as a DaemonSet's container has: the tool is started inside it (through
 * `sh`, which moves itself in and execs the tool), and what it was charged is read at the end. Null where no
 * memory controller can be used (no v1 memory hierarchy, no memory in the v2 root's subtree).
 */
export class MemoryCgroup {
	private constructor(
		readonly directory: string,
		private readonly v1: boolean,
		private readonly forget: () => void,
	) {}

	static create(name: string): MemoryCgroup | null {
		const v1 = fs.existsSync('/sys/fs/cgroup/memory/memory.usage_in_bytes');
		if (!v1) {
			try {
				if (!fs.readFileSync('/sys/fs/cgroup/cgroup.subtree_control', 'utf8').split(/\s+/).includes('memory')) return null;
			} catch {
				return null;
			}
		}
		const directory = path.join(v1 ? '/sys/fs/cgroup/memory' : '/sys/fs/cgroup', name);
		try {
			fs.mkdirSync(directory);
		} catch {
			return null;
		}
		const forget = onCleanup(`the memory cgroup ${directory}`, () => removeCgroup(directory));
		return new MemoryCgroup(directory, v1, forget);
	}

	/** The command line that runs argv inside this cgroup. */
	wrap(argv: readonly string[]): string[] {
		return ['sh', '-c', `echo $$ > '${this.directory}/cgroup.procs' && exec "$@"`, 'sh', ...argv];
	}

	charge(): MemoryCharge {
		const number = (file: string): number | null => {
			try {
				return Number(fs.readFileSync(path.join(this.directory, file), 'utf8').trim());
			} catch {
				return null;
			}
		};
		if (this.v1) return {bytes: number('memory.usage_in_bytes') ?? 0, peakBytes: number('memory.max_usage_in_bytes'), kernelBytes: number('memory.kmem.usage_in_bytes')};
		let kernelBytes: number | null = null;
		try {
			const match = /^kernel (\d+)$/m.exec(fs.readFileSync(path.join(this.directory, 'memory.stat'), 'utf8'));
			kernelBytes = match ? Number(match[1]) : null;
		} catch {
			// No memory.stat: left unknown.
		}
		return {bytes: number('memory.current') ?? 0, peakBytes: number('memory.peak'), kernelBytes};
	}

	/** Removes the cgroup once the tool has exited (its charges go to the parent). */
	async remove(): Promise<void> {
		this.forget();
		await removeCgroup(this.directory);
	}
}

async function removeCgroup(directory: string): Promise<void> {
	for (let attempt = 0; attempt < 50; attempt++) {
		try {
			fs.rmdirSync(directory);
			return;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
			// Its last task may still be exiting.
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	}
}
