/** What each flag that takes a value expects, for the error when it gets none. */
const valueFlags: ReadonlyMap<string, string> = new Map([
	['interval', 'milliseconds'],
	['proc', 'a directory'],
	['cgroup', 'a directory'],
	['root', 'a directory'],
	['width', 'a number of columns'],
	['dir', 'a directory'],
	['at', 'a time (ISO 8601, 08:01, -10m)'],
	['retain', 'a duration (90m, 2h, 7d)'],
	['max-size', 'a size (64M, 2G)'],
	['listen', 'an address:port (127.0.0.1:9470)'],
]);
const booleanFlags: ReadonlySet<string> = new Set(['once', 'json', 'color', 'no-color', 'record', 'cmdline', 'no-cmdline', 'since-boot', 'version', 'help']);
const shortFlags: ReadonlyMap<string, string> = new Map([
	['h', 'help'],
	['v', 'version'],
]);

/** A wrong use of the command line: podtop prints the message on one line and exits 2. */
export class UsageError extends Error {}

/** An argument that is a flag rather than a value: `-x`, `--xy`; `-5` is a (bad) value. */
const looksLikeFlag = (argument: string): boolean => /^--?[a-zA-Z]/.test(argument);

/**
 * Checks the arguments before meow reads them, which would take a flag for a missing value, an empty value
 * for a given one, and report unknown flags over two lines. Returns them with `-h` and `-v` spelt out and
 * every value joined to its flag (`--interval=500`), so that a value starting with `-` stays a value.
 */
export function checkArguments(argv: readonly string[]): string[] {
	const checked: string[] = [];
	for (let index = 0; index < argv.length; index++) {
		const argument = argv[index];
		if (argument === '--') {
			checked.push(...argv.slice(index));
			break;
		}
		if (!argument.startsWith('-')) {
			checked.push(argument);
			continue;
		}
		const short = /^-([a-zA-Z])$/.exec(argument);
		if (short && shortFlags.has(short[1])) {
			checked.push(`--${shortFlags.get(short[1])}`);
			continue;
		}
		const [flag] = argument.split('=', 1);
		const name = flag.replace(/^--?/, '');
		const expected = valueFlags.get(name);
		if (expected === undefined) {
			if (!booleanFlags.has(name)) throw new UsageError(`unknown flag ${flag} (see podtop --help)`);
			checked.push(argument);
			continue;
		}
		let value: string;
		if (argument.includes('=')) {
			value = argument.slice(flag.length + 1);
		} else {
			const next = argv[index + 1];
			if (next === undefined || looksLikeFlag(next)) throw new UsageError(`${flag} needs a value: ${expected}`);
			value = next;
			index++;
		}
		if (value.trim() === '') throw new UsageError(`${flag} needs a value, not an empty one: ${expected}`);
		checked.push(`--${name}=${value}`);
	}
	return checked;
}

export type WidthSources = {
	/** --width as given; undefined when absent. */
	flag: string | undefined;
	/** The COLUMNS environment variable. */
	columns: string | undefined;
	/** The terminal's width when stdout is one; null for a pipe or a file. */
	terminalColumns: number | null;
};

/**
 * The width of the text output: --width, else COLUMNS, else the terminal's; null (every line whole, as ps
 * prints to a pipe) when none says.
 */
export function textWidth({flag, columns, terminalColumns}: WidthSources): number | null {
	if (flag !== undefined) {
		if (!/^\d+$/.test(flag) || Number(flag) < 20) throw new UsageError(`--width must be a whole number of columns from 20, not "${flag}"`);
		return Number(flag);
	}
	if (columns !== undefined && /^\d+$/.test(columns) && Number(columns) > 0) return Number(columns);
	return terminalColumns;
}
