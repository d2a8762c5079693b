import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {after, describe, test} from 'node:test';
import {build, type Plugin} from 'esbuild';
import {bundlePlugins, inkPatchesPlugin, meowLazyNormalizePlugin, yogaWithoutFetchPlugin} from '../../source/bundle.js';
import {GenerationalCache} from '../../source/ink-patches/generational-cache.js';
import {patchedInkVersion} from '../../source/ink-patches/manifest.js';
import {projectRoot} from '../helpers/podtop.js';

const run = promisify(execFile);
const app = path.join(projectRoot, 'test', 'ink-patches', 'ink-frames-app.tsx');

type FramesResult = {frames: number; sha256: string; keptBytes: number; fetchLoaded: boolean};

async function bundleAndRun(asPodtop: boolean, frames: number): Promise<FramesResult> {
	const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-ink-patches-'));
	after(() => fs.rmSync(directory, {recursive: true, force: true}));
	const outfile = path.join(directory, 'app.mjs');
	await build({
		entryPoints: [app],
		bundle: true,
		platform: 'node',
		format: 'esm',
		outfile,
		logLevel: 'silent',
		external: ['./devtools.js'],
		define: {'process.env.NODE_ENV': '"production"'},
		banner: {js: "import {createRequire} from 'node:module'; const require = createRequire(import.meta.url);"},
		plugins: asPodtop ? bundlePlugins() : [],
	});
	const {stdout} = await run(process.execPath, ['--expose-gc', outfile, String(frames)], {maxBuffer: 1024 * 1024});
	return JSON.parse(stdout) as FramesResult;
}

/** A build of code that imports nothing, with `plugin`. */
function buildOfNothing(plugin: Plugin): Promise<unknown> {
	return build({stdin: {contents: "console.log('nothing imported');\n"}, bundle: true, platform: 'node', write: false, logLevel: 'silent', plugins: [plugin]});
}

describe("podtop's caches in place of Ink's", () => {
	test('frames are drawn exactly as with Ink 6.8 alone, and what the changing text leaves behind stays bounded', {timeout: 120_000}, async () => {
		const frames = 800;
		const [own, ink] = await Promise.all([bundleAndRun(true, frames), bundleAndRun(false, frames)]);
		assert.equal(own.sha256, ink.sha256, 'the same frames, byte for byte');
		// Ink alone keeps every distinct text it laid out: 7 changing rows and 3 texts a frame, over the last 400 frames
		// (docs/performance.md has the figure).
		assert.ok(ink.keptBytes > 600 * 1024, `Ink alone kept ${ink.keptBytes} bytes (the leak this test is about)`);
		assert.ok(own.keptBytes < 200 * 1024, `with podtop's caches ${own.keptBytes} bytes were kept`);
		assert.ok(ink.fetchLoaded, "Ink alone loads Node's fetch (yoga fetches its own data: URL)");
		assert.ok(!own.fetchLoaded, "podtop's build lays out with yoga without loading Node's fetch");
	});

	test('the build fails when Ink no longer imports what is replaced', async () => {
		await assert.rejects(
			buildOfNothing(inkPatchesPlugin()),
			/Ink no longer imports \.\/measure-text\.js, \.\/wrap-text\.js, \.\/output\.js, widest-line/,
		);
	});

	test('the build fails, naming the patches, when the installed Ink is not the version patched', async () => {
		const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-ink-bump-'));
		after(() => fs.rmSync(directory, {recursive: true, force: true}));
		const inkBuild = path.join(directory, 'node_modules', 'ink', 'build');
		fs.mkdirSync(inkBuild, {recursive: true});
		fs.writeFileSync(path.join(directory, 'node_modules', 'ink', 'package.json'), JSON.stringify({name: 'ink', version: '6.9.0', type: 'module'}));
		fs.writeFileSync(path.join(inkBuild, 'index.js'), "import Output from './output.js';\nexport default Output;\n");
		fs.writeFileSync(path.join(inkBuild, 'output.js'), 'export default class Output {}\n');
		const entry = path.join(directory, 'entry.mjs');
		fs.writeFileSync(entry, "import Output from './node_modules/ink/build/index.js';\nconsole.log(Output);\n");
		await assert.rejects(
			build({entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'silent', plugins: [inkPatchesPlugin()]}),
			(error: Error) => {
				assert.match(error.message, new RegExp(`Ink 6\\.9\\.0 is installed, but source/ink-patches/ patches Ink ${patchedInkVersion.replaceAll('.', '\\.')}`));
				assert.match(error.message, /ink\/build\/measure-text\.js, ink\/build\/wrap-text\.js, ink\/build\/output\.js, widest-line, ink\/build\/sanitize-ansi\.js/);
				return true;
			},
		);
	});

	test('the patched Ink is the one installed', () => {
		const installed = JSON.parse(fs.readFileSync(path.join(projectRoot, 'node_modules', 'ink', 'package.json'), 'utf8')) as {version: string};
		assert.equal(installed.version, patchedInkVersion);
	});
});

