import fs from 'node:fs';
import type {KernelOomKill} from '../model/events.js';
import {decodeBytesExactly, decodeText} from './parse-bytes.js';

export type {KernelOomKill} from '../model/events.js';

/** One /dev/kmsg record: `<prefix>,<sequence>,<µs since boot>,<flags>[,...];<message>` then ` KEY=value` lines. */
export type KmsgRecord = {priority: number; sequence: number; bootUsec: number; message: string};

const maxComm = 64;
const maxPath = 4096;

function bound(text: string, max: number): string {
	return text.length > max ? text.slice(0, max) : text;
}

/**
 * kmsg escapes every byte outside printable ASCII, and the backslash, as \xNN; undo that so comm and paths
 * read as /proc and cgroupfs give them: a comm as decodeText makes it, a cgroup path as the key
 * decodeBytesExactly makes of it (a name in UTF-8 or not).
 */
function unescapeKmsg(text: string, decode: (buffer: Uint8Array, start: number, end: number) => string): string {
	if (!text.includes('\\x')) return text;
	// Literal text and escaped bytes alternate: "a\xffb" splits into "a", "ff", "b".
	const parts = text.split(/\\x([0-9a-f]{2})/i);
	const bytes = Buffer.concat(parts.map((part, index) => (index % 2 === 1 ? Buffer.of(Number.parseInt(part, 16)) : Buffer.from(part, 'utf8'))));
	return decode(bytes, 0, bytes.length);
}

export function parseKmsgRecord(text: string): KmsgRecord | null {
	const semicolon = text.indexOf(';');
	if (semicolon < 0) return null;
	const fields = text.slice(0, semicolon).split(',');
	if (fields.length < 3) return null;
	const priority = Number(fields[0]);
	const sequence = Number(fields[1]);
	const bootUsec = Number(fields[2]);
	if (!Number.isFinite(priority) || !Number.isFinite(sequence) || !Number.isFinite(bootUsec)) return null;
	const newline = text.indexOf('\n', semicolon);
	const message = text.slice(semicolon + 1, newline < 0 ? text.length : newline);
	return {priority, sequence, bootUsec, message};
}

export type OomKillSummary = {
	pid: number;
	comm: string;
	oomMemcg: string | null;
	taskMemcg: string | null;
	uid: number | null;
	/** `CONSTRAINT_MEMCG` for a cgroup's limit, `CONSTRAINT_NONE` for a global OOM; null when not logged. */
	constraint: string | null;
};

/** `oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/x,task_memcg=/x/y,task=node,pid=1234,uid=0` */
export function parseOomKillLine(message: string): OomKillSummary | null {
	const start = message.indexOf('oom-kill:');
	if (start < 0) return null;
	const body = message.slice(start + 'oom-kill:'.length);
	// task= comes before pid=; a comm may hold commas, so take it up to the last ",pid=".
	const pidAt = body.lastIndexOf(',pid=');
	const taskAt = body.lastIndexOf(',task=', pidAt);
	if (pidAt < 0) return null;
	const pidMatch = /^,pid=(\d+)(?:,uid=(\d+))?/.exec(body.slice(pidAt));
	if (!pidMatch) return null;
	const head = taskAt < 0 ? body.slice(0, pidAt) : body.slice(0, taskAt);
	const field = (name: string): string | null => {
		// The key at the start or after a comma: the cpuset name before it may hold the same text within a name.
		const key = new RegExp(`(?:^|,)${name}=`).exec(head);
		if (!key) return null;
		// Paths may hold commas too: a memcg path runs up to the next known key.
		const rest = head.slice(key.index + key[0].length);
		const next = /,(?:constraint|nodemask|cpuset|mems_allowed|oom_memcg|task_memcg|global_oom)(?:=|,)/.exec(rest);
		return bound(unescapeKmsg(next ? rest.slice(0, next.index) : rest, decodeBytesExactly), maxPath);
	};
	return {
		pid: Number(pidMatch[1]),
		comm: taskAt < 0 ? '' : bound(unescapeKmsg(body.slice(taskAt + ',task='.length, pidAt), decodeText), maxComm),
		oomMemcg: field('oom_memcg'),
		taskMemcg: field('task_memcg'),
		uid: pidMatch[2] === undefined ? null : Number(pidMatch[2]),
		constraint: /^constraint=(CONSTRAINT_[A-Z_]+)/.exec(head)?.[1] ?? null,
	};
}

