/** A parsed image reference (`[registry/]path[:tag][@digest]`). */
export interface ImageRef {
  registry?: string;
  /** Repository path without registry, e.g. `coreapp` or `library/mysql`. */
  repository: string;
  /** Last path component, e.g. `coreapp`, `web`, `mysql`. */
  name: string;
  tag?: string;
  digest?: string;
  /** Offset of the tag (after `:`) in the reference string, when there is one. */
  tagOffset?: number;
}

export function parseImage(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  let tagOffset: number | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    tagOffset = ref.indexOf(rest) + colon + 1;
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  let registry: string | undefined;
  if (parts.length > 1) {
    const first = parts[0] ?? '';
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first;
      parts.shift();
    }
  }
  const repository = parts.join('/');
  const name = (parts[parts.length - 1] ?? '').toLowerCase();
  return {
    ...(registry ? { registry } : {}),
    repository,
    name,
    ...(tag !== undefined ? { tag, tagOffset } : {}),
    ...(digest ? { digest } : {}),
  };
}
