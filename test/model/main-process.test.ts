import assert from 'node:assert/strict';
import test from 'node:test';
import {mainProcess} from '../../source/model/main-process.js';
import type {ProcessRecord} from '../../source/model/types.js';
import {makeProcess} from '../fixtures/models.js';

/** Every order of the processes: the main one must not depend on the order they were listed in. */
function orders(processes: ProcessRecord[]): ProcessRecord[][] {
	if (processes.length <= 1) return [processes];
	return processes.flatMap((first, index) => orders(processes.filter((_, other) => other !== index)).map((rest) => [first, ...rest]));
}

const mainIn = (processes: ProcessRecord[]) => [...new Set(orders(processes).map((order) => mainProcess({processes: order})?.comm))];

test('a container\'s main process is its first, whose parent is outside it; not a passing child with a lower pid', () => {
	const shell = makeProcess({pid: 31_000, ppid: 30_990, comm: 'sh', cmdline: 'sh -c while true; do sleep 1; done', starttime: 1000});
	// The pid counter wrapped: the child of the moment got a lower pid than its parent.
	const sleep = makeProcess({pid: 300, ppid: 31_000, comm: 'sleep', cmdline: 'sleep 1', starttime: 90_000});
	assert.equal(mainProcess({processes: [sleep, shell]})?.comm, 'sh');
	assert.equal(mainProcess({processes: [shell, sleep]})?.comm, 'sh', 'whatever the order');
});

test('among processes whose parents are all outside (the infra\'s children), the earliest started; none for an empty container', () => {
	const late = makeProcess({pid: 20, ppid: 1, comm: 'late', starttime: 5000});
	const early = makeProcess({pid: 40, ppid: 1, comm: 'early', starttime: 4000});
	assert.deepEqual(mainIn([late, early]), ['early'], 'in either order');
	const twin = makeProcess({pid: 10, ppid: 1, comm: 'twin', starttime: 4000});
	assert.deepEqual(mainIn([early, twin, late]), ['twin'], 'the same start: the lower pid, in every order');
	const child = makeProcess({pid: 5, ppid: 40, comm: 'child', starttime: 4500});
	assert.deepEqual(mainIn([late, early, child]), ['early'], 'a child with a lower pid, started before another root, in every order');
	const sameTick = makeProcess({pid: 3, ppid: 40, comm: 'same-tick', starttime: 4000});
	assert.deepEqual(mainIn([early, sameTick]), ['early'], 'a child forked in its parent\'s first tick, its pid lower after a wrap-around');
	assert.equal(mainProcess({processes: []}), null);
});
