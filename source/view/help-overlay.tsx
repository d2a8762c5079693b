import {useContext} from 'react';
import {Box, Text} from 'ink';
import {cellWidth} from '../format/cells.js';
import {helpLines, helpMaxOffset, type HelpEntries} from './help-lines.js';
import {ColorContext, toneStyle} from './theme.js';

type HelpOverlayProps = {width: number; height: number; offset: number; extraEntries?: HelpEntries};

/** The keys and what the marks mean, wrapped to the width; scrolls when taller than the body. */
export function HelpOverlay({width, height, offset, extraEntries = []}: HelpOverlayProps) {
	const color = useContext(ColorContext);
	const lines = helpLines(width, extraEntries);
	const start = Math.min(offset, helpMaxOffset(width, height, extraEntries));
	return (
		<Box flexDirection="column" height={height}>
			{lines.slice(start, start + height).map((line, index) => {
				if (line.kind !== 'entry') {
					return (
						<Text key={index} wrap="truncate-end" {...toneStyle('heading', color)}>
							{line.text}
						</Text>
					);
				}
				return (
					<Text key={index} wrap="truncate-end">
						<Text bold>{line.term + ' '.repeat(Math.max(0, line.termWidth - cellWidth(line.term)))}</Text>
						{line.text}
					</Text>
				);
			})}
		</Box>
	);
}