describe('what else the one-file build changes', () => {
	test('the build fails when yoga-layout no longer loads its WebAssembly as expected', async () => {
		await assert.rejects(
			buildOfNothing(yogaWithoutFetchPlugin()),
			/yoga-layout no longer imports \.\.\/binaries\/yoga-wasm-base64-esm\.js/,
		);
	});

	test("meow still normalizes the package data it is given, when it is read", async () => {
		const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-meow-'));
		after(() => fs.rmSync(directory, {recursive: true, force: true}));
		const outfile = path.join(directory, 'entry.mjs');
		const contents = "import meow from 'meow';\nconst cli = meow('usage', {importMeta: import.meta, pkg: {name: 'podtop', version: '1.2.3'}, argv: []});\nconsole.log(JSON.stringify(cli.pkg));\n";
		await build({stdin: {contents, resolveDir: projectRoot}, bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'silent', plugins: [meowLazyNormalizePlugin()]});
		assert.ok(!fs.readFileSync(outfile, 'utf8').includes('var normalizeExports = requireNormalize();'), 'normalize-package-data is not built at import');
		const pkg = JSON.parse((await run(process.execPath, [outfile])).stdout) as {_id?: string; version: string};
		assert.equal(pkg._id, 'podtop@1.2.3', 'normalize-package-data ran when cli.pkg was read');
	});

	test("the build fails when meow's bundled dependencies no longer build normalize-package-data as expected", async () => {
		const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-meow-'));
		after(() => fs.rmSync(directory, {recursive: true, force: true}));
		const dependencies = path.join(directory, 'node_modules', 'meow', 'build', 'dependencies.js');
		fs.mkdirSync(path.dirname(dependencies), {recursive: true});
		fs.writeFileSync(dependencies, 'export const normalizePackageData = () => {};\n');
		const entry = path.join(directory, 'entry.mjs');
		fs.writeFileSync(entry, "import {normalizePackageData} from './node_modules/meow/build/dependencies.js';\nnormalizePackageData({});\n");
		await assert.rejects(
			build({entryPoints: [entry], bundle: true, platform: 'node', write: false, logLevel: 'silent', plugins: [meowLazyNormalizePlugin()]}),
			/no longer builds normalize-package-data as podtop expects/,
		);
	});
});

describe('GenerationalCache', () => {
	test('keeps what is used every generation, forgets what is not, and never holds more than two generations', () => {
		const cache = new GenerationalCache<number>(4);
		cache.set('kept', 1);
		for (let index = 0; index < 100; index++) {
			assert.equal(cache.get('kept'), 1);
			cache.set(`changing ${index}`, index);
			assert.ok(cache.size <= 8, `size ${cache.size}`);
		}

		assert.equal(cache.get('changing 0'), undefined);
		assert.equal(cache.get('changing 99'), 99);
	});
});
