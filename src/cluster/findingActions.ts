import { type Project } from '../compose/project';
import { type Finding } from './types';

/**
 * What clicking a finding row does: the command that fixes (or shows) what the finding says.
 * Plain data; the tree maps it onto a VS Code command.
 */
export type FindingAction =
  | { readonly kind: 'registerNumber' }
  | { readonly kind: 'setShards' }
  | { readonly kind: 'addCoreapp' }
  | { readonly kind: 'signIn' }
  | { readonly kind: 'showLogs'; readonly node: string }
  /** The compose file at the service's definition (`service` undefined: the top of the file). */
  | { readonly kind: 'openCompose'; readonly service: string | undefined };

/** The finding's id up to the first `:` (`absent-from-health:wacore3` → `absent-from-health`). */
function idKind(id: string): string {
  const colon = id.indexOf(':');
  return colon < 0 ? id : id.slice(0, colon);
}

export function findingAction(finding: Finding): FindingAction | undefined {
  const node = finding.nodes?.[0];
  switch (idKind(finding.id)) {
    case 'not-registered':
      return { kind: 'registerNumber' };
    case 'no-spare':
    case 'shards-degraded':
      return { kind: 'addCoreapp' };
    case 'too-few-coreapps':
      // More shards than running coreapps: fewer shards is the fix that needs no new node.
      return { kind: 'setShards' };
    case 'spare-present':
      return undefined;
    case 'api-certificate':
    case 'api-auth':
    case 'api-unreachable':
      return { kind: 'signIn' };
    case 'container-crashed':
    case 'crash-loop':
    case 'node-error':
      return node ? { kind: 'showLogs', node } : undefined;
    case 'absent-from-health':
    case 'single-master':
    case 'unknown-gateway-status':
      return { kind: 'openCompose', service: node };
    case 'version-mismatch':
    case 'no-primary-master':
    case 'health-empty':
      return { kind: 'openCompose', service: undefined };
    default:
      return undefined;
  }
}

/** Where a service is defined (its key in the last file that defines it), else the top of the first file. */
export function composeLocation(
  project: Project,
  service: string | undefined,
): { file: string; line: number; column: number } | undefined {
  const s = service === undefined ? undefined : project.services.get(service);
  const source = s ? project.sources.get(s.keySpan.file) : undefined;
  if (s && source) {
    const offset = s.keySpan.start;
    const starts = source.lineStarts;
    let line = 0;
    while (line + 1 < starts.length && starts[line + 1]! <= offset) {
      line++;
    }
    return { file: s.keySpan.file, line, column: offset - starts[line]! };
  }
  const first = project.files[0];
  return first ? { file: first.path, line: 0, column: 0 } : undefined;
}
