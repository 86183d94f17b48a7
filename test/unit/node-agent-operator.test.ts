// The node agent's contract for the project's operator image: the image
// config from the Dockerfile, which containers are the operator, the local
// command line, and the listeners moved to ports of their own.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Container } from '@kubernetes/client-node';
import { parseControllerArgs } from '../../operator/src/controller/config.js';
import { isPodProcessArgv } from '../../operator/src/local/cluster/node-agent-process.js';
import { parseDockerfile, projectImageConfig } from '../../operator/src/local/node-agent/image-config.js';
import { localListeners } from '../../operator/src/local/node-agent/listen-addresses.js';
import { isRunnable } from '../../operator/src/local/node-agent/local-command.js';
import { imageName, isControllerContainer, isOperatorContainer, operatorArgv } from '../../operator/src/local/node-agent/operator-container.js';
import { repoRoot } from '../../operator/src/local/repo-root.js';

const image = projectImageConfig();

/** The container of charts/wasi-operator's Deployment, as `helm template` renders it by default. */
const chartContainer: V1Container = {
  name: 'operator',
  image: 'wasi-operator:0.1.0',
  args: [
    'controller',
    '--host-image=wasi-operator:0.1.0',
    '--default-redis-host=redis-master:6379',
    '--leader-elect',
    '--leader-election-namespace=wasi-system',
    '--metrics-addr=:8080',
    '--probe-addr=:8081',
    '--log-level=info',
  ],
  env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
  ports: [
    { name: 'metrics', containerPort: 8080 },
    { name: 'probes', containerPort: 8081 },
  ],
};

describe('image config from the Dockerfile', () => {
  test("the repository's Dockerfile: the ENTRYPOINT with its V8 flags, CMD, ENV and WORKDIR", () => {
    expect(parseDockerfile(readFileSync(join(repoRoot(), 'Dockerfile'), 'utf8'))).toEqual({
      entrypoint: ['node', '--optimize-for-size', '--max-semi-space-size=1', '/app/bin/wasi-operator.mjs'],
      cmd: ['controller'],
      env: { NODE_ENV: 'production' },
      workdir: '/app',
    });
  });

  test('only the last stage counts; continuations are joined; a later ENTRYPOINT drops the CMD', () => {
    const config = parseDockerfile(
      ['FROM a AS build', 'ENV X=1', 'CMD ["x"]', 'FROM b', 'WORKDIR /srv', 'WORKDIR app', 'CMD ["old"]', 'ENV A=1 \\', '  B="two"', 'ENTRYPOINT ["node", "/srv/app/x.mjs"]'].join('\n'),
    );
    expect(config).toEqual({ entrypoint: ['node', '/srv/app/x.mjs'], cmd: [], env: { A: '1', B: 'two' }, workdir: '/srv/app' });
  });

  test('refuses the shell form and a missing ENTRYPOINT', () => {
    expect(() => parseDockerfile('FROM a\nENTRYPOINT node x.mjs')).toThrow(expect.objectContaining({ code: 'ERR_NODE_AGENT_IMAGE_CONFIG' }));
    expect(() => parseDockerfile('FROM a\nCMD ["x"]')).toThrow(expect.objectContaining({ code: 'ERR_NODE_AGENT_IMAGE_CONFIG' }));
  });
});

