import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Box} from 'ink';
import {render} from 'ink-testing-library';
import {cellWidth} from '../../source/format/cells.js';
import type {Tombstone} from '../../source/model/event-log.js';
import type {PodtopEvent} from '../../source/model/events.js';
import {EventPane} from '../../source/view/event-pane.js';
import {eventTimeText, eventVictim, limitPhrase, recordedExitText} from '../../source/view/event-text.js';
import {nothingSeen, unseenOomKills} from '../../source/view/alerts.js';
import {alertBadges} from '../../source/view/pod-tree.js';
import {tombstoneTag, type RowAlert, type TreeRow} from '../../source/view/tree-rows.js';
import {detailLines} from '../../source/view/detail-lines.js';
import type {NamespaceSharing} from '../../source/view/namespace-sharing.js';
import {makeGauges, makeModel} from '../fixtures/models.js';

const MiB = 1024 * 1024;
const kill: PodtopEvent = {
	time: 0,
	kind: 'oom-kill',
	cgroup: '/mypod/app',
	podId: '/mypod',
	podName: 'mypod',
	containerId: '/mypod/app',
	containerName: 'app',
	delta: 1,
	victim: {pid: 42, comm: 'dd'},
	limit: {cgroup: '/mypod', level: 'pod', bytes: 256 * MiB},
};

test('which limit struck, in words: each level, unknown said so, hostile cgroup names escaped', () => {
	assert.equal(limitPhrase(kill.limit), "killed by the pod's 256M limit");
	assert.equal(limitPhrase({cgroup: '/mypod/app', level: 'container', bytes: 64 * MiB}), "killed by the container's 64M limit");
	assert.equal(limitPhrase({cgroup: '/kubepods/burstable', level: 'node-allocatable', bytes: null}), 'killed by the node-allocatable limit (/kubepods/burstable)');
	assert.equal(limitPhrase({cgroup: '/a\u001b[2J', level: 'ancestor', bytes: MiB}), 'killed by the 1.0M limit of ancestor /a\\x1b[2J');
	assert.equal(limitPhrase({cgroup: null, level: 'node', bytes: null}), "killed by the node's memory (global OOM)");
	assert.equal(limitPhrase(null), 'limit unknown');
	assert.equal(eventVictim(kill), "killed by the pod's 256M limit · victim 42 (dd)");
	assert.equal(eventVictim({...kill, group: '/mypod/app'}), "killed by the pod's 256M limit · victim 42 (dd) · group kill");
	assert.equal(eventVictim({...kill, limit: null}), 'victim 42 (dd)');
	assert.equal(eventVictim(kill, true), 'by pod 256M · 42 (dd)');
	assert.equal(eventVictim({...kill, limit: {cgroup: null, level: 'node', bytes: null}}, true), 'by node memory · 42 (dd)');
	assert.equal(eventVictim({...kill, victim: null, group: '/mypod/app'}, true), 'by pod 256M · victim unknown · group kill');
	assert.equal(eventVictim({...kill, limit: {cgroup: null, level: 'unknown', bytes: null}}, true), '42 (dd)');
});

test('a tombstone row: oom-killed by the limit that struck, or exited', () => {
	const tombstone = {containerName: 'app', events: [kill], end: 'oom-killed'} as unknown as Tombstone;
	assert.equal(tombstoneTag(tombstone), "† oom-killed by pod's 256M limit");
	assert.equal(tombstoneTag({...tombstone, events: [{...kill, limit: null}]}), '† oom-killed');
	assert.equal(tombstoneTag({...tombstone, end: 'exited'}), '† exited');
	// Its runtime recorded how it ended: the code on the row, the rest in the details.
	const exit = {runtime: 'docker', code: 137, finishedAt: new Date(2026, 11, 6, 14, 2, 3).getTime(), reason: 'OOMKilled'} as const;
	assert.equal(tombstoneTag({...tombstone, end: 'exited', exit}), '† exited 137');
	assert.equal(tombstoneTag({...tombstone, exit}), "† oom-killed by pod's 256M limit", 'the kernel named its main process the victim');
	assert.equal(recordedExitText(exit), 'exit code 137 (SIGKILL) at 14:02:03, as Docker recorded it · Docker saw an OOM kill in it');
	assert.equal(
		recordedExitText({runtime: 'containerd', code: 1, finishedAt: null, reason: 'Error\u001b[2J'}),
		'exit code 1, as containerd recorded it · reason Error\\x1b[2J',
	);
});

