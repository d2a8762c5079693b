import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {test} from 'node:test';
import type {PodtopEvent} from '../../source/model/events.js';
import {sanitizeForTerminal} from '../../source/format/terminal-text.js';
import type {Pod} from '../../source/model/types.js';
import {modelToMetrics, negotiateMetricsFormat, type ExporterStats, type MetricsFormat} from '../../source/output/metrics.js';
import {OomKillTally} from '../../source/output/metrics-oom-kills.js';
import {parseExposition, samplesOf} from '../helpers/exposition.js';
import {makeModel, makePods, MiB, webPodCgroup} from '../fixtures/models.js';
import {requireOrSkip} from '../helpers/require.js';

const stats: ExporterStats = {refreshes: 7, lastRefreshTime: Date.parse('2025-11-23T16:00:00Z'), lastRefreshDurationMs: 12.5, startTime: Date.parse('2025-11-23T15:00:00Z'), residentBytes: 80 * MiB, heapUsedBytes: 20 * MiB};

const hostilePod = 'we"b\\n-\nname\r\t\x1b[31m\u202egpj.exe\u0000\x9b';
const hostileContainer = 'ng"inx\\\n\x07\x1b]0;pwned\x07';
const hostileImage = 'registry/"img":\\latest\n';
const hostileComm = 'bu"sy\\box\n\x1b[2J';

/** The fixture's pods, the web pod and its nginx renamed with quotes, backslashes, newlines and control characters. */
function hostilePods(): Pod[] {
	const [web, ...rest] = makePods();
	const containers = web.containers.map((container) => {
		if (container.name !== 'nginx') return container;
		const memory = {...container.gauges.memory, effectiveMaxCgroup: container.cgroups.memory};
		return {...container, name: hostileContainer, image: hostileImage, gauges: {...container.gauges, memory}};
	});
	return [{...web, name: hostilePod, uid: 'uid"\\\n', containers}, ...rest];
}

function oomKillEvent(pod: Pod, containerName: string, comm: string): PodtopEvent {
	const container = pod.containers.find((candidate) => candidate.name === containerName)!;
	return {time: 0, kind: 'oom-kill', cgroup: container.cgroups.memory!, podId: pod.id, podName: pod.name, containerId: container.id, containerName: container.name, delta: 1, value: 1, victim: {pid: 4242, comm}};
}

function render(pods: Pod[], format: MetricsFormat, events: PodtopEvent[] = []): string {
	const model = makeModel(pods);
	const tally = new OomKillTally();
	tally.add(model, events);
	return modelToMetrics({model, oomKills: tally.values(), stats}, format);
}

test('hostile pod, container, image and victim names come out escaped, and the exposition parses back to them', () => {
	const pods = hostilePods();
	const text = render(pods, 'prometheus', [oomKillEvent(pods[0], hostileContainer, hostileComm)]);
	const samples = parseExposition(text);

	// One line per sample: no raw newline or control character made it into the text.
	assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
	const nginx = samplesOf(samples, 'container_memory_working_set_bytes', {container: sanitizeForTerminal(hostileContainer)});
	assert.equal(nginx.length, 1);
	assert.equal(nginx[0].labels.pod, sanitizeForTerminal(hostilePod));
	assert.equal(nginx[0].labels.image, sanitizeForTerminal(hostileImage));
	assert.equal(nginx[0].labels.pod_uid, sanitizeForTerminal('uid"\\\n'));
	// Quotes and backslashes survive as they are; newlines and controls as the live view shows them.
	assert.ok(nginx[0].labels.pod.startsWith('we"b\\n-\\x0aname\\x0d\\x09\\x1b[31m\\u202egpj.exe'), nginx[0].labels.pod);
	assert.equal(nginx[0].value, Math.round(51.2 * MiB * 0.9));

	const kills = samplesOf(samples, 'podtop_oom_kills_total');
	assert.equal(kills.length, 1);
	assert.equal(kills[0].labels.victim_comm, sanitizeForTerminal(hostileComm));
	assert.equal(kills[0].labels.container, sanitizeForTerminal(hostileContainer));
	assert.equal(kills[0].labels.level, 'container');
	assert.equal(kills[0].value, 1);

	// Every series once.
	const keys = samples.map((sample) => JSON.stringify([sample.name, sample.labels]));
	assert.equal(new Set(keys).size, keys.length);
});

test('promtool check metrics passes on the text format, hostile names included', (t) => {
	const version = spawnSync('promtool', ['--version']);
	if (!requireOrSkip(t, version.status === 0, 'promtool is not installed (Debian package prometheus)')) return;
	const pods = hostilePods();
	const text = render(pods, 'prometheus', [oomKillEvent(pods[0], hostileContainer, hostileComm)]);
	const check = spawnSync('promtool', ['check', 'metrics'], {input: text, encoding: 'utf8'});
	assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
	assert.equal(check.stdout + check.stderr, '', 'no lint findings either');
});