describe('which container is the operator', () => {
  test.each([
    ['wasi-operator', 'wasi-operator'],
    ['wasi-operator:0.1.0', 'wasi-operator'],
    ['registry.example:5000/team/wasi-operator:1.2.3', 'wasi-operator'],
    ['ghcr.io/x/wasi-operator@sha256:abc', 'wasi-operator'],
    ['busybox:1.36', 'busybox'],
  ])('image %s is named %s', (reference, name) => {
    expect(imageName(reference)).toBe(name);
  });

  test("the chart's container, from any registry and tag, and with the image's CMD when it has no args", () => {
    expect(isOperatorContainer(chartContainer, image)).toBe(true);
    expect(isOperatorContainer({ ...chartContainer, image: 'registry.example/wasi-operator:1.2.3' }, image)).toBe(true);
    expect(isOperatorContainer({ name: 'operator', image: 'wasi-operator' }, image)).toBe(true);
    expect(isRunnable(chartContainer, image)).toBe(true);
  });

  test("the chart's helm test Pod (`smoke`) runs too, but only the controller gets its listeners moved", () => {
    const smoke = { ...chartContainer, name: 'smoke-test', args: ['smoke', '--namespace=ops'] };
    expect(isOperatorContainer(smoke, image)).toBe(true);
    expect(isRunnable(smoke, image)).toBe(true);
    expect(isControllerContainer(smoke, image)).toBe(false);
    expect(isControllerContainer(chartContainer, image)).toBe(true);
  });

  test('not another image, another subcommand of the entrypoint, or a command of its own', () => {
    expect(isOperatorContainer({ ...chartContainer, image: 'someone/else:1' }, image)).toBe(false);
    expect(isOperatorContainer({ ...chartContainer, args: ['cluster', 'up'] }, image)).toBe(false);
    expect(isOperatorContainer({ ...chartContainer, command: ['sh', '-c'] }, image)).toBe(false);
    expect(isRunnable({ ...chartContainer, command: ['sh', '-c'] }, image)).toBe(false);
  });
});

describe('the local command line of the operator container', () => {
  test("this Node with the ENTRYPOINT's V8 flags, the checkout's script in place of /app's, the args with $(VAR) expanded", () => {
    const argv = operatorArgv({ ...chartContainer, args: ['controller', '--leader-election-identity=$(POD_NAME)'] }, image, { POD_NAME: 'op-1' }, { nodePath: '/opt/node26', repoRoot: '/repo' });
    expect(argv).toEqual(['/opt/node26', '--optimize-for-size', '--max-semi-space-size=1', '/repo/bin/wasi-operator.mjs', 'controller', '--leader-election-identity=op-1']);
  });

  test('is recognised as a Pod process by `cluster down`, but a developer\'s `wasi-operator cluster` is not', () => {
    expect(isPodProcessArgv(['/opt/node26', '--optimize-for-size', '--max-semi-space-size=1', '/repo/bin/wasi-operator.mjs', 'controller', '--leader-elect'])).toBe(true);
    expect(isPodProcessArgv(['/opt/node26', '/repo/bin/wasi-host.mjs', 'run', 'x.wasm'])).toBe(true);
    expect(isPodProcessArgv(['/opt/node26', '--optimize-for-size', '/repo/bin/wasi-operator.mjs', 'smoke', '--namespace=ops'])).toBe(true);
    expect(isPodProcessArgv(['/opt/node26', '/repo/bin/wasi-operator.mjs', 'cluster', 'up'])).toBe(false);
  });
});

describe('listeners on ports of their own', () => {
  test("the chart's :8080 and :8081 move to the given loopback ports, appended (the operator takes a flag's last value)", () => {
    const { extraArgs, ports } = localListeners(chartContainer.args!.slice(1), {}, [41000, 41001]);
    expect(extraArgs).toEqual(['--metrics-addr=127.0.0.1:41000', '--probe-addr=127.0.0.1:41001']);
    expect([...ports]).toEqual([
      [8080, 41000],
      [8081, 41001],
    ]);
    const parsed = parseControllerArgs([...chartContainer.args!.slice(1), ...extraArgs]);
    expect(parsed.help === false && [parsed.options.metricsAddr, parsed.options.probeAddr]).toEqual(['127.0.0.1:41000', '127.0.0.1:41001']);
  });

  test("the operator's own defaults and env count; a disabled listener stays disabled", () => {
    expect(localListeners([], {}, [1, 2]).ports).toEqual(new Map([
      [8080, 1],
      [8081, 2],
    ]));
    expect(localListeners(['--metrics-addr=0'], { WASI_OPERATOR_PROBE_ADDR: ':9000' }, [1, 2])).toEqual({ extraArgs: ['--probe-addr=127.0.0.1:1'], ports: new Map([[9000, 1]]) });
    expect(localListeners(['--probe-addr', '127.0.0.1:7000', '--metrics-addr', '0'], {}, [5, 6]).extraArgs).toEqual(['--probe-addr=127.0.0.1:5']);
  });

  test('args the operator refuses are left for it to refuse', () => {
    expect(localListeners(['--no-such-flag'], {}, [1, 2])).toEqual({ extraArgs: [], ports: new Map() });
  });
});
