/**
 * The Compose arguments of "Down". `--remove-orphans` also removes the project's containers
 * that no compose file of the cluster declares, above all the DB upgrade container, which runs
 * from its own dbupgrade-compose.yml under the cluster's project name (wa-api.md §5 item 16) and
 * would otherwise stay behind. `-v` deletes the named volumes (the database and the media).
 */
export function downArgs(opts: { readonly volumes: boolean }): string[] {
  return ['down', '--remove-orphans', ...(opts.volumes ? ['-v'] : [])];
}
