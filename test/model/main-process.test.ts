import assert from 'node:assert/strict';
import test from 'node:test';
import {mainProcess} from '../../source/model/main-process.js';
import {makeProcess} from '../fixtures/models.js';

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
	assert.equal(mainProcess({processes: [late, early]})?.comm, 'early');
	const twin = makeProcess({pid: 10, ppid: 1, comm: 'twin', starttime: 4000});
	assert.equal(mainProcess({processes: [early, twin]})?.comm, 'twin', 'the same start: the lower pid');
	assert.equal(mainProcess({processes: []}), null);
});
