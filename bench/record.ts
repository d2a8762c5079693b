/**
 * The recording's bench: `npm run build && node --import tsx bench/record.ts [--seconds 300] [--size 2000]`.
 *
 * On the bench population (--size processes, ~100 v1 cgroups with limits), `podtop record --interval 1000`
 * runs for --seconds after a warm-up: bytes written per hour (the window's growth, scaled) and its CPU in
 * % of one core; again beside five loops forking a `sleep 1` each second (what is written follows the
 * churn). The same for `atop -w <file> 1` when atop is installed (or ATOP=<path to the binary>).
 * Then the seek: a recording of 24 hourly segments is made from the frames just recorded (their times
 * moved back, their CRCs redone; each hour the real keyframe-and-deltas run repeated), and the time of
 * The floor beside each podtop figure: the reads of a refresh in C (bench/floor.c) each second, for as long.
 * `podtop replay --once --json --at -23h` is measured whole and in process (the segment that
 * holds the moment read, its model built); and the replay view's opening of that day in process (every
 * segment indexed, the 120 samples before the last rebuilt, as the view does before its first frame). Results: bench/results/<run>-record.{json,md} (<run>: the date, <date>-2… for a day's later runs).
 */
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {cleanupAll, cleanupOnSignals, onCleanup} from './cleanup.js';
import {benchDir, clockTicksPerSecond, cliPath, commandExists, cpuTicks, freshRunLabel, log, run, sleep} from './common.js';
import {measureLiveFloor} from './floor.js';
import {startForkLoops} from './live.js';
import {describeMachine} from './machine.js';
import {removeStaleRuns, startPopulation} from './population.js';
import {median} from './stats.js';
import {crc32, fileHeader, fileHeaderBytes, frameHeaderBytes, frameKinds, segmentName} from '../source/recording/format.js';
import {Recording} from '../source/recording/reader.js';
import {recordedModelAt} from '../source/replay-command.js';

type WriterResult = {tool: string; command: string; seconds: number; bytes: number; bytesPerHour: number; cpuPercentOfOneCore: number};

