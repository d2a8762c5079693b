import assert from 'node:assert/strict';
import test from 'node:test';
import {compareText} from '../../source/model/compare-text.js';

test('names order by UTF-16 code unit, whatever the locale: capitals before small letters, equal names tie', () => {
	assert.equal(compareText('api', 'web'), -1);
	assert.equal(compareText('web', 'api'), 1);
	assert.equal(compareText('web', 'web'), 0);
	assert.equal(compareText('Zeta', 'alpha'), -1);
	assert.deepEqual(['web', 'Zeta', 'api', 'é', 'api'].sort(compareText), ['Zeta', 'api', 'api', 'web', 'é']);
});
