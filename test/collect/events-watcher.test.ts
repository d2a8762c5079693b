import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {PassThrough} from 'node:stream';
import {after, describe, test} from 'node:test';
import {setTimeout as sleep} from 'node:timers/promises';
import {createEventsWatcher} from '../../source/collect/events-watcher.js';
import {runEventsCommand} from '../../source/events-command.js';
import {FixtureTree, v2MemoryFiles} from '../helpers/fixture-tree.js';
import {repeatUntil} from '../helpers/repeat-until.js';
import {waitFor} from '../helpers/processes.js';

const MiB = 1024 * 1024;

/** This process's inotify watches ("wd:<n> ino:<inode>"), from its descriptors' fdinfo. */
function inotifyWatches(): string[] {
	const watches: string[] = [];
	for (const fd of fs.readdirSync('/proc/self/fdinfo')) {
		let info = '';
		try {
			info = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
		} catch {
			continue;
		}
		for (const match of info.matchAll(/^inotify wd:(\w+) ino:(\w+)/gm)) watches.push(`wd:${match[1]} ino:${match[2]}`);
	}
	return watches.sort();
}

const events = (counters: {max?: number; oom?: number; oomKill?: number; high?: number}) =>
	`low 0\nhigh ${counters.high ?? 0}\nmax ${counters.max ?? 0}\noom ${counters.oom ?? 0}\noom_kill ${counters.oomKill ?? 0}\noom_group_kill 0\n`;

describe('EventsWatcher on a directory tree shaped like cgroupfs v2', () => {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-watch-'));
	after(() => fs.rmSync(root, {recursive: true, force: true}));
	for (const cgroup of ['a', 'b', 'c']) {
		fs.mkdirSync(path.join(root, cgroup));
		fs.writeFileSync(path.join(root, cgroup, 'memory.events'), events({}));
	}
	fs.writeFileSync(path.join(root, 'a', 'pids.events'), 'max 0\n');

	test('calls back with the cgroup path when its memory.events or pids.events changes; setWatched diffs', async () => {
		const changed: string[] = [];
		const watcher = createEventsWatcher({root, onChange: (cgroup) => changed.push(cgroup)});
		try {
			watcher.setWatched(['/a', '/b', '/v1-only']);
			assert.deepEqual([...watcher.watchedFiles].sort(), [path.join(root, 'a/memory.events'), path.join(root, 'a/pids.events'), path.join(root, 'b/memory.events')]);
			let max = 0;
			await repeatUntil(() => fs.writeFileSync(path.join(root, 'a', 'memory.events'), events({max: ++max})), () => changed.includes('/a'), 'a change of /a');
			changed.length = 0;
			await repeatUntil(() => fs.writeFileSync(path.join(root, 'a', 'pids.events'), `max ${++max}\n`), () => changed.includes('/a'), 'a pids.events change of /a');

			watcher.setWatched(['/b', '/c']);
			assert.deepEqual([...watcher.watchedFiles].sort(), [path.join(root, 'b/memory.events'), path.join(root, 'c/memory.events')]);
			// /a is written first, then /c until it is reported: /c's report proves the watch live, and /a's
			// notification, queued before it, would have come first.
			changed.length = 0;
			fs.writeFileSync(path.join(root, 'a', 'memory.events'), events({max: ++max}));
			await repeatUntil(() => fs.writeFileSync(path.join(root, 'c', 'memory.events'), events({max: ++max})), () => changed.includes('/c'), 'a change of /c');
			assert.equal(changed.includes('/a'), false, 'an unwatched cgroup is silent');
		} finally {
			await watcher.close();
		}
		assert.equal(watcher.watchedFiles.size, 0);
		// Closed: a second watcher on the same file proves the write is notified, and the first is silent.
		changed.length = 0;
		const witnessed: string[] = [];
		const witness = createEventsWatcher({root, onChange: (cgroup) => witnessed.push(cgroup)});
		try {
			witness.setWatched(['/b']);
			let max = 10;
			await repeatUntil(() => fs.writeFileSync(path.join(root, 'b', 'memory.events'), events({max: ++max})), () => witnessed.includes('/b'), 'a change of /b');
		} finally {
			await witness.close();
		}
		assert.deepEqual(changed, [], 'closed: no callback');
	});

	test('cgroups watched already keep their inotify watches when given again, no notification lost to a watch made anew; those dropped give theirs back', async () => {
		const changed: string[] = [];
		const watcher = createEventsWatcher({root, onChange: (cgroup) => changed.push(cgroup)});
		try {
			watcher.setWatched(['/a', '/b']);
			let max = 100;
			await repeatUntil(() => fs.writeFileSync(path.join(root, 'b', 'memory.events'), events({max: ++max})), () => changed.includes('/b'), 'a change of /b');
			const watches = inotifyWatches();
			assert.equal(watches.length, 3, 'a/memory.events, a/pids.events and b/memory.events');
			watcher.setWatched(['/b', '/a']);
			await sleep(100);
			assert.deepEqual(inotifyWatches(), watches);
			watcher.setWatched(['/b']);
			await sleep(100);
			assert.equal(inotifyWatches().length, 1, 'the watches of a cgroup no longer watched are given back');
		} finally {
			await watcher.close();
		}
	});

	test('a closed watcher watches nothing it is given after', async () => {
		const watcher = createEventsWatcher({root, onChange: () => {}});
		await watcher.close();
		watcher.setWatched(['/a']);
		assert.equal(watcher.watchedFiles.size, 0);
		await sleep(100);
		assert.deepEqual(inotifyWatches(), []);
	});

	test('a cgroup without its events files is watched once they are there', async () => {
		const changed: string[] = [];
		const watcher = createEventsWatcher({root, onChange: (cgroup) => changed.push(cgroup)});
		try {
			fs.mkdirSync(path.join(root, 'd'));
			watcher.setWatched(['/d']);
			assert.equal(watcher.watchedFiles.size, 0);
			await sleep(100);
			assert.deepEqual(inotifyWatches(), [], 'nothing to watch: no watch');
			fs.writeFileSync(path.join(root, 'd', 'memory.events'), events({}));
			watcher.setWatched(['/d']);
			assert.deepEqual([...watcher.watchedFiles], [path.join(root, 'd/memory.events')]);
			let max = 0;
			await repeatUntil(() => fs.writeFileSync(path.join(root, 'd', 'memory.events'), events({max: ++max})), () => changed.includes('/d'), 'a change of /d');
		} finally {
			await watcher.close();
		}
	});
});

