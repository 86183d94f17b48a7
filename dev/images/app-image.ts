// Our image, built from the repository's Dockerfile exactly as it is (no
// second recipe that could drift), by buildah without a Docker engine.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DevError } from '../dev-errors.js';
import { packageRoot } from '../../operator/src/util/package-root.js';
import type { Buildah } from './buildah.js';
import { seconds, type BuildContext, type BuiltImage } from './build-context.js';
import { contextEntries } from './context.js';
import { IMAGE_RECIPE_VERSION } from './recipes.js';
import { WASI_OPERATOR_IMAGE_LATEST, wasiOperatorImage } from './refs.js';
import { fingerprint, readStamp, writeStamp } from './stamps.js';

/** What `npm run build` leaves that the Dockerfile copies; without them the build would fail half-way. */
export const BUILD_OUTPUTS = ['dist/operator/src/cli/wasi-operator.js', 'guest/build/dapr-state-test.wasm'] as const;

export function packageVersion(root: string = packageRoot()): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Pure: npm's global config for the Dockerfile's `RUN npm ci`, from this
 * machine's trust and proxy settings. The RUN step's npm sees only the
 * image's files, and Node trusts only its bundled CAs, so on a machine whose
 * egress goes through a TLS-inspecting proxy (this one) npm ci fails with
 * SELF_SIGNED_CERT_IN_CHAIN. The machine's own CA bundle, and its proxy
 * variables if any, make npm in the build reach the registry as npm on the
 * machine does.
 */
export function buildNpmrc(cafile: string | undefined, env: NodeJS.ProcessEnv): string {
  const lines: string[] = [];
  if (cafile) lines.push(`cafile=${cafile}`);
  const https = env.HTTPS_PROXY ?? env.https_proxy;
  const http = env.HTTP_PROXY ?? env.http_proxy;
  const noProxy = env.NO_PROXY ?? env.no_proxy;
  if (https) lines.push(`https-proxy=${https}`);
  if (http) lines.push(`proxy=${http}`);
  if (noProxy) lines.push(`noproxy=${noProxy}`);
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Where npm looks for its global config in the base image (PREFIX/etc/npmrc, PREFIX=/usr/local); empty in node:26-slim. */
const NPM_GLOBAL_ETC = '/usr/local/etc';

/**
 * A directory mounted over /usr/local/etc for the build's RUN steps only
 * (`buildah build -v`): it holds npmrc and a copy of this machine's CA
 * bundle. Mounts are not committed, so the image is the same as without it.
 */
function npmBuildConfig(ctx: BuildContext): string | undefined {
  const bundle = [process.env.NODE_EXTRA_CA_CERTS, process.env.SSL_CERT_FILE, '/etc/ssl/certs/ca-certificates.crt'].find((path) => path && existsSync(path));
  const dir = join(ctx.cache.workDir, 'npm-build-etc');
  rmSync(dir, { recursive: true, force: true });
  if (bundle) {
    mkdirSync(dir, { recursive: true });
    copyFileSync(bundle, join(dir, 'host-ca.crt'));
  }
  const npmrc = buildNpmrc(bundle ? `${NPM_GLOBAL_ETC}/host-ca.crt` : undefined, process.env);
  if (npmrc === '') return undefined;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'npmrc'), npmrc);
  return dir;
}

/**
 * Builds `wasi-operator:VERSION` (and `:latest`) from the Dockerfile when the
 * build context, the Dockerfile or the base image changed since the last build.
 */
export async function ensureAppImage(buildah: Buildah, base: BuiltImage, ctx: BuildContext): Promise<BuiltImage> {
  const root = packageRoot();
  const missing = BUILD_OUTPUTS.filter((path) => !existsSync(join(root, path)));
  if (missing.length > 0) {
    throw new DevError('ERR_IMAGE_CONTEXT', `the image copies build outputs that are missing (${missing.join(', ')}); run \`npm run build\` first`);
  }
  const version = packageVersion(root);
  const reference = wasiOperatorImage(version);
  const dockerfile = join(root, 'Dockerfile');
  const inputs = fingerprint({
    recipe: IMAGE_RECIPE_VERSION,
    base: base.configDigest,
    dockerfile: await ctx.digests.digest(dockerfile),
    context: await contextEntries(root, ctx.digests),
    tags: [reference, WASI_OPERATOR_IMAGE_LATEST],
  });
  const stampPath = ctx.cache.stampPath('wasi-operator');
  const stamp = readStamp(stampPath);
  const built = (configDigest: string, buildSeconds: number): BuiltImage => ({
    name: 'wasi-operator',
    reference,
    source: buildah.storageReference(reference),
    configDigest,
    size: 0,
    built: buildSeconds > 0,
    buildSeconds,
  });
  if (stamp?.inputs === inputs && (await buildah.imageId(reference)) === stamp.configDigest) return built(stamp.configDigest, 0);

  const started = Date.now();
  ctx.progress(`building ${reference} from ${dockerfile} (buildah, chroot isolation)…`);
  const iidfile = join(ctx.cache.workDir, `wasi-operator-${process.pid}.iid`);
  const npmEtc = npmBuildConfig(ctx);
  await buildah.removeWorkingContainers();
  try {
    await buildah.run(
      [
        'build',
        '--isolation',
        'chroot',
        '--pull=never',
        ...(npmEtc ? ['--volume', `${npmEtc}:${NPM_GLOBAL_ETC}:ro`] : []),
        '--iidfile',
        iidfile,
        '-f',
        dockerfile,
        '-t',
        reference,
        '-t',
        WASI_OPERATOR_IMAGE_LATEST,
        root,
      ],
      // Each Dockerfile step is a progress line; the rest of buildah's output only shows on failure.
      { errorCode: 'ERR_IMAGE_BUILD', tailLines: 60, onLine: (line) => (/^STEP \d+\/\d+:/.test(line) ? ctx.progress(`wasi-operator: ${line}`) : undefined) },
    );
    buildah.forgetImages();
    const configDigest = `sha256:${readFileSync(iidfile, 'utf8').trim().replace(/^sha256:/, '')}`;
    writeStamp(stampPath, { inputs, configDigest });
    await buildah.pruneDangling();
    const took = seconds(started);
    ctx.progress(`built ${reference} in ${took}s`);
    return built(configDigest, took);
  } finally {
    rmSync(iidfile, { force: true });
  }
}
