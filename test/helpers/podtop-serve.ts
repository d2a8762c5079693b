import {spawn, type ChildProcess} from 'node:child_process';
import {cliPath} from './podtop.js';
import {isRunning, spawnedPid, stopChild, waitFor} from './processes.js';
import {buildRig, type Rig} from './teardown.js';

export type PodtopServe = Rig & {
	child: ChildProcess;
	pid: number;
	/** `127.0.0.1:<port>`, as a Prometheus target. */
	address: string;
	url: string;
	stderr(): string;
	/** GET /metrics in the text format. */
	scrape(): Promise<string>;
};

/** `podtop serve` on a free loopback port (--listen 127.0.0.1:0), from the built CLI; cleanup stops it by PID. */
export function startPodtopServe(args: readonly string[] = []): Promise<PodtopServe> {
	return buildRig(async (teardown) => {
		const child = spawn(process.execPath, [cliPath, 'serve', '--listen', '127.0.0.1:0', ...args], {stdio: ['ignore', 'ignore', 'pipe']});
		teardown.defer(() => stopChild(child));
		let stderr = '';
		child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const address = await waitFor(() => {
			if (!isRunning(child)) throw new Error(`podtop serve exited: ${stderr}`);
			return /http:\/\/(127\.0\.0\.1:\d+)\/metrics/.exec(stderr)?.[1];
		}, 30_000, 'podtop serve to listen');
		const url = `http://${address}`;
		const scrape = async () => {
			const response = await fetch(`${url}/metrics`, {headers: {accept: 'text/plain;version=0.0.4'}});
			if (!response.ok) throw new Error(`GET /metrics: ${response.status}`);
			return response.text();
		};
		return {child, pid: spawnedPid(child), address, url, stderr: () => stderr, scrape};
	});
}
