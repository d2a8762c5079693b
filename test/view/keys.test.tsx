import '../helpers/force-color.js';
import assert from 'node:assert/strict';
import test, {type TestContext} from 'node:test';
import {render} from 'ink-testing-library';
import {App} from '../../source/app.js';
import {clonePod, makeModel, makePods, replayMonitor} from '../fixtures/models.js';
import {keys, settle, stripAnsi} from '../helpers/terminal.js';

// ink-testing-library's terminal: 100 columns, and 24 rows (Ink's default): 21 body lines, the tree's header
// and 20 rows.
const home = '\u001B[H';
const end = '\u001B[F';

/** The app on the fixture model (or many copies of its pods) in ink-testing-library's terminal. */
async function renderApp(t: TestContext, {manyPods = false} = {}) {
	const model = manyPods ? makeModel(Array.from({length: 20}, (_, index) => makePods().map((pod) => clonePod(pod, String(index)))).flat()) : makeModel();
	const app = render(<App monitor={replayMonitor([model])} initialIntervalMs={1000} color={false} />);
	t.after(() => app.unmount());
	await settle();
	const lines = () => stripAnsi(app.lastFrame() ?? '').split('\n');
	return {
		lines,
		/** The selected row without its › mark; it must be the only row marked. */
		selected(): string {
			const marked = lines().filter((line) => line.startsWith('› '));
			assert.equal(marked.length, 1, `one row marked ›:\n${lines().join('\n')}`);
			return marked[0].slice(2).trimEnd();
		},
		/** The label of the selected row: its name and badges. */
		selectedName(): string {
			return this.selected().trimStart().split(/ {2,}/)[0];
		},
		async press(...inputs: string[]) {
			for (const input of inputs) {
				app.stdin.write(input);
				await settle();
			}
		},
		footer: () => lines().at(-1) ?? '',
	};
}

test('↑ on the first row stays', async (t) => {
	const app = await renderApp(t);
	assert.equal(app.selectedName(), '▾ web-7d9f4 root=host');
	await app.press(keys.up);
	assert.equal(app.selectedName(), '▾ web-7d9f4 root=host');
});

test('↓ moves to the next row and ↑ back to the one before', async (t) => {
	const app = await renderApp(t);
	await app.press(keys.down);
	assert.equal(app.selectedName(), '▸ php-fpm');
	await app.press(keys.down);
	assert.equal(app.selectedName(), '▸ nginx');
	await app.press(keys.up);
	assert.equal(app.selectedName(), '▸ php-fpm');
});

test('↓ on the last row stays', async (t) => {
	const app = await renderApp(t);
	await app.press('G', keys.down);
	assert.equal(app.selectedName(), '▸ host');
});

test('PgDn moves a page down, as far as 20 presses of ↓; PgUp a page back up', async (t) => {
	const byArrows = await renderApp(t, {manyPods: true});
	await byArrows.press(...Array.from({length: 20}, () => keys.down));
	const twentyDown = byArrows.selectedName();
	const app = await renderApp(t, {manyPods: true});
	const first = app.selectedName();
	await app.press(keys.pageDown);
	assert.equal(app.selectedName(), twentyDown);
	assert.notEqual(twentyDown, first);
	await app.press(keys.pageDown);
	assert.notEqual(app.selectedName(), twentyDown, 'a second page further');
	await app.press(keys.pageUp);
	assert.equal(app.selectedName(), twentyDown);
	await app.press(keys.pageUp);
	assert.equal(app.selectedName(), first);
});

test('End goes to the last row and Home to the first, as G and g do', async (t) => {
	const app = await renderApp(t);
	await app.press(end);
	assert.equal(app.selectedName(), '▸ host');
	await app.press(home);
	assert.equal(app.selectedName(), '▾ web-7d9f4 root=host');
	await app.press('G');
	assert.equal(app.selectedName(), '▸ host');
	await app.press('g');
	assert.equal(app.selectedName(), '▾ web-7d9f4 root=host');
});

test('while typing a filter, the arrows, PgDn and End move the selection and type nothing', async (t) => {
	const app = await renderApp(t);
	await app.press('/');
	assert.match(app.footer(), /^\/ +name, pid or command/, 'typing a filter');
	await app.press(keys.down);
	assert.equal(app.selectedName(), '▸ php-fpm');
	await app.press(keys.up);
	assert.equal(app.selectedName(), '▾ web-7d9f4 root=host');
	await app.press(end);
	assert.equal(app.selectedName(), '▸ host');
	await app.press(keys.pageUp);
	assert.equal(app.selectedName(), '▾ web-7d9f4 root=host');
	await app.press('h', 'o');
	assert.match(app.footer(), /^\/ho /, 'the filter got only the letters');
});

test('outside the tree, l, Space, Enter and h change nothing; back in the tree, nothing was expanded or collapsed', async (t) => {
	const app = await renderApp(t);
	const tree = app.lines().join('\n');
	await app.press('n');
	const matrix = app.lines().join('\n');
	assert.match(matrix, /CONTAINER/);
	await app.press('l', ' ', keys.enter, 'h', keys.right, keys.left);
	assert.equal(app.lines().join('\n'), matrix, 'the matrix is as it was');
	await app.press('n', 'd');
	const details = app.lines().join('\n');
	assert.match(details, /^pod web-7d9f4/m);
	await app.press('l', ' ', keys.enter, 'h');
	assert.equal(app.lines().join('\n'), details, 'the details are as they were');
	await app.press('d');
	assert.equal(app.lines().join('\n'), tree, 'the tree is as it was');
});

test('in the tree, l and Enter expand, Space toggles and h collapses', async (t) => {
	const app = await renderApp(t);
	await app.press(keys.down, 'l');
	assert.equal(app.selectedName(), '▾ php-fpm');
	await app.press(' ');
	assert.equal(app.selectedName(), '▸ php-fpm');
	await app.press(keys.enter);
	assert.equal(app.selectedName(), '▾ php-fpm');
	await app.press('h');
	assert.equal(app.selectedName(), '▸ php-fpm');
});

test('a Backspace that arrives as ^H among other typed keys deletes a letter of the filter; a Tab types nothing', async (t) => {
	const app = await renderApp(t);
	await app.press('/', 'ngiy\bnx');
	assert.match(app.footer(), /^\/nginx /);
	await app.press('\u007F\u007F\tn\tx');
	assert.match(app.footer(), /^\/nginx /);
});

test('Esc and the next key read together (typed fast, or one packet over SSH) are both keys: Esc clears the filter, / starts a new one', async (t) => {
	const app = await renderApp(t);
	await app.press('/', 'nginx', keys.enter);
	assert.match(app.footer(), /^filter nginx /);
	await app.press('\u001B/', 'php');
	assert.match(app.footer(), /^\/php /, 'the old filter cleared, the new one typed');
	const interval = () => /every \S+/.exec(app.lines()[1])?.[0];
	assert.equal(interval(), 'every 1s');
	await app.press(keys.enter, '\u001B-');
	assert.match(app.footer(), /^q quit /, 'Esc cleared it again');
	assert.equal(interval(), 'every 500ms', 'and - shortened the interval');
	await app.press('\u001B?');
	assert.match(app.lines().join('\n'), /filter by name, pid or command \(Enter keeps, Esc clears\)/, 'Esc, then ? opened the help');
});
