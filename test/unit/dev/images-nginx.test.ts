import { test } from 'node:test';
import assert from 'node:assert/strict';
import { helloConf } from '../../../engine/dev/cluster/images-nginx.js';

test("nginxdemos/hello's stand-in serves its plain-text page and names what answered", () => {
  const conf = helloConf('0.4-plain-text', '1.22.1');
  assert.match(conf, /listen 80;/);
  assert.match(conf, /return 200 'Server address: \$server_addr:\$server_port\\nServer name: \$hostname\\nDate: \$time_local\\nURI: \$request_uri\\nRequest ID: \$request_id\\n/);
  assert.match(conf, /Image: nginxdemos\/hello:0\.4-plain-text \(stand-in: Debian nginx 1\.22\.1, assembled locally by Ria\)\\n';/);
});