describe('podtop events on a v2 fixture tree: the watcher path', () => {
	const tree = new FixtureTree();
	after(() => tree.remove());
	const pod = tree.v2KubepodsNode('0a0a0a0a-0000-4000-8000-000000000001');
	const app = `${pod}/${'b'.repeat(64)}`;
	tree.cgroupFiles(pod, v2MemoryFiles(100 * MiB, 512 * MiB));
	tree.cgroupFiles(app, v2MemoryFiles(60 * MiB, 64 * MiB, {'memory.events': events({max: 2})}));
	tree.addProcess({pid: 200, comm: 'node', cmdline: ['node', 'server.js'], cgroup: `0::${app}\n`, namespaces: {net: 4026532100, ipc: 4026532101, uts: 4026532102, pid: 4026532203, mnt: 4026532204}});

	test('a rewritten memory.events is reported at once, with the counter deltas, long before the next refresh', async () => {
		const output = new PassThrough();
		const lines: string[] = [];
		let buffered = '';
		output.on('data', (chunk: Buffer) => {
			buffered += chunk.toString();
			const parts = buffered.split('\n');
			buffered = parts.pop() ?? '';
			lines.push(...parts);
		});
		const status = new PassThrough();
		let statusText = '';
		status.on('data', (chunk: Buffer) => (statusText += chunk.toString()));
		let stop!: () => void;
		const stopSignal = new Promise<void>((resolve) => (stop = resolve));
		const finished = runEventsCommand({
			json: true,
			intervalMs: 3_600_000,
			procRoot: tree.proc,
			cgroupRoot: tree.cgroup,
			kmsgPath: '/nonexistent/kmsg',
			output,
			status,
			stopSignal,
		});
		try {
			await waitFor(() => statusText.includes('\n'), 30_000, 'the status line');
			assert.match(statusText, /watching v2 memory\.events/);
			assert.match(statusText, /kernel log unreadable \(ENOENT\)/);
			assert.deepEqual(lines, [], 'the counters at start are not news');
			// As the kernel does: the container's counters and, at the same moment, its ancestors' (v2 is hierarchical).
			// The refresh is an hour away: rewriting the same counters until they are reported proves the watch live.
			await repeatUntil(
				() => {
					tree.cgroupFiles(app, {'memory.events': events({max: 9, oom: 1, oomKill: 1})});
					tree.cgroupFiles(pod, {'memory.events': events({max: 7, oom: 1, oomKill: 1})});
				},
				() => lines.length >= 3,
				'three events',
			);
			const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
			assert.deepEqual(
				parsed.map((event) => [event.kind, event.delta, event.value, event.cgroup, event.containerId, event.podId]),
				[
					['memory.max', 7, 9, app, app, pod],
					['oom', 1, 1, app, app, pod],
					['oom-kill', 1, 1, app, app, pod],
				],
			);
			assert.equal(parsed[2].victim, null, 'no kernel log and no rescan between: the victim is unknown');
			assert.equal(parsed[0].victim, undefined);
			// The pod's own limit hit: only the pod's counter rises.
			tree.cgroupFiles(pod, {'memory.events': events({max: 12, oom: 1, oomKill: 1})});
			await waitFor(() => lines.length >= 4, 30_000, 'a pod event');
			// Reported after everything written before it: the pod's first rise, counted through app, gave no report.
			assert.equal(lines.length, 4, 'the pod counted the same events: no second report');
			const {time, ...podEvent} = JSON.parse(lines[3]) as Record<string, unknown>;
			assert.equal(typeof time, 'number');
			assert.ok(Math.abs((time as number) - Date.now()) < 600_000, `the time of the read in ms since the epoch: ${String(time)}`);
			assert.deepEqual(podEvent, {
				kind: 'memory.max',
				cgroup: pod,
				podId: pod,
				podName: 'pod-0a0a0a0a-0000-4000-8000-000000000001',
				containerId: null,
				containerName: null,
				delta: 5,
				value: 12,
			});
		} finally {
			stop();
			assert.equal(await finished, 0);
		}
	});
});
