import assert from 'node:assert/strict';
import { setDotenvValue } from '../../../src/compose/setDotenv';

describe('setDotenvValue (.env edit of the Upgrade command)', () => {
  it('replaces the value and keeps every other line', () => {
    assert.equal(
      setDotenvValue(
        '# versions\nCOMPOSE_PROJECT_NAME=biz\nWA_API_VERSION=2.51.1\nOTHER=x\n',
        'WA_API_VERSION',
        '2.53.2',
      ),
      '# versions\nCOMPOSE_PROJECT_NAME=biz\nWA_API_VERSION=2.53.2\nOTHER=x\n',
    );
  });

  it('creates the file content when empty and appends when missing (with a final newline)', () => {
    assert.equal(setDotenvValue('', 'WA_API_VERSION', '2.53.2'), 'WA_API_VERSION=2.53.2\n');
    assert.equal(setDotenvValue('A=1', 'WA_API_VERSION', '2.53.2'), 'A=1\nWA_API_VERSION=2.53.2\n');
  });

  it('keeps an export prefix and CRLF line endings, drops later duplicates', () => {
    assert.equal(
      setDotenvValue('export WA_API_VERSION=v2.51.1\r\nB=2\r\nWA_API_VERSION=2.0.0\r\n', 'WA_API_VERSION', '2.53.2'),
      'export WA_API_VERSION=2.53.2\r\nB=2\r\n',
    );
  });

  it('does not touch a variable whose name only starts the same', () => {
    assert.equal(
      setDotenvValue('WA_API_VERSION_OLD=1\n', 'WA_API_VERSION', '2.53.2'),
      'WA_API_VERSION_OLD=1\nWA_API_VERSION=2.53.2\n',
    );
  });
});
