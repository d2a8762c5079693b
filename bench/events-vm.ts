import {fileURLToPath} from 'node:url';
import {runInVm, vmAvailable} from '../test/vm/harness.js';
import {onCleanup} from './cleanup.js';
import {cliPath} from './common.js';
import {matchChanges, type ArrivedLine, type EventsResult, type EventsSkipped, type ObservedChange} from './events.js';

const rigScript = fileURLToPath(new URL('events-vm-rig.sh', import.meta.url));
const kindOfCounter = {high: 'memory.high', max: 'memory.max', oom: 'oom', oom_kill: 'oom-kill'};

function counters(commaJoined: string): Record<string, number> {
	return Object.fromEntries(
		commaJoined
			.split(',')
			.filter(Boolean)
			.map((pair) => pair.split(' '))
			.map(([key, value]) => [key, Number(value)]),
	);
}

/**
 * Real cgroup v2, in the qemu VM of test/vm (one boot of bench/events-vm-rig.sh): `podtop events --json
 * --interval 3600000` on a container whose perl allocators are OOM-killed at memory.max, `episodes` times.
 * A perl observer re-reading memory.events every ~1 ms gives the time of each change, a perl stamper the
 * arrival of each NDJSON line, both in the VM's monotonic clock. The VM emulates its CPUs (TCG): CPU-bound
 * work runs ~12× slower than on the host, so podtop's share of the latency is pessimistic.
 */
export async function measureEventsInVm(episodes: number): Promise<EventsResult | EventsSkipped> {
	const available = vmAvailable();
	if (!available.ok) return {skipped: available.reason};
	const stop = new AbortController();
	const running = runInVm(`sh ${rigScript}`, {timeoutMs: 60_000 + episodes * 5000, env: {PODTOP_CLI: cliPath, EPISODES: String(episodes)}, signal: stop.signal});
	const forget = onCleanup('the events VM', async () => {
		stop.abort();
		await running.catch(() => {});
	});
	const result = await running.finally(forget);
	if (result.code !== 0) throw new Error(`the events VM rig exited ${result.code}${result.timedOut ? ' (timed out)' : ''}:\n${result.stdout}\n${result.stderr}`);

	const set = new Map<string, string>();
	const observed: ObservedChange[] = [];
	const lines: ArrivedLine[] = [];
	let status = '';
	for (const line of result.stdout.split('\n')) {
		const [tag, first, second, ...rest] = line.split(' ');
		if (tag === 'set') set.set(first, second);
		if (tag === 'observed') observed.push({at: Number(first), previousAt: Number(second), counters: counters(rest.join(' '))});
		if (tag === 'line') {
			const event = JSON.parse(line.slice(tag.length + first.length + 2)) as {kind: string; cgroup: string; value: number | null};
			lines.push({at: Number(first), kind: event.kind, cgroup: event.cgroup, value: event.value});
		}
		if (tag === 'status') status = line.slice('status '.length);
	}
	if (!status.includes('watching v2 memory.events')) throw new Error(`podtop events in the VM does not watch memory.events: ${status}`);
	const app = set.get('cgroup.app') ?? '';
	const kills = set.get('final.oom_kill');
	return {
		...matchChanges(observed, lines, app, kindOfCounter),
		intervalMs: 3_600_000,
		note:
			`real cgroup v2 in the qemu VM (TCG, 2 vCPUs), ${episodes} perl allocators OOM-killed at a 32 MiB memory.max (${kills} kills), ` +
			'a change is a read of memory.events by an observer polling every ~1 ms in the VM that differs from the read before, ' +
			'timed to the first NDJSON line carrying its new value, stamped on arrival in the VM',
	};
}
