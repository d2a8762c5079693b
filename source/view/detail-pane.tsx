import {useContext} from 'react';
import {Box, Text} from 'ink';
import type {DetailLine} from './detail-lines.js';
import {ColorContext, toneStyle} from './theme.js';

type DetailPaneProps = {
	lines: readonly DetailLine[];
	width: number;
	height: number;
	/** Beside the tree, with a rule on its left; otherwise it fills the body. */
	side: boolean;
};

/** Everything known about the selected row; lines that do not fit are cut, never wrapped. */
export function DetailPane({lines, width, height, side}: DetailPaneProps) {
	const color = useContext(ColorContext);
	return (
		<Box
			flexDirection="column"
			width={width}
			height={height}
			paddingLeft={side ? 1 : 0}
			borderStyle={side ? 'single' : undefined}
			borderTop={false}
			borderRight={false}
			borderBottom={false}
			borderDimColor
		>
			{lines.slice(0, height).map((line, index) => (
				<Text key={index} wrap={line.cut === 'middle' ? 'truncate-middle' : 'truncate-end'}>
					{line.segments.map((segment, segmentIndex) => (
						<Text key={segmentIndex} {...toneStyle(segment.tone, color)}>
							{segment.text}
						</Text>
					))}
				</Text>
			))}
		</Box>
	);
}
