/**
 * Stand-ins for the nginx images the examples name (`nginx:1.27-alpine` for notes,
 * `nginxdemos/hello:0.3-plain-text` and `:0.4-plain-text` for hello). This machine cannot pull
 * them, so each is assembled from Debian's nginx (nginx-light) and its libraries + busybox-static,
 * laid out as the image it stands in for: the same paths (/etc/nginx/conf.d, /usr/share/nginx/html),
 * the same command (`nginx -g 'daemon off;'`), port 80, workers as the `nginx` user. They are NOT the
 * upstream images (another nginx version, glibc, not Alpine): their labels and the README say so,
 * and nginxdemos/hello's stand-in ends its page with a line naming what answered.
 */
import { copyFile, mkdir, symlink, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';

export const NGINX_BINARY = '/usr/sbin/nginx';

/** The official image's nginx.conf, logging to the container's output. */
const NGINX_CONF = `user  nginx;
worker_processes  1;
error_log  stderr notice;
pid        /var/run/nginx.pid;
events {
    worker_connections  1024;
}
http {
    include       /etc/nginx/mime.types;
    default_type  application/octet-stream;
    access_log  /dev/stdout;
    sendfile        on;
    keepalive_timeout  65;
    include /etc/nginx/conf.d/*.conf;
}
`;

/** The official image's default server. */
const DEFAULT_CONF = `server {
    listen       80;
    server_name  localhost;
    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }
}
`;

/** nginxdemos/hello's plain-text server (its hello-plain-text.conf), plus a line naming the stand-in. */
export function helloConf(tag: string, nginxVersion: string): string {
  const body = [
    'Server address: $server_addr:$server_port', 'Server name: $hostname', 'Date: $time_local', 'URI: $request_uri',
    'Request ID: $request_id', `Image: nginxdemos/hello:${tag} (stand-in: Debian nginx ${nginxVersion}, assembled locally by Ria)`, '',
  ].join('\\n');
  return `server {
    listen 80;
    location / {
        default_type text/plain;
        expires -1;
        return 200 '${body}';
    }
}
`;
}

/**
 * A root file system with Debian's nginx laid out as the official image: `binaryRoot` has already
 * put busybox and nginx with its libraries under `stage`; this adds the configuration and the
 * directories nginx writes to.
 */
export async function nginxLayout(stage: string, conf: string, indexHtml?: string): Promise<void> {
  for (const d of ['etc/nginx/conf.d', 'usr/share/nginx/html', 'var/log/nginx', 'var/lib/nginx', 'var/cache/nginx', 'run']) {
    await mkdir(join(stage, d), { recursive: true });
  }
  await symlink('/run', join(stage, 'var/run')).catch(() => {});
  await writeFile(join(stage, 'etc/nginx/nginx.conf'), NGINX_CONF);
  await copyFile('/etc/nginx/mime.types', join(stage, 'etc/nginx/mime.types'));
  await writeFile(join(stage, 'etc/nginx/conf.d/default.conf'), conf);
  if (indexHtml !== undefined) await writeFile(join(stage, 'usr/share/nginx/html/index.html'), indexHtml);
  await appendFile(join(stage, 'etc/passwd'), 'nginx:x:101:101:nginx:/nonexistent:/bin/false\n');
  await appendFile(join(stage, 'etc/group'), 'nginx:x:101:\n');
}

export const NGINX_DEFAULT_CONF = DEFAULT_CONF;

export function nginxIndex(nginxVersion: string): string {
  return `<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head>\n<body><h1>Welcome to nginx!</h1>\n`
    + `<p>A stand-in for nginx:1.27-alpine: Debian's nginx ${nginxVersion}, assembled locally by Ria.</p></body></html>\n`;
}

/** crane mutate flags shared by the nginx stand-ins. */
export function nginxConfig(description: string, env: string): string[] {
  return ['--cmd=nginx,-g,daemon off;', `--env=${env}`,
    `--label=org.opencontainers.image.description=${description}`];
}
