import assert from 'node:assert/strict';
import path from 'node:path';
import { loadProject } from '../../../src/compose/project';
import { whatsAppImageVersions } from '../../../src/lint/wa';
import { overlayReader } from './helpers';

describe('lint/wa whatsAppImageVersions', () => {
  const dir = path.join('/nonexistent', 'wa-versions');
  const compose = path.join(dir, 'compose.yml');
  const load = (text: string, dotenv: string) =>
    loadProject({
      files: [{ path: compose, text }],
      reader: overlayReader(new Map([[path.join(dir, '.env'), dotenv]])),
      env: {},
    });

  it('gives each WhatsApp service the variable use of its own image, in service order', () => {
    const project = load(
      [
        'services:',
        '  db:',
        '    image: mysql:${DB_TAG}',
        '  wacore1:',
        '    image: docker.whatsapp.biz/coreapp:${CORE_TAG}',
        '  waweb:',
        '    image: docker.whatsapp.biz/web:v${WEB_VERSION}',
        '    environment:',
        '      OTHER: ${CORE_TAG}',
        '  master1:',
        '    image: docker.whatsapp.biz/coreapp:v2.41.2',
        '  wacore2:',
        '    image: docker.whatsapp.biz/coreapp:${UNSET_TAG:-}',
        '',
      ].join('\n'),
      'DB_TAG=8.0\nCORE_TAG=v2.41.3\nWEB_VERSION=2.41.2\n',
    );
    const versions = whatsAppImageVersions(project);
    assert.deepEqual(
      versions.map((v) => [v.service.name, v.tag, v.version, v.use?.ref.name, v.vPrefixedVariable]),
      [
        ['wacore1', 'v2.41.3', '2.41.3', 'CORE_TAG', false],
        ['waweb', 'v2.41.2', '2.41.2', 'WEB_VERSION', true],
        ['master1', 'v2.41.2', '2.41.2', undefined, false],
      ],
    );
    // The use found is the one in the image, not the same variable elsewhere in the service.
    const core = versions[0]?.use;
    assert.ok(core && core.node === project.services.get('wacore1')?.image?.node);
  });
});
