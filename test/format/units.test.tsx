import assert from 'node:assert/strict';
import test from 'node:test';
import {cellWidth, fitCells, truncateCells} from '../../source/format/cells.js';
import {formatBytes, formatCores, formatInterval, formatPercent, formatUptime} from '../../source/format/units.js';
import {memoryLevel} from '../../source/view/gauge-marks.js';
import {memoryGaugeCells} from '../../source/view/memory-gauge.js';
import {processCpuPercent} from '../../source/model/gauges.js';
import {makeProcess, MiB} from '../fixtures/models.js';

test('bytes are compact binary sizes of at most five cells', () => {
	assert.equal(formatBytes(0), '0B');
	assert.equal(formatBytes(512), '512B');
	assert.equal(formatBytes(4096), '4.0K');
	assert.equal(formatBytes(51.2 * MiB), '51M');
	assert.equal(formatBytes(9.5 * MiB), '9.5M');
	assert.equal(formatBytes(1023 * MiB), '1023M');
	assert.equal(formatBytes(1.5 * 1024 * MiB), '1.5G');
});

test('percent rounds down, so 79.99 % never shows as the yellow 80 %', () => {
	assert.equal(formatPercent(0.7999), '79%');
	assert.equal(formatPercent(0.8), '80%');
	assert.equal(formatPercent(0.29), '29%');
	assert.equal(memoryLevel(0.7999), 'ok');
	assert.equal(memoryLevel(0.8), 'warn');
	assert.equal(memoryLevel(0.95), 'critical');
});

test('cores, intervals and uptime', () => {
	assert.equal(formatCores(0.4249), '0.42');
	assert.equal(formatCores(12.34), '12.3');
	assert.equal(formatCores(128), '128');
	assert.equal(formatInterval(250), '250ms');
	assert.equal(formatInterval(2500), '2.5s');
	assert.equal(formatInterval(10_000), '10s');
	assert.equal(formatUptime(3 * 86_400 + 4 * 3600 + 59), '3d 4h');
	assert.equal(formatUptime(2 * 3600 + 5 * 60), '2h 5m');
});

test('cell widths count wide characters twice and combining marks not at all', () => {
	assert.equal(cellWidth('nginx'), 5);
	assert.equal(cellWidth('日本'), 4);
	assert.equal(cellWidth('e\u0301'), 1);
	assert.equal(truncateCells('kube-proxy-x2x7b', 8), 'kube-pr…');
	assert.equal(truncateCells('日本語', 4), '日…');
	assert.equal(fitCells('web', 6), 'web   ');
	assert.equal(fitCells('batch-job', 6), 'batch…');
});

test('memory gauge: bar and amount against the limit, or the amount alone when unlimited', () => {
	assert.deepEqual(memoryGaugeCells(51.2 * MiB, 64 * MiB, 0.8, 10), {
		filled: '████████',
		empty: '░░',
		amount: '  51M/64M   ',
		percent: ' 80%',
		level: 'warn',
	});
	const nearLimit = memoryGaugeCells(124.16 * MiB, 128 * MiB, 0.97, 10);
	assert.equal(nearLimit.amount + nearLimit.percent, ' 124M/128M   97%');
	assert.equal(nearLimit.level, 'critical');
	assert.deepEqual(memoryGaugeCells(300 * MiB, null, null, 4), {filled: '', empty: '    ', amount: ' 300M           ', percent: '', level: null});
});

test('process CPU % (the model\'s helper) is the tick delta over the interval, unknown for new processes and first samples', () => {
	const process = makeProcess({pid: 2101, comm: 'nginx', utime: 1030, stime: 212, previousCpuTicks: 1200});
	assert.equal(processCpuPercent(process, 1000, 100), 42);
	assert.equal(processCpuPercent(process, 2000, 100), 21);
	assert.equal(processCpuPercent({...process, previousCpuTicks: -1}, 1000, 100), null);
	assert.equal(processCpuPercent(process, null, 100), null);
});
