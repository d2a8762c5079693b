import {useEffect, useMemo, useReducer, useState} from 'react';
import {Box, Text, useApp, useInput, useStdin} from 'ink';
import type {UseLive} from './hooks/live-view.js';
import {useRefresh, type LiveEventOptions} from './hooks/use-refresh.js';
import {useTerminalSize} from './view/use-terminal-size.js';
import type {Monitor} from './model/monitor.js';
import type {HostFacts} from './model/types.js';
import {newestKillPerRow, oomTombstones, rowAlerts} from './view/alerts.js';
import {detailLines} from './view/detail-lines.js';
import {DetailPane} from './view/detail-pane.js';
import {EventPane, eventPaneHeight} from './view/event-pane.js';
import {eventMatches, filterQuery} from './view/filter-match.js';
import {Footer, footerHeight} from './view/footer.js';
import {Header, headerHeight} from './view/header.js';
import {HelpOverlay} from './view/help-overlay.js';
import {splitKeyPresses} from './view/key-map.js';
import {appReducer} from './view/key-press.js';
import {NamespaceMatrix} from './view/namespace-matrix.js';
import {buildNamespaceSharing} from './view/namespace-sharing.js';
import {PodTree} from './view/pod-tree.js';
import {PressureView} from './view/pressure-view.js';
import {ColorContext} from './view/theme.js';
import {effectiveView, screenRows, wideColumns} from './view/screen-rows.js';
import {initialUiState, selectedIndex} from './view/ui-state.js';

export type AppProps = {
	monitor: Monitor;
	initialIntervalMs: number;
	color: boolean;
	/** Shown in the header until the first refresh. */
	hostFacts?: HostFacts;
	/** The watches and the kernel log events come from besides the counters, and the clock (a stable object); none by default. */
	events?: LiveEventOptions;
	/** Default useRefresh. */
	useLive?: UseLive;
};

const systemClock = () => Date.now();
const noRowAlerts = {alerts: new Map(), unseenOomKills: new Map(), flashEndsAt: null};

