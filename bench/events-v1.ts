import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {createUnsharePod, MiB, startMemoryClimber} from '../test/helpers/rigs.js';
import {onCleanup} from './cleanup.js';
import {cliPath, log, sleep, waitFor} from './common.js';
import {matchChanges, type ArrivedLine, type EventsResult, type EventsSkipped, type ObservedChange} from './events.js';

const memoryRoot = '/sys/fs/cgroup/memory';
const kindOfCounter = {failcnt: 'limit-hit', oom_kill: 'oom-kill'};

function readCounters(cgroupDir: string): Record<string, number> {
	const oomKill = /^oom_kill (\d+)$/m.exec(fs.readFileSync(path.join(cgroupDir, 'memory.oom_control'), 'latin1'))?.[1];
	return {failcnt: Number(fs.readFileSync(path.join(cgroupDir, 'memory.failcnt'), 'latin1')), oom_kill: Number(oomKill)};
}

/**
 * cgroup v1 on this machine: `podtop events --json --interval <intervalMs>` on a real rig container (unshare
 * pod, 64 MiB memory.limit_in_bytes) into which `episodes` busybox awk climbers grow until OOM-killed, started
 * at varied moments of podtop's interval. v1 has no notification: podtop compares counters each refresh, so
 * a change should show within one interval. An observer in this process re-reads memory.failcnt and
 * memory.oom_control every ~1 ms for the time of each change; lines are stamped on arrival on the pipe.
 */
export async function measureEventsV1(episodes: number, intervalMs = 1000): Promise<EventsResult | EventsSkipped> {
	if (!fs.existsSync(path.join(memoryRoot, 'memory.limit_in_bytes'))) return {skipped: 'no v1 memory hierarchy on this machine'};
	const pod = await createUnsharePod({apps: [{name: 'app', memoryLimitBytes: 64 * MiB}]});
	const forgetPod = onCleanup('the v1 events pod', () => pod.cleanup());
	const [app] = pod.apps;
	const cgroupDir = path.join(memoryRoot, app.cgroup);
	const child = spawn(process.execPath, [cliPath, 'events', '--json', '--interval', String(intervalMs)], {stdio: ['ignore', 'pipe', 'pipe']});
	const forgetChild = onCleanup('podtop events (v1)', () => {
		child.kill('SIGKILL');
	});
	const lines: ArrivedLine[] = [];
	const observed: ObservedChange[] = [];
	let stderr = '';
	let pending = '';
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	child.stdout.on('data', (chunk: Buffer) => {
		const at = performance.now();
		pending += chunk.toString();
		const complete = pending.split('\n');
		pending = complete.pop() ?? '';
		for (const line of complete) {
			const event = JSON.parse(line) as {kind: string; cgroup: string; value: number | null};
			lines.push({at, kind: event.kind, cgroup: event.cgroup, value: event.value});
		}
	});
	let previousAt = 0;
	let last = '';
	const observer = setInterval(() => {
		const at = performance.now();
		const counters = readCounters(cgroupDir);
		const key = JSON.stringify(counters);
		if (key !== last) observed.push({at, previousAt, counters});
		last = key;
		previousAt = at;
	}, 1);
	try {
		await waitFor(() => stderr.includes('\n'), 20_000, 'podtop events\' status line');
		if (!stderr.includes('comparing counters')) throw new Error(`podtop events is not on v1 here: ${stderr}`);
		// Its first refresh, which names the container, follows the status line.
		await sleep(intervalMs);
		for (let episode = 1; episode <= episodes; episode++) {
			// A different moment of podtop's interval each time: the latency depends on it.
			await sleep(((episode * 0.37) % 1) * intervalMs);
			const climber = await startMemoryClimber(app, {stepMiB: 16, everyMs: 100});
			const exited = await Promise.race([climber.exited, sleep(10_000).then(() => null)]);
			await climber.cleanup();
			if (exited?.signal !== 'SIGKILL') log(`events v1: climber ${episode} was not OOM-killed (${JSON.stringify(exited)})`);
		}
		await sleep(2 * intervalMs);
		const matched = matchChanges(observed, lines, app.cgroup, kindOfCounter);
		return {
			...matched,
			intervalMs,
			withinInterval: matched.changes > 0 && matched.reported === matched.changes && (matched.latencyMs.max ?? Infinity) <= intervalMs,
			note:
				`real cgroup v1 on this machine, an unshare pod's container at a 64 MiB limit, ${episodes} busybox awk climbers OOM-killed; ` +
				'a change is a read of memory.failcnt / memory.oom_control by an observer polling every ~1 ms (in the bench process) ' +
				'that differs from the read before, timed to the first NDJSON line carrying its new value',
		};
	} finally {
		clearInterval(observer);
		forgetChild();
		child.kill('SIGTERM');
		await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));
		forgetPod();
		await pod.cleanup();
	}
}
