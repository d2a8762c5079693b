import {cellWidth, truncateCells} from '../format/cells.js';
import {keyBindings} from './key-bindings.js';

/** What the rows, badges and figures of the live view mean, in the order a user meets them. */
export const markEntries: ReadonlyArray<readonly [mark: string, meaning: string]> = [
	['›', 'the selected row (also in inverse video)'],
	['▾ ▸', 'expanded / collapsed: → and ← open and close'],
	['hostNet hostIPC', "the pod shares the host's net or IPC namespace"],
	['hostPID hostUTS', "the pod shares the host's pid or UTS namespace"],
	['root=host', 'no user namespace of its own: root in the pod is root on the host'],
	['privileged', 'the container has every capability'],
	['sharedPID', "one pid namespace for the pod's containers"],
	['(infra)', "the pause container that holds the pod's namespaces"],
	['pidc  in the matrix', "pid_for_children: the pid namespace a process's children get"],
	['PIDS', 'tasks in the cgroup (pids.current), or a process\'s threads'],
	['CORES 0.42/0.50', 'CPU used in cores over the last interval / the CPU quota in cores'],
	['!  after CORES', 'throttled by the quota in the last interval'],
	['MEMORY', 'a bar of memory used against the enforced limit: yellow from 80 %, red from 95 %'],
	['USED/LIMIT', 'memory used / the limit the kernel enforces (the smallest up the cgroup tree)'],
	['pod  after the limit', "the limit enforced is the pod's (the container's own is larger, or none)"],
	['up  after the limit', "the limit is a cgroup's above the pod (a slice, or v1's hierarchical limit)"],
	['%', 'of the enforced limit'],
	['!96%  red row', 'at 95 % of the limit or more, or hit it in the last interval'],
	['OOM  white on red', 'OOM-killed a moment ago (bold and underlined without colour)'],
	['oom ×2 by pod 256M', 'OOM kills not seen yet, by whose limit the newest, then when the last was (last 14:02): open the event log (e) or the row\'s details (d)'],
	['† oom-killed', "gone: its main process was the OOM victim, by the limit named when the kernel log says; kept a minute, dimmed"],
	['† exited 3', 'gone otherwise (after an OOM kill in it), with the exit code its runtime recorded; kept a minute'],
	['before start  header', 'OOM kills the kernel log holds from before podtop started: in the event log'],
	['N events  header', 'limit events since start; red once an OOM kill happened'],
];

export type HelpLine = {
	/** The left column (keys or mark), blank on a continued line. */
	term: string;
	/** The cells of the left column in its section. */
	termWidth: number;
	text: string;
	kind: 'title' | 'heading' | 'entry';
};

/** Text broken at spaces into lines of at most `width` cells; a word longer than that is cut. */
export function wrapWords(text: string, width: number): string[] {
	const lines: string[] = [];
	let line = '';
	for (const word of text.split(' ')) {
		const candidate = line === '' ? word : `${line} ${word}`;
		if (line !== '' && cellWidth(candidate) > width) {
			lines.push(line);
			line = word;
		} else {
			line = candidate;
		}
	}
	lines.push(line);
	return lines.map((entry) => truncateCells(entry, Math.max(1, width)));
}

/** The keys as `podtop --help` lists them: one per line after `indent`, each meaning wrapped into `columns` cells. */
export function keysHelpText(indent: string, columns: number): string {
	const width = Math.max(...keyBindings.map((binding) => binding.keys.length)) + 2;
	return keyBindings
		.flatMap((binding) => wrapWords(binding.description, columns - width).map((line, index) => `${indent}${(index === 0 ? binding.keys : '').padEnd(width)}${line}`))
		.join('\n');
}

export type HelpEntries = ReadonlyArray<readonly [keys: string, meaning: string]>;

/** The help, wrapped to `width`: the keys from the key table, a mode's own keys (the replay's), then what every mark means. */
export function helpLines(width: number, modeEntries: HelpEntries = []): HelpLine[] {
	const section = (entries: ReadonlyArray<readonly [string, string]>): HelpLine[] => {
		const termWidth = Math.min(Math.max(...entries.map(([term]) => cellWidth(term))) + 2, Math.max(8, Math.floor(width / 3)));
		return entries.flatMap(([term, meaning]) =>
			wrapWords(meaning, Math.max(10, width - termWidth)).map((text, index): HelpLine => ({
				term: index === 0 ? truncateCells(term, termWidth - 1) : '',
				termWidth,
				text,
				kind: 'entry',
			})),
		);
	};
	return [
		{term: '', termWidth: 0, text: 'podtop keys · ↓ ↑ PgDn PgUp Space scroll · any other key closes this help', kind: 'title'},
		...section(keyBindings.map((binding) => [binding.keys, binding.description] as const)),
		...(modeEntries.length > 0 ? section(modeEntries) : []),
		{term: '', termWidth: 0, text: 'marks, badges and columns', kind: 'heading'},
		...section(markEntries),
	];
}

/** Where the help can scroll to: its last line at the bottom of `height` lines. */
export function helpMaxOffset(width: number, height: number, modeEntries: HelpEntries = []): number {
	return Math.max(0, helpLines(width, modeEntries).length - Math.max(1, height));
}
