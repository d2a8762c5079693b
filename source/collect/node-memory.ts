import fs from 'node:fs';
import path from 'node:path';
import type {EvictionThreshold, NodeMemorySample} from '../model/types.js';
import type {CgroupLayout} from './cgroup-layout.js';
import type {FileReader} from './file-reader.js';
import {parseKeyedValue, parseUnsigned} from './parse-bytes.js';

/** The root's memory.stat sums every cgroup on the node: read on the detailed refreshes only. */
const readEvery = 5;
const kubeletConfigFile = 'var/lib/kubelet/config.yaml';
const maxConfigBytes = 256 * 1024;
/** `pkg/kubelet/eviction/defaults_linux.go`. */
export const defaultMemoryAvailableThreshold = 100 * 1024 * 1024;

const unopened = -1;

/**
 * The root cgroup's working set, as the kubelet takes it for the node: v1 memory.usage_in_bytes −
 * total_inactive_file; v2 has no memory.current at the root, so anon + file − inactive_file of its memory.stat.
 * Kept descriptors, the shared buffer.
 */
export class NodeMemoryReader {
	private readonly usagePath: string | null;
	private readonly statPath: string | null;
	private usageDescriptor = unopened;
	private statDescriptor = unopened;
	private calls = 0;
	private readonly sample: NodeMemorySample;
	private lastLength = -1;

	constructor(
		layout: CgroupLayout | null,
		private readonly reader: FileReader,
		threshold: EvictionThreshold,
	) {
		const controller = layout?.controllers.memory ?? null;
		// Inside a cgroup namespace the top of the mount is not the node's root.
		const mount = controller?.mountRoot === '/' ? controller : null;
		const v1 = mount !== null && mount !== layout?.unified && layout?.mode !== 'v2';
		this.statPath = mount ? `${mount.directory}/memory.stat` : null;
		this.usagePath = mount && v1 ? `${mount.directory}/memory.usage_in_bytes` : null;
		this.sample = {usage: null, inactiveFile: null, threshold};
	}

	read(): NodeMemorySample {
		if (this.calls++ % readEvery !== 0 || this.statPath === null) return this.sample;
		const reader = this.reader;
		let usage: number | null = null;
		if (this.usagePath !== null) {
			this.usageDescriptor = this.readInto(this.usagePath, this.usageDescriptor);
			usage = this.lastLength < 0 ? null : parseUnsigned(reader.buffer, 0, this.lastLength);
		}
		this.statDescriptor = this.readInto(this.statPath, this.statDescriptor);
		const length = this.lastLength;
		if (length < 0) {
			this.sample.usage = null;
			this.sample.inactiveFile = null;
			return this.sample;
		}
		const v1 = this.usagePath !== null;
		if (!v1) {
			const anon = parseKeyedValue(reader.buffer, length, 'anon');
			const file = parseKeyedValue(reader.buffer, length, 'file');
			usage = anon === null || file === null ? null : anon + file;
		}
		this.sample.usage = usage;
		this.sample.inactiveFile = parseKeyedValue(reader.buffer, length, v1 ? 'total_inactive_file' : 'inactive_file');
		return this.sample;
	}

	close(): void {
		if (this.usageDescriptor >= 0) this.reader.release(this.usageDescriptor);
		if (this.statDescriptor >= 0) this.reader.release(this.statDescriptor);
		this.usageDescriptor = unopened;
		this.statDescriptor = unopened;
	}

	/** Reads the file into the shared buffer (its length in lastLength); the descriptor to keep. */
	private readInto(filePath: string, descriptor: number): number {
		const reader = this.reader;
		if (descriptor < 0) descriptor = reader.keep(filePath);
		if (descriptor < 0) {
			// No descriptor to spare: read it once; gone or refused: unknown.
			this.lastLength = reader.lastFailure === 'other' ? reader.readPath(filePath) : -1;
			return unopened;
		}
		this.lastLength = reader.readKept(descriptor);
		if (this.lastLength >= 0) return descriptor;
		reader.release(descriptor);
		return unopened;
	}
}

