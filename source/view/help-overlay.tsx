import {useContext} from 'react';
import {Box, Text} from 'ink';
import {ColorContext, toneStyle} from './theme.js';

const helpEntries: ReadonlyArray<readonly [string, string]> = [
	['↑ ↓  j k', 'move the selection'],
	['PgUp PgDn', 'move a page'],
	['g G  Home End', 'first / last row'],
	['→ l Enter', 'expand, or go to the first child'],
	['← h', 'collapse, or go to the parent'],
	['Space', 'expand or collapse'],
	['/', 'filter by name, pid or command (Enter keeps, Esc clears)'],
	['s', 'sort by memory %, memory, CPU, name, tasks'],
	['r', 'reverse the sort'],
	['n', 'namespace matrix: equal letters share a namespace, H is the host\'s, pidc is pid_for_children'],
	['d', 'details of the selection (beside the tree when wide)'],
	['e', 'event log: limit hits, OOM kills with the victim, newest first'],
	['m', 'memory pressure: node memory.available vs the eviction threshold, pods in the kubelet\'s eviction order'],
	['p', 'pause refreshing'],
	['+ -', 'longer / shorter refresh interval'],
	['q  Ctrl-C', 'quit'],
];

/** The key bindings, with those of the mode (the replay's) after them; any key closes it. */
export function HelpOverlay({height, extraEntries = []}: {height: number; extraEntries?: ReadonlyArray<readonly [string, string]>}) {
	const color = useContext(ColorContext);
	const entries = [...helpEntries, ...extraEntries];
	const keyWidth = Math.max(...entries.map(([keys]) => keys.length)) + 2;
	const lines = [
		<Text key="title" wrap="truncate-end" {...toneStyle('heading', color)}>
			podtop keys <Text {...toneStyle('muted', color)}>· any key closes this help</Text>
		</Text>,
		...entries.map(([keys, action]) => (
			<Text key={keys} wrap="truncate-end">
				<Text bold>{keys.padEnd(keyWidth)}</Text>
				{action}
			</Text>
		)),
		<Text key="legend" wrap="truncate-end" {...toneStyle('muted', color)}>
			badges: hostNet hostIPC hostPID hostUTS share the host&apos;s namespace · root=host: no user namespace · privileged: every capability · sharedPID: one pid namespace in the pod · ! CPU throttled
		</Text>,
		<Text key="alerts" wrap="truncate-end" {...toneStyle('muted', color)}>
			red row: at 95 % of its memory limit or hit it in the last interval · flashing: OOM-killed · † oom-killed (main process the victim) or † exited: gone, kept a minute
		</Text>,
	];
	return (
		<Box flexDirection="column" height={height}>
			{lines.slice(0, height)}
		</Box>
	);
}
