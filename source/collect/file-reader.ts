import fs from 'node:fs';

const bufferSize = 64 * 1024;
/** File descriptors left for everything but kept reads: Node, the terminal, chokidar, logs. */
const reservedDescriptors = 256;
/** Budget kept back from optional descriptors, for the cgroup files of cgroups made later. */
const optionalReserve = 1024;
/**
 * Descriptors kept at most, whatever the process may open: each kept /proc or cgroupfs file holds a page of
 * kernel memory (its seq_file buffer) charged to podtop's own memory cgroup, which a DaemonSet limits
 * (docs/performance.md, "Kept descriptors and the memory cgroup").
 */
const keptDescriptorCap = 8192;

function softOpenFileLimit(procRoot: string): number {
	try {
		const limits = fs.readFileSync(`${procRoot}/self/limits`, 'utf8');
		const match = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
		if (match) return match[1] === 'unlimited' ? 1_048_576 : Number(match[1]);
	} catch {
		// Fall through to the common default.
	}
	return 1024;
}

export type ReadFailure = 'gone' | 'denied' | 'other';

/**
 * One reused buffer and a budget of kept file descriptors. Files read every refresh stay open and
 * are re-read at position 0; when the budget is spent (or the process limit is hit) reads fall back
 * to open/read/close.
 */
export class FileReader {
	readonly buffer = Buffer.allocUnsafe(bufferSize);
	/** Why the last failed read failed. */
	lastFailure: ReadFailure = 'other';
	/** The process's descriptor limit, not podtop's own cap, stopped a file from being kept. */
	budgetExhausted = false;
	/** How many descriptors may be kept: the process's limit (less a reserve) or the cap, the lower. */
	readonly keptLimit: number;
	private keptDescriptors = 0;
	private readonly limitedByProcess: boolean;

	/** `descriptorBudget`: what the process may keep (default: its soft limit of open files, less a reserve). */
	constructor(procRoot = '/proc', descriptorBudget?: number, cap = keptDescriptorCap) {
		const budget = descriptorBudget ?? Math.max(0, softOpenFileLimit(procRoot) - reservedDescriptors);
		this.keptLimit = Math.min(budget, cap);
		this.limitedByProcess = budget <= cap;
	}

	/**
	 * Opens a file to keep only while the limit has room to spare; -1 otherwise, without counting the budget
	 * as exhausted: for a read that is worth doing only through a kept descriptor.
	 */
	keepOptional(filePath: string): number {
		return this.hasRoom() ? this.keep(filePath) : -1;
	}

	/** Whether keepOptional would open the file. */
	hasRoom(): boolean {
		return this.keptDescriptors < this.keptLimit - optionalReserve;
	}

	/**
	 * Opens a file to keep while less than `share` of the limit is kept; -1 otherwise, counted as an exhausted
	 * budget when the process's limit, not the cap, is what leaves no more: for files less worth keeping than
	 * those the rest is left for.
	 */
	keepWithinShare(filePath: string, share: number): number {
		if (this.keptDescriptors < this.keptLimit * share) return this.keep(filePath);
		if (this.limitedByProcess) this.budgetExhausted = true;
		return -1;
	}

	/** Opens a file to keep; -1 when it cannot be opened or the limit is reached. */
	keep(filePath: string | Buffer): number {
		if (this.keptDescriptors >= this.keptLimit) {
			if (this.limitedByProcess) this.budgetExhausted = true;
			// Not a failure of this file: the caller must not take it for gone or denied (a stale value would).
			this.lastFailure = 'other';
			return -1;
		}
		try {
			const descriptor = fs.openSync(filePath, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
			this.keptDescriptors++;
			return descriptor;
		} catch (error) {
			this.recordFailure(error);
			if (this.lastFailure === 'other' && (error as NodeJS.ErrnoException).code === 'EMFILE') this.budgetExhausted = true;
			return -1;
		}
	}

	release(descriptor: number): void {
		if (descriptor < 0) return;
		try {
			fs.closeSync(descriptor);
		} catch {
			// Already closed: nothing to release.
		}
		this.keptDescriptors--;
	}

	/** Reads a kept descriptor from position 0 into the buffer; the byte count, or -1. */
	readKept(descriptor: number, limit = bufferSize): number {
		try {
			return fs.readSync(descriptor, this.buffer, 0, Math.min(limit, bufferSize), 0);
		} catch (error) {
			this.recordFailure(error);
			return -1;
		}
	}

	/** Opens, reads and closes; the byte count, or -1. */
	readPath(filePath: string | Buffer, limit = bufferSize): number {
		let descriptor: number;
		try {
			descriptor = fs.openSync(filePath, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
		} catch (error) {
			this.recordFailure(error);
			return -1;
		}
		try {
			return fs.readSync(descriptor, this.buffer, 0, Math.min(limit, bufferSize), 0);
		} catch (error) {
			this.recordFailure(error);
			return -1;
		} finally {
			fs.closeSync(descriptor);
		}
	}

	private recordFailure(error: unknown): void {
		const code = (error as NodeJS.ErrnoException).code;
		this.lastFailure = code === 'ENOENT' || code === 'ESRCH' ? 'gone' : code === 'EACCES' || code === 'EPERM' ? 'denied' : 'other';
	}
}
