import {spawn, type ChildProcess} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import net from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {commandExists, stopChild, waitFor} from './processes.js';
import {buildRig, type Rig} from './teardown.js';

export const prometheusAvailable = () => commandExists('prometheus') && commandExists('promtool');

export type PromSample = {metric: Record<string, string>; value: number};

export type Prometheus = Rig & {
	url: string;
	/** An instant query through the HTTP API; throws when Prometheus answers with an error. */
	query(promql: string): Promise<PromSample[]>;
	/** Prometheus' own log, for failure messages. */
	log(): string;
};

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as net.AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

/**
 * Starts Debian's prometheus on a loopback port, with a config that scrapes `targets` every second and
 * storage in a temp dir of its own; cleanup stops it by PID and removes the dir.
 */
export function startPrometheus(targets: readonly string[]): Promise<Prometheus> {
	return buildRig(async (teardown) => {
		const dir = await mkdtemp(join(tmpdir(), `podtop-metrics-prometheus-${randomBytes(4).toString('hex')}-`));
		teardown.defer(() => rm(dir, {recursive: true, force: true}));
		const config = [
			'global:',
			'  scrape_interval: 1s',
			'  scrape_timeout: 1s',
			'scrape_configs:',
			'  - job_name: podtop',
			'    static_configs:',
			`      - targets: [${targets.map((target) => `'${target}'`).join(', ')}]`,
			'',
		].join('\n');
		await writeFile(join(dir, 'prometheus.yml'), config);
		const port = await freePort();
		const child: ChildProcess = spawn('prometheus', [
			`--config.file=${join(dir, 'prometheus.yml')}`,
			`--storage.tsdb.path=${join(dir, 'data')}`,
			`--web.listen-address=127.0.0.1:${port}`,
			'--log.level=warn',
		], {stdio: ['ignore', 'ignore', 'pipe']});
		let log = '';
		child.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000)));
		teardown.defer(() => stopChild(child));
		const url = `http://127.0.0.1:${port}`;
		await waitFor(async () => {
			if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${log}`);
			return fetch(`${url}/-/ready`).then((response) => response.ok, () => false);
		}, 60_000, 'prometheus to be ready');

		const query = async (promql: string): Promise<PromSample[]> => {
			const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
			const body = (await response.json()) as {status: string; error?: string; data?: {resultType: string; result: Array<{metric: Record<string, string>; value: [number, string]}>}};
			if (body.status !== 'success' || !body.data) throw new Error(`prometheus: ${promql}: ${body.error ?? response.status}`);
			if (body.data.resultType !== 'vector') throw new Error(`prometheus: ${promql}: a ${body.data.resultType}, not a vector`);
			return body.data.result.map(({metric, value}) => ({metric, value: Number(value[1])}));
		};
		return {url, query, log: () => log};
	});
}