/** A Kubernetes quantity (`100Mi`, `1G`, `524288000`) in bytes; null when it is not one. */
export function parseQuantity(text: string): number | null {
	const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|K|M|G|T|P|E)?$/.exec(text);
	if (!match) return null;
	const binary: Record<string, number> = {Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60};
	const decimal: Record<string, number> = {k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18};
	const unit = match[2];
	const factor = unit === undefined ? 1 : (binary[unit] ?? decimal[unit]);
	return Math.round(Number(match[1]) * factor);
}

function unquoted(text: string): string {
	const trimmed = text.trim().replace(/\s+#.*$/, '');
	return /^(["']).*\1$/.test(trimmed) ? trimmed.slice(1, -1) : trimmed;
}

/**
 * `evictionHard`'s `memory.available` in a KubeletConfiguration file: the block form and the flow form
 * (`evictionHard: {memory.available: "200Mi"}`). Undefined when the file has no evictionHard, null when
 * it has one without memory.available, else the value's text.
 */
export function evictionHardMemoryAvailable(yaml: string): string | null | undefined {
	const lines = yaml.split(/\r?\n/);
	for (let index = 0; index < lines.length; index++) {
		const match = /^(\s*)evictionHard:\s*(.*)$/.exec(lines[index]);
		if (!match) continue;
		const rest = match[2].replace(/(?:^|\s+)#.*$/, '');
		if (rest.startsWith('{')) {
			const flow = /["']?memory\.available["']?\s*:\s*(["']?[^,}"']+["']?)/.exec(rest);
			return flow ? unquoted(flow[1]) : null;
		}
		if (rest !== '') return null;
		const indent = match[1].length;
		for (let inner = index + 1; inner < lines.length; inner++) {
			const line = lines[inner];
			if (line.trim() === '' || line.trim().startsWith('#')) continue;
			if ((/^\s*/.exec(line)?.[0].length ?? 0) <= indent) break;
			const entry = /^\s*["']?memory\.available["']?\s*:\s*(.+)$/.exec(line);
			if (entry) return unquoted(entry[1]);
		}
		return null;
	}
	return undefined;
}

/** The kubelet's hard eviction threshold for memory.available: from its config file under `root` where that says so, else the default. */
export function readEvictionThreshold(root: string | null): EvictionThreshold {
	const fallback = (note: string | null, file: string | null): EvictionThreshold => ({bytes: defaultMemoryAvailableThreshold, percent: null, source: 'default', file, note});
	if (root === null) return fallback(null, null);
	const filePath = path.join(root, kubeletConfigFile);
	const shown = `/${kubeletConfigFile}`;
	let text: string;
	try {
		const descriptor = fs.openSync(filePath, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
		try {
			const buffer = Buffer.alloc(maxConfigBytes);
			const length = fs.readSync(descriptor, buffer, 0, buffer.length, 0);
			text = buffer.toString('utf8', 0, length);
		} finally {
			fs.closeSync(descriptor);
		}
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		return fallback(code === 'ENOENT' || code === 'ENOTDIR' ? null : `${shown} unreadable (${code ?? 'error'})`, null);
	}
	const value = evictionHardMemoryAvailable(text);
	if (value === undefined) return fallback(`${shown} sets no evictionHard`, shown);
	if (value === null) return fallback(`${shown} evictionHard has no memory.available`, shown);
	const percent = /^(\d+(?:\.\d+)?)%$/.exec(value);
	if (percent) return {bytes: null, percent: Number(percent[1]), source: 'config', file: shown, note: null};
	const bytes = parseQuantity(value);
	if (bytes === null) return fallback(`${shown} memory.available "${value.slice(0, 40)}" not understood`, shown);
	return {bytes, percent: null, source: 'config', file: shown, note: null};
}