/**
 * `Memory cgroup out of memory: Killed process 1234 (node) total-vm:...` (or `Out of memory: ...` for a global
 * OOM; older kernels print `Killed process 1234 (node) total-vm:...` alone, after a `Kill process` line).
 */
export function parseKilledProcessLine(message: string): {pid: number; comm: string; memcg: boolean} | null {
	const match = /^(?:(Memory cgroup out of memory|Out of memory[^:]*): )?Killed process (\d+) \((.*)\)(?: total-vm:|,|$)/.exec(message);
	if (!match) return null;
	return {pid: Number(match[2]), comm: bound(unescapeKmsg(match[3], decodeText), maxComm), memcg: match[1]?.startsWith('Memory cgroup') ?? false};
}

/**
 * A task an OOM report lists (`[  26384]     0 26384    10807     5340 …             0 dd`): its pid, and the text
 * after its tgid (its figures, then its comm, which may hold spaces).
 */
export function parseListedTaskLine(message: string): {pid: number; rest: string} | null {
	const match = /^\[\s*(\d+)\]\s+\d+\s+\d+\s+(.*)$/.exec(message);
	return match ? {pid: Number(match[1]), rest: unescapeKmsg(match[2], decodeText)} : null;
}

/** A listed task is taken for a later kill's victim this long after its report at most. */
const listedTaskTtlMs = 60_000;
const maxListedTasks = 8192;

/** Older kernels (before the `oom-kill:` summary): `Task in /pod/app killed as a result of limit of /pod`. */
export function parseTaskInLine(message: string): {taskMemcg: string; oomMemcg: string} | null {
	const match = /^Task in (.+) killed as a result of limit of (.+)$/.exec(message);
	if (!match) return null;
	return {taskMemcg: bound(unescapeKmsg(match[1], decodeBytesExactly), maxPath), oomMemcg: bound(unescapeKmsg(match[2], decodeBytesExactly), maxPath)};
}

/** `memory: usage 65536kB, limit 65536kB, failcnt 12`: the limit of the cgroup whose limit was hit, in bytes. */
export function parseMemcgUsageLine(message: string): number | null {
	const match = /^memory: usage \d+kB, limit (\d+)kB/.exec(message);
	return match ? Number(match[1]) * 1024 : null;
}

/** `Tasks in /pod/app are going to be killed due to memory.oom.group set`: the cgroup killed as a whole. */
export function parseGroupKillLine(message: string): string | null {
	const match = /^Tasks in (.+) are going to be killed due to memory\.oom\.group set/.exec(message);
	return match ? bound(unescapeKmsg(match[1], decodeBytesExactly), maxPath) : null;
}

/**
 * Turns kmsg records into kills. The `oom-kill:` summary comes first and names the cgroups, so a kill is
 * reported at once from it (the cgroup counter rises before the `Killed process` line is printed); a
 * `Killed process` line with no summary before it (older kernels, or the other members of a group kill)
 * is reported on its own, with what the lines before it in the same OOM said. The `memory: usage …,
 * limit …` line before the summary gives the limit that struck, as it was then.
 */
export class OomKillParser {
	private readonly summarized: number[] = [];
	/** What the lines of the OOM being logged said so far; reset by its `invoked oom-killer` line. */
	private context: {limitBytes: number | null; taskIn: {taskMemcg: string; oomMemcg: string} | null} = {limitBytes: null, taskIn: null};
	/** The kill a group-kill line belongs to, and the group's cgroup once that line came. */
	private lastKill: KernelOomKill | null = null;
	private groupCgroup: string | null = null;
	/** The tasks the report being logged lists, before its summary names the cgroup whose limit was hit. */
	private listed: Array<{pid: number; rest: string}> = [];
	/** Tasks listed by the latest reports of a cgroup's OOM, by pid: the cgroup, the text after the tgid, the report's time. */
	private readonly listedIn = new Map<number, {cgroup: string; rest: string; time: number}>();

	/** `toTime` turns µs since boot into ms since the epoch. */
	constructor(private readonly toTime: (bootUsec: number) => number = () => Date.now()) {}

