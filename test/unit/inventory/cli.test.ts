import assert from 'node:assert/strict';
import { parseLintArgs } from '../../../src/cliLint';

const inventoryArg = (args: string[]): string | undefined => {
  const parsed = parseLintArgs(args);
  return typeof parsed === 'string' ? undefined : parsed.inventory;
};

describe('lint --inventory (CLI arguments)', () => {
  it('takes --inventory FILE, --inventory=FILE, or a lone *.inventory.yml; anything else stays a compose lint', () => {
    assert.equal(inventoryArg(['--inventory', 'x.yml', '--format', 'json']), 'x.yml');
    assert.equal(inventoryArg(['--inventory=prod/wa-cluster.inventory.yml']), 'prod/wa-cluster.inventory.yml');
    assert.equal(inventoryArg(['wa-cluster.inventory.yml']), 'wa-cluster.inventory.yml');
    assert.equal(inventoryArg(['staging.inventory.yaml', '--format', 'text']), 'staging.inventory.yaml');
    assert.equal(inventoryArg(['multiconnect-compose.yml']), undefined);
    assert.equal(inventoryArg(['a.inventory.yml', 'compose.yml']), undefined);
  });
});