test('the event pane at 80 columns: which limit and the victim whole, in fewer words; at 120 in full', () => {
	const past: PodtopEvent = {...kill, podId: '', podName: '', containerId: null, containerName: null, past: true, limit: {cgroup: '/mypod/app', level: 'container', bytes: 64 * MiB}};
	const paneLines = (width: number): string[] => {
		const {lastFrame, unmount} = render(
			<Box width={width}>
				<EventPane events={[{...kill, time: 60_000, podName: 'checkout-7d9f8b6c4-x2kqz', containerName: 'web'}, past]} total={1} past={1} height={4} width={width} />
			</Box>,
		);
		const lines = (lastFrame() ?? '').split('\n');
		unmount();
		for (const line of lines) assert.ok(cellWidth(line) <= width, line);
		return lines;
	};

	const narrow = paneLines(80);
	assert.match(narrow[0], /^EVENTS 1 event since start \+ 1 OOM kill before · newest first/);
	assert.match(narrow[1], /^\d\d:\d\d:\d\d oom-kill checkout-7d9f8b6c4-x2kqz\/web {2}by pod 256M · 42 \(dd\) {2}\+1$/);
	assert.match(narrow[2], /^\d\d:\d\d:\d\d before start oom-kill \/mypod\/app {2}by container 64M · 42 \(dd\) {2}\+1$/);
	const wide = paneLines(120);
	assert.match(wide[1], /^\d\d:\d\d:\d\d oom-kill {6}checkout-7d9f8b6c4-x2kqz\/web {2}killed by the pod's 256M limit · victim 42 \(dd\) {2}\+1$/);
	assert.match(wide[2], /^\d\d:\d\d:\d\d before start oom-kill \/mypod\/app {2}killed by the container's 64M limit · victim 42 \(dd\) {2}\+1$/);
});

test('a row marks its unseen kills with the limit that struck the newest of them and when the last was', () => {
	// Local times, so that the expected text does not depend on the machine's time zone.
	const at = (day: number, hour: number, minute: number) => new Date(2026, 11, day, hour, minute).getTime();
	const now = at(6, 15, 0);
	const older: PodtopEvent = {...kill, time: at(6, 13, 58), limit: {cgroup: '/mypod/app', level: 'container', bytes: 64 * MiB}};
	const newer: PodtopEvent = {...kill, time: at(6, 14, 2)};
	const unknown: PodtopEvent = {...kill, time: at(6, 14, 30), containerId: '/mypod/sidecar', containerName: 'sidecar', limit: null};
	const yesterday: PodtopEvent = {...kill, time: at(3, 9, 15), containerId: '/mypod/old', containerName: 'old', past: true};
	const counted: PodtopEvent = {...kill, time: now, containerId: '/mypod/counted', containerName: 'counted', victim: null, limit: null, past: true, counted: true, delta: 3};
	// Newest first, as the event log holds them.
	const events = [counted, unknown, newer, older, yesterday];
	const kills = unseenOomKills(events, nothingSeen, now);
	const badges = (key: string, alert: RowAlert | null = null, detail?: 'full' | 'limit' | 'count') =>
		alertBadges({alert, unseenOomKills: kills.get(key) ?? null}, detail);
	assert.deepEqual(badges('container:/mypod/app'), ['oom ×2 by pod 256M last 14:02']);
	assert.deepEqual(badges('container:/mypod/app', 'oom-kill'), ['OOM ×2 by pod 256M last 14:02']);
	assert.deepEqual(badges('container:/mypod/app', null, 'limit'), ['oom ×2 by pod 256M'], 'narrower: the time goes first');
	assert.deepEqual(badges('container:/mypod/app', null, 'count'), ['oom ×2'], 'narrower still: the count alone');
	assert.deepEqual(badges('container:/mypod/sidecar'), ['oom ×1 last 14:30'], 'the kernel log did not say which limit');
	assert.deepEqual(badges('container:/mypod/old'), ['oom ×1 by pod 256M last 3 Dec'], 'before today: the date');
	assert.deepEqual(badges('container:/mypod/counted'), ['oom ×3'], 'counted by the cgroup: no time claimed');
	assert.deepEqual(badges('container:/mypod/other', 'oom-kill'), ['OOM']);
	assert.deepEqual(badges('container:/mypod/other'), []);
	const seenThrough = unseenOomKills(events, {all: -Infinity, rows: new Map([['container:/mypod/app', at(6, 14, 0)]])}, now);
	assert.deepEqual(seenThrough.get('container:/mypod/app'), {count: 1, limit: kill.limit, last: '14:02'}, 'the kill seen in the details is not counted');
});

test('a kill counted by its cgroup from before start claims no time, victim nor limit', () => {
	const counted: PodtopEvent = {...kill, time: 60_000, victim: null, limit: null, past: true, counted: true, delta: 3, value: 3};
	assert.equal(eventTimeText(counted), '--:--:--');
	assert.equal(eventVictim(counted), "counted by the cgroup's oom_kill · when and whom unknown");
	const {lastFrame, unmount} = render(
		<Box width={120}>
			<EventPane events={[counted]} total={0} past={3} height={2} width={120} />
		</Box>,
	);
	const lines = (lastFrame() ?? '').split('\n');
	unmount();
	assert.match(lines[0], /^EVENTS 0 events since start \+ 3 OOM kills before/);
	assert.equal(lines[1].trimEnd(), "--:--:-- before start oom-kill mypod/app  counted by the cgroup's oom_kill · when and whom unknown  +3");
});

test('the details of a gone container: a kill from before start marked as in the event pane, the pod\'s limit named', () => {
	const time = new Date(2026, 11, 6, 14, 2, 3).getTime();
	const tombstone: Tombstone = {
		containerId: '/mypod/app',
		containerName: 'app',
		podId: '/mypod',
		podName: 'mypod',
		cgroup: '/mypod/app',
		podCgroup: '/mypod',
		samples: [],
		lastGauges: makeGauges({current: MiB, max: null, effectiveMax: 256 * MiB, effectiveMaxCgroup: '/mypod'}),
		lastPids: [],
		lastSeen: time,
		events: [{...kill, time, past: true}],
		goneAt: time,
		expiresAt: time + 60_000,
		end: 'exited',
		exit: null,
	};
	const row = {subject: {kind: 'tombstone', tombstone}} as unknown as TreeRow;
	const text = detailLines(makeModel([]), row, new Map() as unknown as NamespaceSharing).map((line) => line.segments.map((segment) => segment.text).join('').trimEnd());
	assert.ok(text.includes("events  14:02:03 before start oom-kill killed by the pod's 256M limit · victim 42 (dd) +1"), text.join('\n'));
	assert.ok(text.some((line) => line.trim().startsWith('limit own none · pod 256M (effective)')), text.join('\n'));
});