function argument(name: string, fallback: number): number {
	const index = process.argv.indexOf(`--${name}`);
	return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

function directoryBytes(directory: string): number {
	let total = 0;
	for (const name of fs.readdirSync(directory)) total += fs.statSync(path.join(directory, name)).size;
	return total;
}

/** Runs a writer, measures its CPU and the bytes it adds to `directory` over `seconds` after `warmupSeconds`. */
async function measureWriter(tool: string, argv: readonly string[], directory: string, warmupSeconds: number, seconds: number): Promise<WriterResult> {
	const child = spawn(argv[0], argv.slice(1), {stdio: ['ignore', 'ignore', 'pipe']});
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const stop = onCleanup(tool, () => {
		child.kill('SIGINT');
	});
	try {
		await sleep(warmupSeconds * 1000);
		const pid = child.pid!;
		const ticksBefore = cpuTicks(pid);
		const bytesBefore = directoryBytes(directory);
		const started = performance.now();
		await sleep(seconds * 1000);
		const ticksAfter = cpuTicks(pid);
		const bytesAfter = directoryBytes(directory);
		const elapsed = (performance.now() - started) / 1000;
		if (ticksBefore === null || ticksAfter === null) throw new Error(`${tool} exited: ${stderr}`);
		const bytes = bytesAfter - bytesBefore;
		return {
			tool,
			command: argv.join(' '),
			seconds: elapsed,
			bytes,
			bytesPerHour: Math.round((bytes / elapsed) * 3600),
			cpuPercentOfOneCore: Number(((((ticksAfter - ticksBefore) / clockTicksPerSecond) / elapsed) * 100).toFixed(3)),
		};
	} finally {
		child.kill('SIGINT');
		await new Promise((resolve) => child.once('exit', resolve));
		stop();
	}
}

type Frame = {kind: number; flags: number; payload: Buffer};

/** The frames of the first segment, from its first keyframe to the frame before its next (300 samples) or its end. */
function keyframeRun(directory: string): Frame[] {
	const [name] = fs.readdirSync(directory).filter((file) => file.endsWith('.rec')).sort();
	const data = fs.readFileSync(path.join(directory, name));
	const frames: Frame[] = [];
	for (let offset = fileHeaderBytes; offset + frameHeaderBytes <= data.length;) {
		const length = data.readUInt32LE(offset);
		if (offset + frameHeaderBytes + length > data.length) break;
		frames.push({kind: data.readUInt8(offset + 16), flags: data.readUInt8(offset + 17), payload: data.subarray(offset + frameHeaderBytes, offset + frameHeaderBytes + length)});
		offset += frameHeaderBytes + length;
	}
	const meta = frames.find((frame) => frame.kind === frameKinds.meta)!;
	const first = frames.findIndex((frame) => frame.kind === frameKinds.keyframe);
	const next = frames.findIndex((frame, index) => index > first && frame.kind === frameKinds.keyframe);
	// Shorter than a keyframe run (--seconds under 300): the samples recorded, repeated from their keyframe.
	return [meta, ...frames.slice(first, next < 0 ? frames.length : next)];
}

function frameBytes(time: number, frame: Frame): Buffer {
	const buffer = Buffer.alloc(frameHeaderBytes + frame.payload.length);
	buffer.writeUInt32LE(frame.payload.length, 0);
	buffer.writeDoubleLE(time, 8);
	buffer.writeUInt8(frame.kind, 16);
	buffer.writeUInt8(frame.flags, 17);
	frame.payload.copy(buffer, frameHeaderBytes);
	buffer.writeUInt32LE(crc32(buffer.subarray(8)), 4);
	return buffer;
}

/** 24 hourly segments of one sample a second, ending now, made of the recorded run of frames. */
function makeDayRecording(directory: string, run: Frame[]): number {
	const [meta, ...samples] = run;
	const end = Date.now();
	const start = end - 24 * 3_600_000;
	let bytes = 0;
	for (let hour = 0; hour < 24; hour++) {
		const hourStart = start + hour * 3_600_000;
		const parts: Buffer[] = [fileHeader(), frameBytes(hourStart, meta)];
		for (let second = 0; second < 3600; second++) parts.push(frameBytes(hourStart + second * 1000, samples[second % samples.length]));
		const file = Buffer.concat(parts);
		fs.writeFileSync(path.join(directory, segmentName(hourStart)), file, {mode: 0o600});
		bytes += file.length;
	}
	return bytes;
}

async function measureSeek(directory: string, repetitions: number) {
	const inProcess: number[] = [];
	for (let repetition = 0; repetition < repetitions; repetition++) {
		const started = performance.now();
		recordedModelAt(directory, '-23h', Date.now());
		inProcess.push(performance.now() - started);
	}
	const whole: number[] = [];
	for (let repetition = 0; repetition < repetitions; repetition++) {
		const started = performance.now();
		const result = await run(process.execPath, [cliPath, 'replay', '--dir', directory, '--once', '--json', '--at', '-23h']);
		whole.push(performance.now() - started);
		if (result.code !== 0) throw new Error(`replay failed: ${result.stderr}`);
	}
	const viewOpen: number[] = [];
	for (let repetition = 0; repetition < repetitions; repetition++) {
		const started = performance.now();
		const recording = Recording.open(directory);
		const last = recording.samples.length - 1;
		for (let at = Math.max(0, last - 119); at <= last; at++) recording.modelAt(at);
		viewOpen.push(performance.now() - started);
	}
	const once: number[] = [];
	for (let repetition = 0; repetition < repetitions; repetition++) {
		const started = performance.now();
		await run(process.execPath, [cliPath, '--version']);
		once.push(performance.now() - started);
	}
	return {inProcessMs: median(inProcess), replayOnceJsonMs: median(whole), nodeStartMs: median(once), viewOpenMs: median(viewOpen)};
}

async function main(): Promise<void> {
	cleanupOnSignals();
	const seconds = argument('seconds', 300);
	const size = argument('size', 2000);
	const warmupSeconds = 10;
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-bench-record-'));
	onCleanup('the bench directory', () => fs.rmSync(work, {recursive: true, force: true}));
	try {
		for (const removed of await removeStaleRuns()) log(`removed a stale run: ${removed}`);
		const population = await startPopulation({size});
		onCleanup('the population', () => population.cleanup());
		log(`population: ${population.size} processes, ${population.cgroups} cgroups`);

		const podtopDir = path.join(work, 'podtop');
		log(`podtop record: ${warmupSeconds} s warm-up, ${seconds} s measured`);
		const podtopRecord = [process.execPath, cliPath, 'record', '--dir', podtopDir, '--interval', '1000'];
		const writers = [await measureWriter('podtop record', podtopRecord, podtopDir, warmupSeconds, seconds)];
		log('floor: the reads of a refresh in C');
		const floors = [await measureLiveFloor({warmupSeconds, seconds})];
		log(`podtop record beside five fork loops: ${warmupSeconds} s warm-up, ${seconds} s measured`);
		const stopForkLoops = startForkLoops();
		try {
			writers.push(await measureWriter('podtop record, 5 fork loops', podtopRecord, podtopDir, warmupSeconds, seconds));
			floors.push(await measureLiveFloor({warmupSeconds, seconds}));
		} finally {
			stopForkLoops();
		}
		const atop = process.env.ATOP ?? (commandExists('atop') ? 'atop' : null);
		if (atop) {
			const atopDir = path.join(work, 'atop');
			fs.mkdirSync(atopDir);
			log(`atop -w: ${seconds} s`);
			writers.push(await measureWriter('atop -w', [atop, '-w', path.join(atopDir, 'atop.raw'), '1'], atopDir, warmupSeconds, seconds));
		} else {
			log('atop not installed: no atop -w figures (ATOP=<path> to point at a binary)');
		}

		const dayDir = path.join(work, 'day');
		fs.mkdirSync(dayDir, {mode: 0o700});
		const dayBytes = makeDayRecording(dayDir, keyframeRun(podtopDir));
		log(`seek: a day of recording, ${(dayBytes / 1024 / 1024).toFixed(1)} MiB in 24 segments`);
		const seek = await measureSeek(dayDir, 5);

		const result = {date: new Date().toISOString(), machine: describeMachine(), population: {size: population.size, cgroups: population.cgroups}, writers, floors, seek: {...seek, dayBytes}};
		const date = result.date.slice(0, 10);
		const results = path.join(benchDir, 'results');
		fs.mkdirSync(results, {recursive: true});
		const label = freshRunLabel(results, date);
		fs.writeFileSync(path.join(results, `${label}-record.json`), JSON.stringify(result, null, 2) + '\n');
		const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
		const lines = [
			`# Recording bench, ${date}`,
			'',
			`${population.size} processes, ${population.cgroups} cgroups with limits; every 1 s; ${Math.round(writers[0].seconds)} s measured after a ${warmupSeconds} s warm-up.`,
			'',
			'| writer | bytes per hour | CPU, % of one core |',
			'| --- | --- | --- |',
			...writers.map((writer) => `| \`${writer.command.replace(cliPath, 'podtop').replace(process.execPath + ' ', '').replace(work, '…')}\`${writer.tool.includes('fork') ? ' beside 5 fork loops' : ''} | ${mib(writer.bytesPerHour)} | ${writer.cpuPercentOfOneCore} |`),
			...floors.map((floor, index) => `| floor: the reads of a refresh in C (bench/floor.c)${index > 0 ? ' beside 5 fork loops' : ''} | – | ${floor ? floor.cpuPercent.toFixed(2) : 'not measured (no cc)'} |`),
			'',
			`Seek to 23 h back in a day of recording (${mib(dayBytes)}, 24 hourly segments): ${(seek.inProcessMs ?? Number.NaN).toFixed(0)} ms in process (the segment that holds it read, the model built); ` +
				`\`podtop replay --once --json --at -23h\` ${(seek.replayOnceJsonMs ?? Number.NaN).toFixed(0)} ms whole, of which node and podtop's start ~${(seek.nodeStartMs ?? Number.NaN).toFixed(0)} ms (\`podtop --version\`). ` +
				`The replay view opening the day: ${(seek.viewOpenMs ?? Number.NaN).toFixed(0)} ms in process (every segment indexed, the 120 samples before the last rebuilt). Medians of 5.`,
			'',
		];
		fs.writeFileSync(path.join(results, `${label}-record.md`), lines.join('\n'));
		process.stdout.write(lines.join('\n'));
	} finally {
		await cleanupAll();
	}
}

await main();