export function App({monitor, initialIntervalMs, color, hostFacts, events: eventOptions, useLive = useRefresh}: AppProps) {
	const now = eventOptions?.now ?? systemClock;
	const {exit} = useApp();
	const {isRawModeSupported} = useStdin();
	const {columns, rows: terminalRows} = useTerminalSize();
	const [state, dispatch] = useReducer(appReducer, initialIntervalMs, initialUiState);
	const live = useLive(monitor, state.intervalMs, state.paused, eventOptions);
	const {model, events} = live;
	const {expansion, filter, sortKey, sortReversed, intervalMs, oomSeen} = state;
	const view = effectiveView(state.view, columns);

	// Rows turn red and flash from the events and the time at render; the one timer below only redraws
	// when the last flash ends, in case no refresh comes first.
	const [flashCheckedAt, setFlashCheckedAt] = useState(0);
	// What is on screen counts as seen: the whole event log at once, the selected row's details (below) a frame later.
	const newestEventTime = events?.log.events[0]?.time ?? null;
	const query = filterQuery(filter);
	const logOnScreen = state.eventsShown && !state.helpOpen && model !== null;
	// With a filter the pane lists only the events it matches: only their rows' kills are seen (effect below).
	const eventLogShown = logOnScreen && query === '';
	const seen = useMemo(
		() => (eventLogShown && newestEventTime !== null && newestEventTime > oomSeen.all ? {...oomSeen, all: newestEventTime} : oomSeen),
		[eventLogShown, newestEventTime, oomSeen],
	);
	const {alerts, unseenOomKills, flashEndsAt} = useMemo(
		() => (model && events ? rowAlerts(model, events.log.events, Math.max(now(), flashCheckedAt), intervalMs, seen) : noRowAlerts),
		[model, events, now, flashCheckedAt, intervalMs, seen],
	);
	useEffect(() => {
		if (flashEndsAt === null) return;
		const timer = setTimeout(() => setFlashCheckedAt(now()), Math.max(0, flashEndsAt - now()) + 50);
		return () => clearTimeout(timer);
	}, [flashEndsAt, now]);
	const tombstones = useMemo(() => (model && events ? oomTombstones(events.log.tombstones()) : []), [model, events]);
	// Not memoized: the log grows in place, within the same event source.
	const paneEvents = events && query !== '' ? events.log.events.filter((event) => eventMatches(event, query)) : (events?.log.events ?? []);
	const extras = useMemo(() => ({alerts, unseenOomKills, tombstones}), [alerts, unseenOomKills, tombstones]);

	const {treeRows, navigableRows} = useMemo(
		() => screenRows(model, {expansion, filter, sortKey, sortReversed}, view, extras),
		[model, expansion, filter, sortKey, sortReversed, view, extras],
	);
	const selected = selectedIndex(navigableRows, state.selectedPath);
	const selectedRow = navigableRows[selected];
	// The frame fills the terminal exactly, so that every row on screen is one of the frame's.
	const bodyHeight = Math.max(1, terminalRows - headerHeight - footerHeight(model));
	const eventsHeight = state.eventsShown && !state.helpOpen && model ? Math.min(bodyHeight - 1, eventPaneHeight(bodyHeight)) : 0;
	const mainHeight = bodyHeight - eventsHeight;
	const sidePaneShown = view === 'tree' && columns >= wideColumns && !state.sidePaneHidden;
	// The tree keeps room for its bar; the pane takes the rest, within reason.
	const sidePaneWidth = sidePaneShown ? Math.min(80, Math.max(50, columns - 90)) : 0;
	const detailShown = sidePaneShown || view === 'detail';
	const detailWidth = sidePaneShown ? sidePaneWidth - 2 : columns;
	// Only the details say who shares a namespace: not worked out while they are not on screen.
	const sharing = useMemo(() => (model && detailShown ? buildNamespaceSharing(model) : null), [model, detailShown]);
	const detail = useMemo(
		() => (model && sharing && detailShown ? detailLines(model, selectedRow, sharing, events ? {log: events.log, width: detailWidth} : undefined) : []),
		[model, sharing, detailShown, selectedRow, events, detailWidth],
	);

	const detailKey = detailShown ? selectedRow?.key : undefined;
	const filteredLogShown = logOnScreen && query !== '';
	useEffect(() => {
		if (newestEventTime === null) return;
		if (eventLogShown) {
			dispatch({type: 'seen', through: newestEventTime, rowKey: null});
			return;
		}
		if (filteredLogShown && events) {
			for (const [rowKey, through] of newestKillPerRow(events.log.events.filter((event) => eventMatches(event, query)))) dispatch({type: 'seen', through, rowKey});
		}
		if (detailKey !== undefined && unseenOomKills.has(detailKey)) dispatch({type: 'seen', through: newestEventTime, rowKey: detailKey});
	}, [newestEventTime, eventLogShown, filteredLogShown, events, query, detailKey, unseenOomKills]);

	useInput(
		(input, key) => {
			for (const press of splitKeyPresses(input, key)) dispatch({...press, model, columns, bodyHeight: mainHeight, extras, helpEntries: live.helpEntries});
		},
		{isActive: isRawModeSupported && !live.capturesKeys},
	);
	useEffect(() => {
		if (state.quitRequested) exit();
	}, [state.quitRequested, exit]);

	let body;
	if (!model) {
		body = <Text dimColor>reading /proc…</Text>;
	} else if (state.helpOpen) {
		body = <HelpOverlay width={columns} height={bodyHeight} offset={state.helpOffset} extraEntries={live.helpEntries} />;
	} else if (state.pressureOpen) {
		body = <PressureView model={model} width={columns} height={mainHeight} />;
	} else if (view === 'matrix') {
		body = (
			<NamespaceMatrix
				rows={navigableRows}
				hostNamespaces={model.hostNamespaces}
				hostNamespaceSource={model.hostNamespaceSource}
				selected={selected}
				width={columns}
				height={mainHeight}
			/>
		);
	} else if (view === 'detail') {
		body = <DetailPane lines={detail} width={columns} height={mainHeight} side={false} />;
	} else {
		body = (
			<>
				<PodTree
					rows={treeRows}
					selected={selected}
					width={columns - sidePaneWidth}
					height={mainHeight}
					sortKey={sortKey}
					sortReversed={sortReversed}
					emptyText={filter === '' ? 'no processes' : 'nothing matches the filter'}
				/>
				{sidePaneShown && <DetailPane lines={detail} width={sidePaneWidth} height={mainHeight} side />}
			</>
		);
	}

	return (
		<ColorContext.Provider value={color}>
			<Box flexDirection="column" width={columns}>
				<Header
					model={model}
					hostFacts={hostFacts}
					intervalMs={state.intervalMs}
					paused={state.paused}
					events={events ? {events: events.counts.events, oomKills: events.counts.oomKills, pastOomKills: events.counts.pastOomKills} : undefined}
					timeBar={live.timeBar}
				/>
				<Box flexDirection="column" height={bodyHeight} overflowY="hidden">
					<Box height={mainHeight} overflowY="hidden">
						{body}
					</Box>
					{eventsHeight > 0 && events && <EventPane events={paneEvents} total={events.counts.events} past={events.counts.pastOomKills} filtered={query !== ''} height={eventsHeight} width={columns} />}
				</Box>
				<Footer model={model} filter={filter} filterEditing={state.filterEditing} />
			</Box>
		</ColorContext.Provider>
	);
}
