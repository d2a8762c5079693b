import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {keyBindings} from '../../source/view/key-bindings.js';
import {projectRoot} from '../helpers/podtop.js';

/** A cell as read: without code spans' backticks, its spaces collapsed. */
const plain = (cell: string) => cell.replaceAll('`', '').replace(/\s+/g, ' ').trim();

/** The rows of the readme's keys table, [keys, action], below its header and separator. */
function readmeKeyRows(): Array<[keys: string, action: string]> {
	const lines = fs.readFileSync(path.join(projectRoot, 'readme.md'), 'utf8').split('\n');
	const heading = lines.findIndex((line) => line.startsWith('## Keys'));
	assert.ok(heading >= 0, 'the readme has a Keys section');
	let at = heading + 1;
	while (lines[at]?.trim() === '') at++;
	const table: string[] = [];
	while (lines[at]?.startsWith('|')) table.push(lines[at++]);
	assert.ok(table.length > 2, 'the Keys section starts with a table');
	return table.slice(2).map((line) => {
		const cells = line.slice(1, -1).split(' | ');
		assert.equal(cells.length, 2, `two cells: ${line}`);
		return [plain(cells[0]), plain(cells[1])];
	});
}

test('the readme\'s keys table lists the key bindings, in their order, each with its meaning', () => {
	const rows = readmeKeyRows();
	assert.deepEqual(
		rows.map(([keys]) => keys),
		keyBindings.map((binding) => plain(binding.keys)),
		'one row per binding: a key the table lacks, or one the bindings lack',
	);
	for (const [index, binding] of keyBindings.entries()) {
		const [keys, action] = rows[index];
		assert.ok(plain(binding.description).length > 0 && action.startsWith(plain(binding.description)), `${keys}: the readme says "${action}", the help "${binding.description}"`);
	}
});
