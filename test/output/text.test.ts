import assert from 'node:assert/strict';
import test from 'node:test';
import {modelToText} from '../../source/output/text.js';
import {makeModel} from '../fixtures/models.js';

test('text output: whose limit is enforced follows it (pod), a limit of the cgroup\'s own has no mark', () => {
	const lines = modelToText(makeModel(), 100).split('\n');
	const row = (name: string) => lines.find((line) => line.includes(name)) ?? '';
	assert.match(row('pause (infra)'), / 512K\/512M pod 0%$/);
	assert.match(row('nginx'), / 51M\/64M 80%$/);
	assert.match(row('web-7d9f4'), / 176M\/512M 34%$/);
});
