/** One sample of a Prometheus or OpenMetrics text exposition. */
export type Sample = {name: string; labels: Record<string, string>; value: number};

/**
 * Parses the samples of an exposition the way the format defines them (label values in double quotes,
 * with `\\`, `\"` and `\n` as the only escapes); throws at the first line that does not parse.
 */
export function parseExposition(text: string): Sample[] {
	const samples: Sample[] = [];
	const lines = text.split('\n');
	if (lines.pop() !== '') throw new Error('the exposition does not end with a newline');
	for (const [index, line] of lines.entries()) {
		if (line.startsWith('#')) continue;
		const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
		if (!name) throw new Error(`line ${index + 1}: no metric name: ${JSON.stringify(line)}`);
		let position = name.length;
		const labels: Record<string, string> = {};
		if (line[position] === '{') {
			position++;
			while (line[position] !== '}') {
				const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(position))?.[0];
				if (!labelName || line[position + labelName.length] !== '=' || line[position + labelName.length + 1] !== '"') {
					throw new Error(`line ${index + 1}: bad label at ${position}: ${JSON.stringify(line)}`);
				}
				position += labelName.length + 2;
				let value = '';
				for (;;) {
					const character = line[position++];
					if (character === undefined) throw new Error(`line ${index + 1}: unterminated label value`);
					if (character === '"') break;
					if (character !== '\\') {
						value += character;
						continue;
					}
					const escaped = line[position++];
					if (escaped === 'n') value += '\n';
					else if (escaped === '\\' || escaped === '"') value += escaped;
					else throw new Error(`line ${index + 1}: bad escape \\${escaped}`);
				}
				if (labelName in labels) throw new Error(`line ${index + 1}: label ${labelName} twice`);
				labels[labelName] = value;
				if (line[position] === ',') position++;
				else if (line[position] !== '}') throw new Error(`line ${index + 1}: expected , or } at ${position}`);
			}
			position++;
		}
		const rest = line.slice(position);
		if (!/^ \S+$/.test(rest) || Number.isNaN(Number(rest.slice(1)))) throw new Error(`line ${index + 1}: bad value: ${JSON.stringify(line)}`);
		samples.push({name, labels, value: Number(rest.slice(1))});
	}
	return samples;
}

/** The samples of one metric whose labels include `match`. */
export function samplesOf(samples: readonly Sample[], name: string, match: Record<string, string> = {}): Sample[] {
	return samples.filter((sample) => sample.name === name && Object.entries(match).every(([key, value]) => sample.labels[key] === value));
}
