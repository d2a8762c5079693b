import assert from 'node:assert/strict';
import test from 'node:test';
import {limitSource, limitSourceMarks} from '../../source/model/limit-source.js';
import {makeGauges, MiB} from '../fixtures/models.js';

const pod = '/kubepods/burstable/pod0a0a0a0a-0000-4000-8000-00000000000a';
const container = `${pod}/${'a'.repeat(64)}`;
const limitedBy = (cgroup: string | null) => makeGauges({current: 10 * MiB, max: 64 * MiB, effectiveMaxCgroup: cgroup});

test('the limit that binds a container is its own, its pod\'s, or one from above; none when nothing limits it', () => {
	assert.equal(limitSource(limitedBy(container), container, pod), 'own');
	assert.equal(limitSource(limitedBy(pod), container, pod), 'pod');
	assert.equal(limitSource(limitedBy('/kubepods/burstable'), container, pod), 'above');
	assert.equal(limitSource(limitedBy(null), container, pod), 'above', 'v1\'s hierarchical limit, from outside the cgroups read');
	assert.equal(limitSource(makeGauges({current: 10 * MiB, max: null, effectiveMaxCgroup: container}), container, pod), null);
});

test('a container with no cgroup of its own, or a pod with none, never takes a limit for theirs', () => {
	assert.equal(limitSource(limitedBy(pod), null, pod), 'pod');
	assert.equal(limitSource(limitedBy(null), null, null), 'above');
	assert.equal(limitSource(limitedBy(pod), null, null), 'above');
});

test('a limit that is not the cgroup\'s own is marked with whose it is', () => {
	assert.deepEqual(limitSourceMarks, {own: '', pod: 'pod', above: 'up'});
});
