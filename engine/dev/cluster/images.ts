import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, writeFile, readFile, rm, stat, rename, copyFile, symlink, chmod, readlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { homedir } from 'node:os';
import type { NodeBinaries } from './binaries.js';
import { ClusterComponentError } from './errors.js';
import { NGINX_BINARY, NGINX_DEFAULT_CONF, helloConf, nginxConfig, nginxIndex, nginxLayout } from './images-nginx.js';

const run = promisify(execFile);

/**
 * The images a real node needs, assembled on this machine (nothing is pulled from the internet)
 * and pushed to the local registry. Each is named for what it stands in for and says where it
 * comes from in its labels; the README's "Images" table lists them.
 *
 * | image (in the local registry) | from |
 * |---|---|
 * | ria-local/pause | Debian's busybox-static, sleeping (the pod sandbox) |
 * | library/busybox:1.35 (= docker.io/library/busybox) | Debian's busybox-static 1.35 |
 * | ria-local/git | Debian's git and its libraries + busybox (the build Job's fetch step) |
 * | library/node:20-alpine and :20-bookworm-slim (= docker.io/library/node:…) | one STAND-IN for both: this machine's Node.js 20 binary, its glibc libraries and its npm + busybox; neither Alpine nor Debian's rootfs (the engine's Dockerfile builds FROM :20-bookworm-slim) |
 * | ria-local/kaniko-executor | the Kaniko executor built from its Go module, laid out as its own deploy/Dockerfile does |
 * | library/nginx:1.27-alpine | a STAND-IN: Debian's nginx (nginx-light) + busybox, laid out as the official image (images-nginx.ts) |
 * | nginxdemos/hello:0.3-plain-text, :0.4-plain-text | STAND-INS: the same nginx serving nginxdemos/hello's plain-text page, plus a line naming the stand-in |
 */
export interface LocalImages {
  pause: string;
  busybox: string;
  git: string;
  node: string;
  /** The same image as `node`, tagged node:20-bookworm-slim: the engine image's Dockerfile builds FROM it. */
  nodeSlim: string;
  kanikoExecutor: string;
  /** The examples' nginx stand-ins; absent when this machine has no nginx (apt-get install nginx-light). */
  nginx?: string;
  helloV1?: string;
  helloV2?: string;
}

const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nnode:x:1000:1000:node:/home/node:/bin/sh\n';
const GROUP = 'root:x:0:\nnogroup:x:65534:\nnode:x:1000:\n';

/** Runs crane (inside the node's network namespace: the registry listens there). */
export type Crane = (args: string[]) => Promise<string>;

interface ImageSpec {
  key: string;
  ref: (registry: string) => string;
  /** Extra tags pushed for the same image (in the same repository). */
  alsoTags?: string[];
  build: (stage: string) => Promise<void>;
  config: string[];
}

