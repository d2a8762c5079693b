import assert from 'node:assert/strict';
import test from 'node:test';
import {render} from 'ink-testing-library';
import {Header} from '../../source/view/header.js';
import {makeModel} from '../fixtures/models.js';

test('the header ends with what the host is, once looked up, its text escaped', () => {
	// ink-testing-library draws 100 columns: no load and uptime, so that the end of the line shows.
	const model = {...makeModel(), load: null, uptimeSeconds: null};
	const before = render(<Header model={model} hostFacts={undefined} intervalMs={1000} paused={false} />);
	assert.ok(!before.lastFrame()?.includes('Debian'), 'nothing before it is known');
	before.unmount();

	const description = {distribution: 'Debian 12', cpuModel: 'AMD EPYC\u001b[2J', virtualization: 'KVM'};
	const described = {...model, host: {...model.host, description}};
	const after = render(<Header model={described} hostFacts={undefined} intervalMs={1000} paused={false} />);
	const firstLine = after.lastFrame()?.split('\n')[0] ?? '';
	after.unmount();
	assert.match(firstLine, /mem 6\.2G\/16G {2}Debian 12 {2}AMD EPYC\\x1b\[2J {2}KVM$/);
});
