import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Box} from 'ink';
import {render} from 'ink-testing-library';
import {cellWidth} from '../../source/format/cells.js';
import type {Tombstone} from '../../source/model/event-log.js';
import type {PodtopEvent} from '../../source/model/events.js';
import {EventPane} from '../../source/view/event-pane.js';
import {eventVictim, limitPhrase} from '../../source/view/event-text.js';
import {tombstoneTag} from '../../source/view/tree-rows.js';

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
});

test('a tombstone row: oom-killed by the limit that struck, or exited', () => {
	const tombstone = {containerName: 'app', events: [kill], end: 'oom-killed'} as unknown as Tombstone;
	assert.equal(tombstoneTag(tombstone), "† oom-killed by pod's 256M limit");
	assert.equal(tombstoneTag({...tombstone, events: [{...kill, limit: null}]}), '† oom-killed');
	assert.equal(tombstoneTag({...tombstone, end: 'exited'}), '† exited');
});

test('the event pane at 80 columns: a kill from before start by its cgroup and what struck, each line cut at the width', () => {
	const past: PodtopEvent = {...kill, podId: '', podName: '', containerId: null, containerName: null, past: true, limit: {cgroup: '/mypod/app', level: 'container', bytes: 64 * MiB}};
	const {lastFrame, unmount} = render(
		<Box width={80}>
			<EventPane events={[{...kill, time: 60_000}, past]} total={1} past={1} height={4} />
		</Box>,
	);
	const lines = (lastFrame() ?? '').split('\n');
	unmount();
	assert.match(lines[0], /^EVENTS 1 event since start \+ 1 OOM kill before · newest first/);
	assert.match(lines[1], /^\d\d:\d\d:\d\d oom-kill {6}mypod\/app {2}killed by the pod's 256M limit · victim 42 \(d/, 'cut at the width, not wrapped');
	assert.match(lines[2], /^\d\d:\d\d:\d\d before start oom-kill \/mypod\/app {2}killed by the container's 64M limit/);
	for (const line of lines) assert.ok(cellWidth(line) <= 80, line);
});
