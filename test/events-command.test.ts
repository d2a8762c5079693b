import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {eventToJson, formatEventText} from '../source/output/event-lines.js';
import type {PodtopEvent} from '../source/model/events.js';
import {runPodtop} from './helpers/podtop.js';

const kill: PodtopEvent = {
	time: Date.parse('2025-11-23T16:00:00.250Z'),
	kind: 'oom-kill',
	cgroup: '/podtop-x/app1',
	podId: '/podtop-x',
	podName: 'podtop-x',
	containerId: '/podtop-x/app1',
	containerName: 'app1',
	delta: 1,
	value: 1,
	victim: {pid: 1234, comm: 'no\u001b[2Jde'},
};

describe('podtop events output', () => {
	test('text: time kind pod/container delta victim, control characters escaped', () => {
		assert.equal(formatEventText(kill), '2025-11-23T16:00:00.250Z oom-kill podtop-x/app1 +1 value=1 victim=1234(no\\x1b[2Jde) limit=unknown cgroup=/podtop-x/app1');
		assert.equal(
			formatEventText({...kill, limit: {cgroup: '/podtop-x', level: 'pod', bytes: 256 * 1024 * 1024}, group: '/podtop-x/app1'}),
			'2025-11-23T16:00:00.250Z oom-kill podtop-x/app1 +1 value=1 victim=1234(no\\x1b[2Jde) limit=pod:/podtop-x:256M group=/podtop-x/app1 cgroup=/podtop-x/app1',
		);
		assert.match(formatEventText({...kill, limit: {cgroup: null, level: 'node', bytes: null}}), / limit=node:-:\? /);
		assert.equal(
			formatEventText({...kill, kind: 'memory.max', containerId: null, containerName: null, cgroup: '/podtop-x', delta: 7, value: 9, victim: undefined}),
			'2025-11-23T16:00:00.250Z memory.max podtop-x/(pod) +7 value=9 cgroup=/podtop-x',
		);
		assert.match(formatEventText({...kill, victim: null}), / victim=unknown /);
	});

	test('json: the event fields, victim only on oom-kill (null when unknown)', () => {
		assert.deepEqual(JSON.parse(JSON.stringify(eventToJson({...kill, victim: null}))).victim, null);
		assert.equal('victim' in JSON.parse(JSON.stringify(eventToJson({...kill, kind: 'limit-hit', victim: undefined}))), false);
		assert.deepEqual(JSON.parse(JSON.stringify(eventToJson(kill))).victim, {pid: 1234, comm: 'no\u001b[2Jde'});
		assert.equal(JSON.parse(JSON.stringify(eventToJson(kill))).limit, null, 'limit null when unknown');
		const limit = {cgroup: '/podtop-x', level: 'pod', bytes: 268_435_456};
		assert.deepEqual(JSON.parse(JSON.stringify(eventToJson({...kill, limit: {...limit, level: 'pod'}}))).limit, limit);
	});

	test('bad flags and a bad --proc exit 2 with one line', async () => {
		const short = await runPodtop(['events', '--interval', '5']);
		assert.equal(short.code, 2);
		assert.match(short.stderr, /^podtop: --interval must be between 100 and 3600000 ms, not 5\n$/);
		const noProc = await runPodtop(['events', '--proc', '/nonexistent']);
		assert.equal(noProc.code, 2);
		assert.match(noProc.stderr, /^podtop: \/nonexistent is not a procfs/);
		const extra = await runPodtop(['events', 'more']);
		assert.equal(extra.code, 2);
	});
});
