import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, test, type TestContext} from 'node:test';
import {FileReader} from '../../source/collect/file-reader.js';
import {descriptorsOpenOn} from '../helpers/processes.js';

/** A temp directory of files, each holding its own name; removed after the test. */
function filesIn(t: TestContext, count: number): string[] {
	const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-files-'));
	t.after(() => fs.rmSync(directory, {recursive: true, force: true}));
	return Array.from({length: count}, (_, index) => {
		const file = path.join(directory, `file${index}`);
		fs.writeFileSync(file, `file${index}\n`);
		return file;
	});
}

/** A procfs stand-in whose self/limits says `limit` (or holds `text`). */
function procWithLimits(t: TestContext, limits: number | 'unlimited' | null, text?: string): string {
	const proc = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-proc-'));
	t.after(() => fs.rmSync(proc, {recursive: true, force: true}));
	fs.mkdirSync(path.join(proc, 'self'));
	if (limits !== null) fs.writeFileSync(path.join(proc, 'self', 'limits'), text ?? `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${limits}                 524288               files\n`);
	return proc;
}

/** How many of the files a reader keeps open before it refuses one; the descriptors are given back. */
function keptBeforeRefusal(reader: FileReader, files: string[], keep = (file: string) => reader.keep(file)): number {
	const kept: number[] = [];
	for (const file of files) {
		const descriptor = keep(file);
		if (descriptor < 0) break;
		kept.push(descriptor);
	}
	for (const descriptor of kept) reader.release(descriptor);
	return kept.length;
}

describe('the descriptor budget', () => {
	test('the soft open-file limit less 256 kept back; a limit it cannot read is taken as 1024', (t) => {
		const files = filesIn(t, 1100);
		assert.equal(keptBeforeRefusal(new FileReader(procWithLimits(t, 300)), files), 44);
		assert.equal(keptBeforeRefusal(new FileReader(procWithLimits(t, null)), files), 768);
		assert.equal(keptBeforeRefusal(new FileReader(procWithLimits(t, 300, 'Max open files: 300\n')), files), 768);
		assert.equal(keptBeforeRefusal(new FileReader(procWithLimits(t, 'unlimited')), files), 1100);
	});

	test('at most 8,192 descriptors are kept, however high the limit: past that a refusal is podtop\'s own, not an exhausted budget', (t) => {
		const files = filesIn(t, 8200);
		const reader = new FileReader(procWithLimits(t, 'unlimited'));
		assert.equal(reader.keptLimit, 8192);
		assert.equal(keptBeforeRefusal(reader, files), 8192);
		assert.deepEqual([reader.lastFailure, reader.budgetExhausted], ['other', false]);
	});

	test('a cap below the process\'s budget bounds what is kept without exhausting it; a budget below the cap is exhausted', (t) => {
		const files = filesIn(t, 12);
		const capped = new FileReader('/proc', 100, 10);
		assert.equal(keptBeforeRefusal(capped, files), 10);
		assert.equal(capped.budgetExhausted, false);
		const limited = new FileReader('/proc', 5, 10);
		assert.equal(keptBeforeRefusal(limited, files), 5);
		assert.equal(limited.budgetExhausted, true);
		const both = new FileReader('/proc', 10, 10);
		assert.equal(keptBeforeRefusal(both, files), 10);
		assert.equal(both.budgetExhausted, true, 'a budget equal to the cap binds as much as the cap');
	});

	test('a share of the limit: refused past it, an exhausted budget only when the process\'s limit, not the cap, binds', (t) => {
		const files = filesIn(t, 12);
		const capped = new FileReader('/proc', 100, 10);
		assert.equal(keptBeforeRefusal(capped, files, (file) => capped.keepWithinShare(file, 0.5)), 5);
		assert.equal(capped.budgetExhausted, false);
		assert.equal(keptBeforeRefusal(capped, files, (file) => capped.keepWithinShare(file, 1)), 10);
		const limited = new FileReader('/proc', 10, 100);
		assert.equal(keptBeforeRefusal(limited, files, (file) => limited.keepWithinShare(file, 0.5)), 5);
		assert.equal(limited.budgetExhausted, true);
	});

	test('by default the limit is read from /proc', (t) => {
		const [file] = filesIn(t, 1);
		const keepsOptional = (reader: FileReader) => {
			const descriptor = reader.keepOptional(file);
			reader.release(descriptor);
			return descriptor >= 0;
		};
		assert.equal(keepsOptional(new FileReader()), keepsOptional(new FileReader('/proc')));
	});

	test('optional descriptors leave 1024 of the budget to spare, and a refusal of one does not spend the budget', (t) => {
		const files = filesIn(t, 40);
		const reader = new FileReader(procWithLimits(t, 1300));
		assert.equal(keptBeforeRefusal(reader, files, (file) => reader.keepOptional(file)), 20);
		assert.equal(reader.budgetExhausted, false);
		assert.equal(new FileReader(procWithLimits(t, null)).keepOptional(files[0]), -1, 'a budget of 768 has none to spare');
	});

	test('a spent budget refuses with "other" (not the file\'s fault) and says so; a released descriptor counts back, a negative one does not', (t) => {
		const [first, second] = filesIn(t, 2);
		const reader = new FileReader('/proc', 1);
		const kept = reader.keep(first);
		assert.ok(kept >= 0);
		reader.readPath('/nonexistent');
		assert.equal(reader.lastFailure, 'gone');
		assert.equal(reader.keep(second), -1);
		assert.deepEqual([reader.lastFailure, reader.budgetExhausted], ['other', true]);
		reader.release(-1);
		assert.equal(reader.keep(second), -1);
		reader.release(kept);
		const again = reader.keep(second);
		assert.ok(again >= 0);
		reader.release(again);
	});

	test('a descriptor closed already is still counted back when released', (t) => {
		const [file, other] = filesIn(t, 2);
		const reader = new FileReader('/proc', 1);
		const kept = reader.keep(file);
		fs.closeSync(kept);
		reader.release(kept);
		const again = reader.keep(other);
		assert.ok(again >= 0);
		reader.release(again);
	});

	test('the process out of descriptors (EMFILE) spends the budget; a file gone, or a symlink (not followed), does not', (t) => {
		const [file] = filesIn(t, 1);
		const reader = new FileReader('/proc', 10);
		assert.equal(reader.keep(`${file}.gone`), -1);
		assert.deepEqual([reader.lastFailure, reader.budgetExhausted], ['gone', false]);
		fs.symlinkSync(file, `${file}.link`);
		assert.equal(reader.keep(`${file}.link`), -1);
		assert.deepEqual([reader.lastFailure, reader.budgetExhausted], ['other', false]);
		t.mock.method(fs, 'openSync', () => {
			throw Object.assign(new Error('EMFILE: too many open files'), {code: 'EMFILE'});
		});
		assert.equal(reader.keep(file), -1);
		assert.deepEqual([reader.lastFailure, reader.budgetExhausted], ['other', true]);
	});
});

