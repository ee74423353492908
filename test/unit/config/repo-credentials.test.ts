import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../engine/config/load.js';
import { ConfigError } from '../../../engine/config/errors.js';

const appFile = (repo: string) => `# shop\nbranches: [main]\nrepo: ${repo}\n`;

test('a repo URL with credentials is refused at its line, pointing at cloneSecret, without echoing them', () => {
  const cases: Array<[string, RegExp]> = [
    ['https://bot:ghp_s3cr3tT0ken@github.com/acme/shop.git', /a user name or password/],
    ['https://ghp_s3cr3tT0ken@github.com/acme/shop.git', /a user name or password/],
    ['https://bot:p@ss@w0rd@git.example/shop.git', /a user name or password/],
    ['https://git.example/shop.git?access_token=ghp_s3cr3tT0ken', /secret query parameter \(access_token\)/],
  ];
  for (const [repo, what] of cases) {
    const config = loadConfig(new Map([['apps/shop.yaml', appFile(repo)], ['apps/web.yaml', appFile('https://git.example/web.git')]]));
    assert.deepEqual(config.apps.map((a) => a.name), ['web'], 'the other app still loads');
    const err = config.appErrors.get('shop');
    assert.ok(err instanceof ConfigError, repo);
    const [issue] = err.issues;
    assert.equal(issue?.file, 'apps/shop.yaml');
    assert.equal(issue?.line, 3);
    assert.equal(issue?.path, 'repo');
    assert.equal(issue?.code, 'CONFIG_REPO_CREDENTIALS');
    assert.match(issue!.message, what);
    assert.match(issue!.message, /"cloneSecret"/);
    for (const text of [err.message, err.format(), JSON.stringify(err.data)]) {
      assert.doesNotMatch(text, /s3cr3t|ghp_|w0rd|p@ss/, `${repo}: ${text}`);
    }
  }
});

test('a plain repo URL (and a harmless query) is accepted', () => {
  const config = loadConfig(new Map([['apps/shop.yaml', appFile('https://git.example/shop.git?ref=main')]]));
  assert.equal(config.appErrors.size, 0, [...config.appErrors.values()].map((e) => e.message).join());
  assert.equal(config.apps[0]?.spec.repo, 'https://git.example/shop.git?ref=main');
});
