import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

/**
 * The direction data flows in (docs/architecture.md): collect → model → view or output, with format shared by
 * view and output; recording keeps models on disk beside collect. Above them the wiring: hooks (where the live
 * view's models come from), then app, run-tui, cli and the commands. An import against it fails `npm run lint`,
 * and so `npm test`.
 */
const up = (folder) => `^(\\.\\./)+${folder}(/|$)`;
const layer = {
	collect: {regex: up('collect'), message: 'collect reads /proc and cgroupfs; only the wiring (cli, app, hooks, event-source) uses it.'},
	format: {regex: up('format'), message: 'format is for view and output: collect and model hand over data, not text for the terminal.'},
	view: {regex: up('view'), message: 'view draws a model: what output or format needs from it belongs in source/format.'},
	output: {regex: up('output'), message: 'output prints a model: what view needs from it belongs in source/format.'},
	recording: {regex: up('recording'), message: 'recording keeps models on disk for the record and replay commands: the wiring uses it, the layers do not.'},
	hooks: {regex: up('hooks'), message: 'hooks (the refresh loop, the replay) are the wiring, which uses the layers, not the reverse.'},
	inkPatches: {regex: up('ink-patches'), message: 'source/ink-patches is for the bundle only (source/bundle.ts).'},
	wiring: {regex: '^(\\.\\./)+(app|cli|cli-args|bundle|event-source|run-tui|[a-z-]+-command)(\\.js)?$', message: 'the wiring uses the layers, not the reverse.'},
	top: {regex: '^(\\.\\./)+(app|cli|cli-args|bundle|run-tui|[a-z-]+-command)(\\.js)?$', message: 'hooks give app its models: app, run-tui, cli and the commands use them, not the reverse.'},
};
const noRendering = ['react', 'ink', 'chalk'].map((name) => ({name, message: 'no rendering below view.'}));
const noInput = ['node:fs', 'node:child_process', 'chokidar', 'systeminformation'].map((name) => ({name, message: 'reading the system is collect\'s job.'}));
const onlyFrom = (files, forbidden, paths = []) => ({
	files,
	rules: {'no-restricted-imports': ['error', {paths, patterns: forbidden.map((rule) => ({regex: rule.regex, message: rule.message}))}]},
});

export default tseslint.config(
	{ignores: ['dist/', 'node_modules/', 'bench/results/', 'reports/', '.stryker-tmp/']},
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		plugins: {'react-hooks': reactHooks},
		rules: {
			'react-hooks/rules-of-hooks': 'error',
			'react-hooks/exhaustive-deps': 'warn',
			'@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
			'no-control-regex': 'off',
		},
	},
	onlyFrom(['source/collect/**'], [layer.recording, layer.format, layer.view, layer.output, layer.hooks, layer.inkPatches, layer.wiring], noRendering),
	onlyFrom(['source/model/**'], [layer.collect, layer.recording, layer.format, layer.view, layer.output, layer.hooks, layer.inkPatches, layer.wiring], [...noRendering, ...noInput]),
	onlyFrom(['source/format/**'], [layer.collect, layer.recording, layer.view, layer.output, layer.hooks, layer.inkPatches, layer.wiring], [...noRendering, ...noInput]),
	onlyFrom(['source/view/**'], [layer.collect, layer.recording, layer.output, layer.hooks, layer.inkPatches, layer.wiring], noInput),
	onlyFrom(['source/output/**'], [layer.collect, layer.recording, layer.view, layer.hooks, layer.inkPatches, layer.wiring], [...noRendering, ...noInput]),
	onlyFrom(['source/recording/**'], [layer.collect, layer.format, layer.view, layer.output, layer.hooks, layer.inkPatches, layer.wiring], noRendering),
	onlyFrom(['source/hooks/**'], [layer.inkPatches, layer.top]),
	onlyFrom(['source/ink-patches/**'], [{regex: '^\\.\\./', message: 'an Ink patch stands alone: it imports only its own folder and packages Ink uses.'}]),
	{
		files: ['**/*.js', '**/*.mjs'],
		languageOptions: {globals: {process: 'readonly', console: 'readonly', URL: 'readonly'}},
	},
);