describe('reads', () => {
	test('a kept descriptor is read from the start each time, at most `limit` bytes and never past the buffer', (t) => {
		const [file, large] = filesIn(t, 2);
		fs.writeFileSync(large, 'x'.repeat(70_000));
		const reader = new FileReader('/proc', 10);
		const kept = reader.keep(file);
		assert.equal(reader.readKept(kept, 4), 4);
		assert.equal(reader.buffer.toString('latin1', 0, 4), 'file');
		assert.equal(reader.readKept(kept), 6);
		assert.equal(reader.buffer.toString('latin1', 0, 6), 'file0\n');
		const big = reader.keep(large);
		assert.equal(reader.readKept(big, 100_000), 65_536);
		assert.equal(reader.readPath(large, 100_000), 65_536);
		assert.equal(reader.readPath(large), 65_536);
		assert.equal(reader.readPath(file, 3), 3);
		reader.release(kept);
		reader.release(big);
		assert.deepEqual([...descriptorsOpenOn(file), ...descriptorsOpenOn(large)], [], 'read by path: closed after');
	});

	test('a failed read says why: gone (ENOENT, ESRCH), denied (EACCES, EPERM), or other', (t) => {
		const [file] = filesIn(t, 1);
		const reader = new FileReader('/proc', 10);
		const directory = reader.keep(path.dirname(file));
		assert.equal(reader.readKept(directory), -1);
		assert.equal(reader.lastFailure, 'other', 'EISDIR');
		reader.release(directory);
		fs.symlinkSync(file, `${file}.link`);
		assert.equal(reader.readPath(`${file}.link`), -1);
		assert.equal(reader.lastFailure, 'other', 'a symlink is not followed: ELOOP');
		assert.equal(reader.readPath(path.dirname(file)), -1);
		assert.equal(reader.lastFailure, 'other', 'EISDIR, by path');
		const failures = ['ENOENT', 'ESRCH', 'EACCES', 'EPERM', 'EIO'].map((code) => {
			const mock = t.mock.method(fs, 'openSync', () => {
				throw Object.assign(new Error(code), {code});
			});
			reader.readPath(file);
			const byPath = reader.lastFailure;
			mock.mock.restore();
			return byPath;
		});
		assert.deepEqual(failures, ['gone', 'gone', 'denied', 'denied', 'other']);
	});
});
