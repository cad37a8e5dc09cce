import { describe, expect, it } from 'vitest';
import {
  isExampleHost,
  isPlaceholderCredentialUrl,
  isPlaceholderPassword,
} from '../../../../src/detect/secrets/placeholders.js';

// Built from parts: a credential-shaped value must never sit in the repository as one string.
const real = ['Zq7', 'vK2m', 'Lp9w', 'Xe4r'].join('');

describe('URL credential placeholders', () => {
  it('knows placeholder passwords (words, templates, runs of one character)', () => {
    for (const password of [
      'password',
      'Pass',
      'secret',
      'somepassword',
      'your_password',
      'my-secret',
      'changeme',
      'xxx',
      '****',
      '${DB_PASSWORD}',
      '{{password}}',
      '<password>',
      '[password]',
      '%DB_PASS%',
      '$PGPASSWORD',
      '$(cat /run/secrets/db)',
    ])
      expect(isPlaceholderPassword(password), password).toBe(true);
    for (const password of [real, 'password123', 'hunter2', 'passage', 'xyz'])
      expect(isPlaceholderPassword(password), password).toBe(false);
  });

  it('knows the reserved example hosts (RFC 2606 / 6761) and nothing else', () => {
    for (const host of [
      'example.com',
      'EXAMPLE.org:8080',
      'db.example.net',
      'api.test',
      'x.invalid',
      'h.example',
    ])
      expect(isExampleHost(host), host).toBe(true);
    for (const host of [
      'example.com.evil.io',
      'myexample.com',
      'db.internal',
      'localhost',
      'test',
      'github.com',
    ])
      expect(isExampleHost(host), host).toBe(false);
  });

  it('judges whole URLs: placeholder password, example host or anonymous user', () => {
    expect(isPlaceholderCredentialUrl('http://user:pass@example.com:123/one/space')).toBe(true);
    expect(isPlaceholderCredentialUrl('postgres://someuser:somepassword@somehost:381/somedatabase')).toBe(
      true,
    );
    expect(isPlaceholderCredentialUrl('postgres://<user>:<password>@<host>:<port>/<database>')).toBe(true);
    expect(isPlaceholderCredentialUrl(`https://deploy:${real}@ci.example.com/hook`)).toBe(true);
    expect(isPlaceholderCredentialUrl('https://anonymous:flabada@developer.mozilla.org/en-US/docs')).toBe(
      true,
    );
    expect(isPlaceholderCredentialUrl(`postgres://app:${real}@db.prod.internal:5432/app`)).toBe(false);
    expect(isPlaceholderCredentialUrl(`jdbc:mysql://app:${real}@10.0.0.5/app`)).toBe(false);
    expect(isPlaceholderCredentialUrl('not a url')).toBe(false);
  });
});
