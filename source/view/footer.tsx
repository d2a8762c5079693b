import {useContext} from 'react';
import {Box, Text} from 'ink';
import {sanitizeForTerminal} from '../format/terminal-text.js';
import type {PodModel} from '../model/types.js';
import {problemNotes} from '../format/problem-notes.js';
import {footerHints} from './key-bindings.js';
import {ColorContext, toneStyle} from './theme.js';

/** The collector's problems, for the status line. */
export function statusMessages(model: PodModel | null): string[] {
	return model ? problemNotes(model) : [];
}

export function footerHeight(model: PodModel | null): number {
	return statusMessages(model).length > 0 ? 2 : 1;
}

type FooterProps = {
	model: PodModel | null;
	filter: string;
	filterEditing: boolean;
};

/** The collector's problems, then the filter being typed or the key hints. */
export function Footer({model, filter, filterEditing}: FooterProps) {
	const color = useContext(ColorContext);
	const messages = statusMessages(model);
	const shownFilter = sanitizeForTerminal(filter);
	return (
		<Box flexDirection="column" height={footerHeight(model)}>
			{messages.length > 0 && (
				<Text wrap="truncate-end" {...toneStyle('warn', color)}>
					{messages.join(' · ')}
				</Text>
			)}
			{filterEditing ? (
				<Text wrap="truncate-end">
					<Text {...toneStyle('accent', color)}>/</Text>
					{shownFilter}
					<Text inverse> </Text>
					<Text {...toneStyle('muted', color)}>  name, pid or command · Enter keeps · Esc clears</Text>
				</Text>
			) : (
				<Text wrap="truncate-end">
					{shownFilter !== '' && (
						<Text>
							<Text {...toneStyle('accent', color)}>filter</Text> {shownFilter}{' '}
							<Text {...toneStyle('muted', color)}>(Esc clears)</Text>
							{'  '}
						</Text>
					)}
					{footerHints.map(([key, action]) => (
						<Text key={key}>
							<Text bold>{key}</Text>
							<Text {...toneStyle('muted', color)}> {action}  </Text>
						</Text>
					))}
				</Text>
			)}
		</Box>
	);
}