async function sh(cmd: string, args: string[]): Promise<string> {
  try {
    return (await run(cmd, args, { maxBuffer: 64 << 20 })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new ClusterComponentError('images', `${cmd} ${args.join(' ')} failed: ${(e.stderr ?? e.message).trim().slice(-500)}`, undefined, err);
  }
}

async function busyboxVersion(): Promise<string> {
  const out = await sh('/bin/busybox', ['--help']).catch(() => '');
  const m = /BusyBox v(\d+\.\d+)/.exec(out);
  if (!m) throw new ClusterComponentError('images', '/bin/busybox (Debian busybox-static) is missing: apt-get install busybox-static');
  return m[1]!;
}

async function busyboxRoot(stage: string): Promise<void> {
  await mkdir(join(stage, 'bin'), { recursive: true });
  await copyFile('/bin/busybox', join(stage, 'bin/busybox'));
  await chmod(join(stage, 'bin/busybox'), 0o755);
  for (const applet of (await sh('/bin/busybox', ['--list-full'])).split('\n').filter(Boolean)) {
    const path = join(stage, applet);
    if (applet === 'bin/busybox') continue;
    await mkdir(dirname(path), { recursive: true });
    await symlink('/bin/busybox', path).catch(() => {});
  }
  await mkdir(join(stage, 'etc'), { recursive: true });
  await writeFile(join(stage, 'etc/passwd'), PASSWD);
  await writeFile(join(stage, 'etc/group'), GROUP);
  await writeFile(join(stage, 'etc/nsswitch.conf'), 'hosts: files dns\n');
  for (const d of ['tmp', 'root', 'home/node', 'var/tmp']) await mkdir(join(stage, d), { recursive: true });
  await chmod(join(stage, 'tmp'), 0o1777);
}

/** Copies binaries and every shared library they load (ldd), at the same paths. */
async function withLibraries(stage: string, binaries: string[]): Promise<void> {
  const files = new Set<string>(binaries);
  for (const b of binaries) {
    for (const line of (await sh('ldd', [b])).split('\n')) {
      const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
      if (m) files.add(m[1]!);
    }
  }
  for (const f of files) {
    const to = join(stage, f);
    await mkdir(dirname(to), { recursive: true });
    await copyFile(f, to);
    await chmod(to, 0o755);
  }
}

function nginxSpecs(bb: string, nginx: string): Record<'nginx' | 'helloV1' | 'helloV2', ImageSpec> {
  const root = async (stage: string) => {
    await busyboxRoot(stage);
    await withLibraries(stage, [NGINX_BINARY]);
  };
  const hello = (tag: string): ImageSpec => ({
    key: `nginxdemos-hello-${tag}-nginx-${nginx}-busybox-${bb}`, ref: (r) => `${r}/nginxdemos/hello:${tag}`,
    build: async (stage) => { await root(stage); await nginxLayout(stage, helloConf(tag, nginx)); },
    config: nginxConfig(`STAND-IN for nginxdemos/hello:${tag}: Debian nginx ${nginx} + busybox-static serving its plain-text page; assembled locally by Ria`, PATH_ENV),
  });
  return {
    nginx: {
      key: `nginx-1.27-alpine-nginx-${nginx}-busybox-${bb}`, ref: (r) => `${r}/library/nginx:1.27-alpine`,
      build: async (stage) => { await root(stage); await nginxLayout(stage, NGINX_DEFAULT_CONF, nginxIndex(nginx)); },
      config: nginxConfig(`STAND-IN for nginx:1.27-alpine: Debian nginx ${nginx} + busybox-static, official image layout; not Alpine; assembled locally by Ria`, PATH_ENV),
    },
    helloV1: hello('0.3-plain-text'),
    helloV2: hello('0.4-plain-text'),
  };
}

/** Debian's nginx version, or undefined when it is not installed. */
async function nginxVersion(): Promise<string | undefined> {
  try {
    const { stderr } = await run(NGINX_BINARY, ['-v']);
    return /nginx\/(\S+)/.exec(stderr)?.[1];
  } catch {
    return undefined;
  }
}

/** This machine's npm: the copy installed beside the node binary (Node.js packages bundle it there). */
function hostNpmDir(): string {
  return join(dirname(dirname(process.execPath)), 'lib', 'node_modules', 'npm');
}

async function hostNpmVersion(): Promise<string> {
  try {
    return (JSON.parse(await readFile(join(hostNpmDir(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    throw new ClusterComponentError('images', `npm is missing beside ${process.execPath} (${hostNpmDir()}): the node image stand-in needs it`);
  }
}

function specs(bins: NodeBinaries, versions: { busybox: string; git: string; node: string; npm: string; kaniko: string }): Record<'pause' | 'busybox' | 'git' | 'node' | 'kanikoExecutor', ImageSpec> {
  const bb = versions.busybox;
  const source = (what: string) => `--label=org.opencontainers.image.description=${what}`;
  return {
    pause: {
      key: `pause-busybox-${bb}`, ref: (r) => `${r}/ria-local/pause:busybox-${bb}`,
      build: busyboxRoot,
      config: ['--entrypoint=/bin/sh', `--cmd=-c,trap 'exit 0' TERM INT; while true; do sleep 3600 & wait $!; done`, `--env=${PATH_ENV}`,
        source('Pod sandbox: Debian busybox-static sleeping; assembled locally by Ria')],
    },
    busybox: {
      key: `busybox-${bb}`, ref: (r) => `${r}/library/busybox:${bb}`, alsoTags: ['latest'],
      build: busyboxRoot,
      config: ['--cmd=sh', `--env=${PATH_ENV}`, source('Debian busybox-static; assembled locally by Ria, not the Docker Hub image')],
    },
    git: {
      key: `git-${versions.git}-busybox-${bb}`, ref: (r) => `${r}/ria-local/git:${versions.git}`,
      build: async (stage) => {
        await busyboxRoot(stage);
        await mkdir(join(stage, 'usr/bin'), { recursive: true });
        await mkdir(join(stage, 'usr/lib'), { recursive: true });
        await mkdir(join(stage, 'usr/share/git-core'), { recursive: true });
        await rm(join(stage, 'usr/bin/git'), { force: true });
        await sh('cp', ['-a', '/usr/lib/git-core', join(stage, 'usr/lib/')]);
        await sh('cp', ['-a', '/usr/share/git-core/templates', join(stage, 'usr/share/git-core/')]);
        await withLibraries(stage, ['/usr/bin/git', '/usr/lib/git-core/git-remote-http']);
        await mkdir(join(stage, 'etc/ssl/certs'), { recursive: true });
        await copyFile('/etc/ssl/certs/ca-certificates.crt', join(stage, 'etc/ssl/certs/ca-certificates.crt'));
      },
      config: ['--entrypoint=git', `--env=${PATH_ENV}`, source(`Debian git ${versions.git} and its libraries + busybox; assembled locally by Ria`)],
    },
    node: {
      key: `node-${versions.node}-npm-${versions.npm}-busybox-${bb}`, ref: (r) => `${r}/library/node:20-alpine`, alsoTags: ['20-bookworm-slim'],
      build: async (stage) => {
        await busyboxRoot(stage);
        const node = await realBinary('/usr/bin/node');
        await rm(join(stage, 'usr/bin/node'), { force: true });
        await withLibraries(stage, [node]);
        if (node !== '/usr/bin/node') await symlink(node, join(stage, 'usr/bin/node')).catch(() => {});
        await mkdir(join(stage, 'usr/lib/node_modules'), { recursive: true });
        await sh('cp', ['-a', hostNpmDir(), join(stage, 'usr/lib/node_modules/npm')]);
        for (const [bin, script] of [['npm', 'npm-cli.js'], ['npx', 'npx-cli.js']] as const) {
          await rm(join(stage, 'usr/bin', bin), { force: true });
          await symlink(`../lib/node_modules/npm/bin/${script}`, join(stage, 'usr/bin', bin));
        }
        await mkdir(join(stage, 'etc/ssl/certs'), { recursive: true });
        await copyFile('/etc/ssl/certs/ca-certificates.crt', join(stage, 'etc/ssl/certs/ca-certificates.crt'));
      },
      config: ['--cmd=node', `--env=${PATH_ENV}`, `--env=NODE_VERSION=${versions.node}`,
        source(`STAND-IN for node:20-alpine and node:20-bookworm-slim: this machine's Node.js ${versions.node} (glibc) and npm ${versions.npm} + Debian busybox-static; neither Alpine nor Debian's rootfs; assembled locally by Ria`)],
    },
    kanikoExecutor: {
      key: `kaniko-${versions.kaniko}`, ref: (r) => `${r}/ria-local/kaniko-executor:${versions.kaniko}`,
      build: async (stage) => {
        await mkdir(join(stage, 'kaniko/ssl/certs'), { recursive: true });
        await mkdir(join(stage, 'kaniko/.docker'), { recursive: true });
        await mkdir(join(stage, 'etc'), { recursive: true });
        await mkdir(join(stage, 'workspace'), { recursive: true });
        await copyFile(join(bins.kanikoDir, 'executor'), join(stage, 'kaniko/executor'));
        await chmod(join(stage, 'kaniko/executor'), 0o755);
        await chmod(join(stage, 'kaniko'), 0o777);
        await copyFile('/etc/ssl/certs/ca-certificates.crt', join(stage, 'kaniko/ssl/certs/ca-certificates.crt'));
        await writeFile(join(stage, 'etc/nsswitch.conf'), 'hosts: files dns\n');
      },
      config: ['--entrypoint=/kaniko/executor', '--env=HOME=/root', '--env=USER=root', '--env=PATH=/usr/local/bin:/kaniko',
        '--env=SSL_CERT_DIR=/kaniko/ssl/certs', '--env=DOCKER_CONFIG=/kaniko/.docker/', '--workdir=/workspace',
        source(`Kaniko executor ${versions.kaniko} built from its Go module; layout of its deploy/Dockerfile; assembled locally by Ria`)],
    },
  };
}

async function realBinary(path: string): Promise<string> {
  try { return join(dirname(path), await readlink(path)); } catch { return path; }
}

/** A rootfs tarball per image, cached by the versions it is made of. */
async function rootfsTar(cacheDir: string, spec: ImageSpec): Promise<string> {
  const tar = join(cacheDir, `${spec.key}.tar`);
  if (await stat(tar).then(() => true, () => false)) return tar;
  const stage = join(cacheDir, `.${spec.key}.stage-${process.pid}`);
  await rm(stage, { recursive: true, force: true });
  await mkdir(stage, { recursive: true });
  try {
    await spec.build(stage);
    await sh('tar', ['--numeric-owner', '--owner=0', '--group=0', '--sort=name', '--mtime=@0', '-C', stage, '-cf', `${tar}.tmp`, '.']);
    await rename(`${tar}.tmp`, tar);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
  return tar;
}

/** Assembles (or reuses) every image and pushes it to `registry`; returns their references. */
export async function pushLocalImages(crane: Crane, registry: string, bins: NodeBinaries, kanikoVersion: string,
  onProgress: (line: string) => void, cacheDir = join(process.env.RIA_CACHE_DIR ?? join(homedir(), '.cache/ria'), 'images')): Promise<LocalImages> {
  await mkdir(cacheDir, { recursive: true });
  const git = /git version (\S+)/.exec(await sh('git', ['--version']))?.[1] ?? 'unknown';
  const bb = await busyboxVersion();
  const nginx = await nginxVersion();
  if (!nginx) onProgress(`no ${NGINX_BINARY} (apt-get install nginx-light): the nginx stand-ins are not assembled; the hello and notes examples cannot start`);
  const all = { ...specs(bins, { busybox: bb, git, node: process.versions.node, npm: await hostNpmVersion(), kaniko: kanikoVersion }), ...(nginx ? nginxSpecs(bb, nginx) : {}) };
  const refs = {} as LocalImages;
  const platform = `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`;
  for (const [name, spec] of Object.entries(all) as [Exclude<keyof LocalImages, 'nodeSlim'>, ImageSpec][]) {
    const ref = spec.ref(registry);
    // The finished image (compressed layer + config) is cached as a tarball: later starts only
    // push it, which is much faster than compressing the rootfs again.
    const image = join(cacheDir, `${spec.key}.image.tar`);
    if (await stat(image).then(() => true, () => false)) {
      await crane(['push', '--insecure', image, ref]);
    } else {
      const tar = await rootfsTar(cacheDir, spec);
      await crane(['append', '--insecure', '--oci-empty-base', '-f', tar, '-t', ref]);
      await crane(['mutate', '--insecure', ref, `--set-platform=${platform}`, ...spec.config, '-t', ref]);
      await crane(['pull', '--insecure', ref, `${image}.tmp-${process.pid}`]);
      await rename(`${image}.tmp-${process.pid}`, image);
      await rm(tar, { force: true });
    }
    for (const t of spec.alsoTags ?? []) await crane(['tag', '--insecure', ref, t]);
    refs[name] = ref;
  }
  refs.nodeSlim = refs.node.replace(/:20-alpine$/, ':20-bookworm-slim');
  onProgress(`local images pushed to ${registry}: ${Object.values(refs).map((r) => r.slice(registry.length + 1)).join(', ')}`);
  return refs;
}