	push(record: KmsgRecord): KernelOomKill | null {
		const {message} = record;
		if (message.includes(' invoked oom-killer:')) {
			this.context = {limitBytes: null, taskIn: null};
			this.lastKill = null;
			this.groupCgroup = null;
			this.listed = [];
			return null;
		}
		const summary = parseOomKillLine(message);
		if (summary) {
			this.rememberListed(summary, this.toTime(record.bootUsec));
			this.summarized.push(summary.pid);
			if (this.summarized.length > 16) this.summarized.shift();
			this.groupCgroup = null;
			this.lastKill = {
				pid: summary.pid,
				comm: summary.comm,
				oomMemcg: summary.oomMemcg,
				taskMemcg: summary.taskMemcg,
				constraint: summary.constraint,
				limitBytes: summary.oomMemcg === null ? null : this.context.limitBytes,
				group: null,
				time: this.toTime(record.bootUsec),
				sequence: record.sequence,
			};
			this.context = {limitBytes: null, taskIn: null};
			return this.lastKill;
		}
		const killed = parseKilledProcessLine(message);
		if (!killed) {
			this.note(message);
			return null;
		}
		const index = this.summarized.lastIndexOf(killed.pid);
		if (index >= 0) {
			this.summarized.splice(index, 1);
			return null;
		}
		const time = this.toTime(record.bootUsec);
		const base = {pid: killed.pid, comm: killed.comm, time, sequence: record.sequence};
		if (this.groupCgroup !== null && this.lastKill) {
			// The kernel names no cgroup for the other tasks of the group. When the group is the chosen victim's own
			// cgroup (a container's memory.oom.group), v2 keeps processes in leaves only: they were all in it too.
			const own = this.lastKill.taskMemcg === this.groupCgroup;
			return {
				...base,
				oomMemcg: this.lastKill.oomMemcg,
				taskMemcg: this.groupCgroup,
				taskMemcgIsGroup: !own,
				constraint: this.lastKill.constraint,
				limitBytes: this.lastKill.limitBytes,
				group: this.groupCgroup,
			};
		}
		const taskIn = this.context.taskIn;
		// The kernel rate-limits its reports, not the Killed line: in a burst most kills come with no report. An
		// earlier report of a cgroup's OOM that listed this task (same pid, same comm, in the last minute) says
		// which cgroup held it, though not which limit struck.
		const listed = taskIn === null && killed.memcg ? this.listedTask(killed.pid, killed.comm, time) : null;
		this.lastKill = {
			...base,
			oomMemcg: taskIn?.oomMemcg ?? null,
			taskMemcg: taskIn?.taskMemcg ?? listed,
			...(listed === null ? {} : {taskMemcgIsGroup: true}),
			constraint: taskIn || killed.memcg ? 'CONSTRAINT_MEMCG' : null,
			limitBytes: taskIn || killed.memcg ? this.context.limitBytes : null,
			group: null,
		};
		this.context = {limitBytes: null, taskIn: null};
		return this.lastKill;
	}

	private rememberListed(summary: OomKillSummary, time: number): void {
		const listed = this.listed;
		this.listed = [];
		// Only a report of the victim's own cgroup's limit: the tasks it lists are in that cgroup (or below it), not
		// spread over a pod's containers.
		if (summary.oomMemcg === null || summary.taskMemcg !== summary.oomMemcg) return;
		for (const [pid, entry] of this.listedIn) if (time - entry.time >= listedTaskTtlMs) this.listedIn.delete(pid);
		for (const task of listed) {
			this.listedIn.delete(task.pid);
			this.listedIn.set(task.pid, {cgroup: summary.oomMemcg, rest: task.rest, time});
		}
		for (const pid of this.listedIn.keys()) {
			if (this.listedIn.size <= maxListedTasks) break;
			this.listedIn.delete(pid);
		}
	}

	/** The cgroup of the latest report that listed the task, when it names the same comm; null otherwise. */
	private listedTask(pid: number, comm: string, time: number): string | null {
		const entry = this.listedIn.get(pid);
		if (!entry || time - entry.time >= listedTaskTtlMs) return null;
		return entry.rest === comm || entry.rest.endsWith(` ${comm}`) ? entry.cgroup : null;
	}

	private note(message: string): void {
		if (message.startsWith('[')) {
			const task = parseListedTaskLine(message);
			if (task) {
				if (this.listed.length < maxListedTasks) this.listed.push(task);
				return;
			}
		}
		const limitBytes = parseMemcgUsageLine(message);
		if (limitBytes !== null) {
			// v1 prints memory:, then memory+swap: and kmem:; the first is the limit that struck.
			this.context.limitBytes ??= limitBytes;
			return;
		}
		const taskIn = parseTaskInLine(message);
		if (taskIn) {
			this.context.taskIn = taskIn;
			return;
		}
		const group = parseGroupKillLine(message);
		if (group !== null && this.lastKill) {
			// The victim's record was handed out already; it is marked here, before the detector takes it.
			this.lastKill.group = group;
			this.groupCgroup = group;
		}
	}
}

