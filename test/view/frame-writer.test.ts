import assert from 'node:assert/strict';
import {EventEmitter} from 'node:events';
import {test} from 'node:test';
import {FrameWriter} from '../../source/view/frame-writer.js';

/** A terminal that records what is written to it. */
class RecordingTerminal extends EventEmitter {
	columns = 40;
	rows = 4;
	written: string[] = [];

	write(data: string): boolean {
		this.written.push(data);
		return true;
	}

	take(): string {
		const all = this.written.join('');
		this.written = [];
		return all;
	}
}

function writerOn(terminal: RecordingTerminal): FrameWriter {
	return new FrameWriter(terminal as unknown as NodeJS.WriteStream);
}

const synchronized = (body: string) => `\u001B[?2026h${body}\u001B[?2026l`;

test('the first frame clears the screen and draws every row at its position', () => {
	const terminal = new RecordingTerminal();
	const writer = writerOn(terminal);
	writer.write('header\nrow one\n\nfooter');
	assert.equal(terminal.take(), synchronized('\u001B[H\u001B[2J\u001B[1;1H\u001B[2Kheader\u001B[2;1H\u001B[2Krow one\u001B[4;1H\u001B[2Kfooter'));
});

test('an identical frame writes nothing; a changed one writes only the rows that changed', () => {
	const terminal = new RecordingTerminal();
	const writer = writerOn(terminal);
	writer.write('header\nrow one\nrow two\nfooter');
	terminal.take();
	writer.write('header\nrow one\nrow two\nfooter');
	assert.equal(terminal.take(), '');
	writer.write('header\nrow one\n\u001B[31mrow 2\u001B[39m\nfooter');
	assert.equal(terminal.take(), synchronized('\u001B[3;1H\u001B[2K\u001B[31mrow 2\u001B[39m'));
});

test('rows a shorter frame no longer has are erased', () => {
	const terminal = new RecordingTerminal();
	const writer = writerOn(terminal);
	writer.write('a\nb\nc');
	terminal.take();
	writer.write('a');
	assert.equal(terminal.take(), synchronized('\u001B[2;1H\u001B[2K\u001B[3;1H\u001B[2K'));
});

test('a frame taller than the terminal is cut at its last row, so the screen never scrolls', () => {
	const terminal = new RecordingTerminal();
	const writer = writerOn(terminal);
	writer.write('one\ntwo\nthree\nfour\nfive\nsix');
	const written = terminal.take();
	assert.match(written, /\u001B\[4;1H\u001B\[2Kfour/);
	assert.doesNotMatch(written, /five|six|\u001B\[5;/);
});

test('after a resize the next frame is drawn whole, and the resize reaches Ink with the new size', () => {
	const terminal = new RecordingTerminal();
	const writer = writerOn(terminal);
	const seen: string[] = [];
	writer.on('resize', () => seen.push(`${writer.columns}×${writer.rows}`));
	writer.write('a\nb');
	terminal.take();
	terminal.columns = 20;
	terminal.rows = 3;
	terminal.emit('resize');
	assert.deepEqual(seen, ['20×3']);
	writer.write('a\nb');
	assert.equal(terminal.take(), synchronized('\u001B[H\u001B[2J\u001B[1;1H\u001B[2Ka\u001B[2;1H\u001B[2Kb'));
});

test('empty writes are no frames, and after stop nothing reaches the terminal', () => {
	const terminal = new RecordingTerminal();
	const writer = writerOn(terminal);
	writer.write('a\nb');
	terminal.take();
	writer.write('');
	assert.equal(terminal.take(), '');
	writer.stop();
	writer.write('\u001B[?25h');
	terminal.emit('resize');
	assert.equal(terminal.take(), '');
	assert.equal(terminal.listenerCount('resize'), 0);
});