test('OpenMetrics: counter families named without _total, samples with it, # EOF last', () => {
	const text = render(makePods(), 'openmetrics');
	assert.ok(text.endsWith('\n# EOF\n'));
	assert.match(text, /^# TYPE container_cpu_usage_seconds counter$/m);
	assert.match(text, /^container_cpu_usage_seconds_total\{/m);
	assert.match(text, /^# TYPE container_memory_working_set_bytes gauge$/m);
	assert.doesNotMatch(text, /^# TYPE \S+_total /m);
	assert.equal(parseExposition(text).length, parseExposition(render(makePods(), 'prometheus')).length);
});

test('the fixture\'s values: limits, the effective one with its cgroup and level, host namespaces, no pids or command lines', () => {
	const samples = parseExposition(render(makePods(), 'prometheus'));
	const nginx = {pod: 'web-7d9f4', container: 'nginx'};
	assert.equal(samplesOf(samples, 'container_spec_memory_limit_bytes', nginx)[0].value, 64 * MiB);
	assert.equal(samplesOf(samples, 'container_spec_memory_limit_bytes', {container: 'worker'})[0].value, 0, 'unlimited: 0, as cAdvisor');
	assert.equal(samplesOf(samples, 'container_memory_usage_bytes', nginx)[0].value, 51.2 * MiB);
	assert.equal(samplesOf(samples, 'container_cpu_usage_seconds_total', nginx)[0].value, 123.456789);
	assert.equal(samplesOf(samples, 'container_cpu_cfs_throttled_periods_total', {container: 'php-fpm'})[0].value, 17);

	const pauseLimit = samplesOf(samples, 'podtop_container_memory_effective_limit_bytes', {container: 'pause'});
	assert.deepEqual([pauseLimit[0].value, pauseLimit[0].labels.limit_cgroup, pauseLimit[0].labels.level], [512 * MiB, webPodCgroup, 'pod']);
	assert.equal(samplesOf(samples, 'podtop_container_memory_effective_limit_bytes', {container: 'worker'}).length, 0, 'no limit, no sample');

	const hostNet = samplesOf(samples, 'podtop_pod_host_namespace', {type: 'net'}).filter((sample) => sample.value === 1);
	assert.deepEqual(hostNet.map((sample) => sample.labels.pod), ['kube-proxy-x2x7b']);
	assert.equal(samplesOf(samples, 'podtop_pod_namespace_shared', {pod: 'web-7d9f4', type: 'net'})[0].value, 1);

	const labelNames = new Set(samples.flatMap((sample) => Object.keys(sample.labels)));
	for (const name of labelNames) assert.doesNotMatch(name, /pid$|cmd|command/);
	const values = samples.flatMap((sample) => Object.values(sample.labels));
	assert.ok(!values.some((value) => value.includes('nginx: master') || value === '2101'), 'no command line or pid as a label value');
});

test('a container that went away is gone from the next exposition, its OOM kills with it', () => {
	const pods = makePods();
	const tally = new OomKillTally();
	const first = makeModel(pods);
	tally.add(first, [oomKillEvent(pods[0], 'php-fpm', 'php-fpm'), oomKillEvent(pods[0], 'php-fpm', 'php-fpm')]);
	let samples = parseExposition(modelToMetrics({model: first, oomKills: tally.values(), stats}, 'prometheus'));
	assert.equal(samplesOf(samples, 'podtop_oom_kills_total', {container: 'php-fpm', victim_comm: 'php-fpm', level: 'container'})[0].value, 2);

	const withoutPhp = [{...pods[0], containers: pods[0].containers.filter((container) => container.name !== 'php-fpm')}, ...pods.slice(1)];
	const second = makeModel(withoutPhp);
	tally.add(second, []);
	samples = parseExposition(modelToMetrics({model: second, oomKills: tally.values(), stats}, 'prometheus'));
	assert.deepEqual(samples.filter((sample) => sample.labels.container === 'php-fpm'), []);
	assert.equal([...tally.values()].length, 0);
	assert.equal(samplesOf(samples, 'container_memory_usage_bytes', {container: 'nginx'}).length, 1);
});

test('the format follows the Accept header: OpenMetrics when asked, else the text format', () => {
	const prometheus = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
	assert.equal(negotiateMetricsFormat(prometheus), 'openmetrics');
	assert.equal(negotiateMetricsFormat('text/plain;version=0.0.4'), 'prometheus');
	assert.equal(negotiateMetricsFormat('*/*'), 'prometheus');
	assert.equal(negotiateMetricsFormat(undefined), 'prometheus');
});