export type KmsgReaderOptions = {
	path?: string;
	/** Records read per poll at most, so a flood cannot stall a refresh; default 4096. */
	maxRecordsPerPoll?: number;
	/**
	 * Only records of the kernel facility (0) count; default true. Root may write to /dev/kmsg, but the
	 * kernel gives such records the user facility, so a forged `oom-kill:` line is ignored. Tests turn it off.
	 */
	kernelOnly?: boolean;
	/** Keep the kills the log already holds at open (`backlog`) instead of skipping them as not news; default false. */
	backlog?: boolean;
};

/** What the kernel log held at open: its kills, and from when it holds records. */
export type KmsgBacklog = {
	kills: KernelOomKill[];
	/** The time of the oldest record still held (ms since the epoch); null when the log was empty or unreadable. */
	since: number | null;
	/** Whether that oldest record is the first since boot (the ring has not wrapped). */
	sinceBoot: boolean;
};

/** Microseconds since boot now, on the clock kmsg stamps records with (CLOCK_MONOTONIC here). */
function monotonicUsec(): number {
	return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Reads OOM kills from /dev/kmsg as they are logged, without blocking: opened non-blocking, the records
 * already there are skipped at open, each poll() reads what came since. Unavailable (not root, no
 * /dev/kmsg, dmesg_restrict) is reported, never thrown.
 */
export class KmsgReader {
	readonly available: boolean;
	/** Why the kernel log cannot be read, when it cannot. */
	readonly unavailableReason: string | null;
	private descriptor: number;
	private readonly buffer = Buffer.alloc(16 * 1024);
	private readonly toTime = (bootUsec: number) => Math.min(Date.now(), Math.round(Date.now() - (monotonicUsec() - bootUsec) / 1000));
	private readonly parser = new OomKillParser(this.toTime);
	private readonly maxRecords: number;
	private readonly kernelOnly: boolean;
	/** The kills logged before open, when asked for (options.backlog); empty otherwise. */
	readonly backlog: KmsgBacklog = {kills: [], since: null, sinceBoot: false};

	constructor(options: KmsgReaderOptions = {}) {
		this.maxRecords = options.maxRecordsPerPoll ?? 4096;
		this.kernelOnly = options.kernelOnly ?? true;
		try {
			this.descriptor = fs.openSync(options.path ?? '/dev/kmsg', fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
			this.available = true;
			this.unavailableReason = null;
		} catch (error) {
			this.descriptor = -1;
			this.available = false;
			this.unavailableReason = (error as NodeJS.ErrnoException).code ?? String(error);
			return;
		}
		if (options.backlog) {
			this.readBacklog();
			return;
		}
		// What the log already holds is not news; read it to the end (no lseek(SEEK_END) in Node).
		while (this.readRecord() !== null);
	}

	private readBacklog(): void {
		let first = true;
		for (let record = this.readRecord(); record !== null; record = this.readRecord()) {
			const parsed = parseKmsgRecord(record);
			if (!parsed) continue;
			if (first) {
				first = false;
				this.backlog.since = this.toTime(parsed.bootUsec);
				this.backlog.sinceBoot = parsed.sequence === 0;
			}
			if (this.kernelOnly && parsed.priority >> 3 !== 0) continue;
			const kill = this.parser.push(parsed);
			if (kill) this.backlog.kills.push(kill);
		}
	}

	/** The kills logged since the last poll. */
	poll(): KernelOomKill[] {
		const kills: KernelOomKill[] = [];
		for (let count = 0; count < this.maxRecords; count++) {
			const record = this.readRecord();
			if (record === null) break;
			const parsed = parseKmsgRecord(record);
			if (!parsed || (this.kernelOnly && parsed.priority >> 3 !== 0)) continue;
			const kill = this.parser.push(parsed);
			if (kill) kills.push(kill);
		}
		return kills;
	}

	close(): void {
		if (this.descriptor >= 0) fs.closeSync(this.descriptor);
		this.descriptor = -1;
	}

	/** One record, or null when there is none yet (EAGAIN) or the log cannot be read. */
	private readRecord(): string | null {
		if (this.descriptor < 0) return null;
		for (;;) {
			try {
				const length = fs.readSync(this.descriptor, this.buffer, 0, this.buffer.length, null);
				return length <= 0 ? null : this.buffer.toString('utf8', 0, length);
			} catch (error) {
				// EPIPE: records were overwritten before they were read; the next read goes on from the oldest.
				if ((error as NodeJS.ErrnoException).code === 'EPIPE') continue;
				return null;
			}
		}
	}
}
