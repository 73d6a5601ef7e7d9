/**
 * What each WhatsApp Business API environment variable means (shared/reference/wa-api.md §1.4),
 * for hovers. Pure: the words go through the `t` the caller passes (the editor: `vscode.l10n.t`).
 */
import type { Translate } from '../util/translate';

export const WA_VARIABLES: Readonly<Record<string, (t: Translate) => string>> = {
  WA_API_VERSION: (t) =>
    t(
      'Version of the WhatsApp images, **without** the leading `v`: the compose files write `coreapp:v${WA_API_VERSION}`, so `2.41.2` pulls tag `v2.41.2`. Set it in `.env` or the shell; every web, master, coreapp and dbupgrade must use the same value.',
    ),
  WA_DB_ENGINE: (t) => t('Database engine: `MYSQL` or `PGSQL`.'),
  WA_DB_HOSTNAME: (t) =>
    t(
      'Host name of the database. For a `db` service in the same project, its service name (resolvable on the project network, not on the default bridge).',
    ),
  WA_DB_PORT: (t) =>
    t(
      'Port of the database **inside the compose network** (the container port, e.g. 3306), not the port published on the host (33060).',
    ),
  WA_DB_USERNAME: (t) => t('Database user. Needs SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX and DROP.'),
  WA_DB_PASSWORD: (t) => t('Database password. Must not contain `? { } & ~ ! ( ) ^ =`.'),
  WA_DB_NAME_PREFIX: (t) =>
    t('Optional prefix of every database the client creates, so several installations can share one DB server.'),
  WA_DB_CONNECTION_IDLE_TIMEOUT: (t) =>
    t('Idle timeout of DB connections in milliseconds (MySQL only; the vendor uses 180000).'),
  WA_DB_SSL_CA: (t) => t('CA certificate for TLS to the database.'),
  WA_DB_SSL_CERT: (t) => t('Client certificate for TLS to the database.'),
  WA_DB_SSL_KEY: (t) => t('Client key for TLS to the database.'),
  WA_DB_PERSISTENT: (t) => t('Web: keep persistent DB connections (1/0).'),
  WA_CONFIG_ON_DB: (t) => t('Keep the configuration in the database (templates set 1).'),
  WA_APP_MULTICONNECT: (t) =>
    t(
      '`1` runs the node in high-availability / multiconnect cluster mode. Required on web, masters and coreapps of a cluster.',
    ),
  WA_MASTER_NODE: (t) =>
    t(
      '`1` makes this coreapp container a **master**: masters race for the master lease; the primary manages shards, registration and DB upgrades.',
    ),
  COREAPP_HOSTNAME: (t) =>
    t(
      'Host name this coreapp/master advertises to the cluster (through the DB). Must reach **this** container: its service name on one host, the machine name across hosts.',
    ),
  COREAPP_EXTERNAL_PORTS: (t) =>
    t(
      'The four ports (messaging, contacts, control, healthcheck = container 6250-6253) this node advertises; must equal the host ports it publishes.',
    ),
  WEBAPP_HOSTNAME: (t) => t('Host name the web container advertises to the cluster.'),
  WEBAPP_EXTERNAL_PORTS: (t) =>
    t('Port the web container advertises; must equal the host port mapped to container port 443.'),
  WACORE_HOSTNAME: (t) => t('Single-instance web: host name of its coreapp.'),
  WA_WEB_SERVERNAME: (t) => t('Server name of the web app (used by the k8s/AWS templates).'),
  WA_TCP_LISTEN_ADDRESS: (t) => t('Address the coreapp listens on (`any` in the k8s templates).'),
  WA_API_KEY: (t) =>
    t(
      'Static API key (12 to 128 characters) accepted as `Authorization: Apikey <key>` by `/v1/health`, metrics and stats. Restart the web container after changing it.',
    ),
  WA_SECRET: (t) =>
    t("Encrypts web↔coreapp traffic; set the same value on web and coreapps and keep the hosts' clocks in sync."),
  WA_WEB_SECURITY_LEVEL: (t) => t('TLS security level of the web app (seen as `MODERN`).'),
  WA_WEB_JWT_CRYPTO_KEY: (t) => t("Key that signs the web app's JWTs."),
  WA_DB_UPGRADE: (t) =>
    t('`1` runs the coreapp image as the one-shot database schema upgrade; the container exits with 0 on success.'),
  EXIT_ON_SUCCESS: (t) =>
    t(
      'Upgrade container: `FALSE` keeps it running after a successful upgrade instead of exiting with 0 (for orchestrators that restart exited containers).',
    ),
  WA_RUNNING_ENV_VERSION: (t) => t('Version of the docker **templates** (telemetry), not of the API.'),
  ORCHESTRATION: (t) => t('Deployment flavour reported as telemetry (`DOCKER-COMPOSE`).'),
};

/** The hover text (markdown) of a WhatsApp Business API environment variable, or undefined for another name. */
export function describeVariable(name: string, t: Translate): string | undefined {
  return Object.hasOwn(WA_VARIABLES, name) ? WA_VARIABLES[name]?.(t) : undefined;
}

/** Hover text (markdown) for an image reference, given its role (`other` when it has none) and resolved reference. */
export function describeImage(image: string, role: string, resolved: string | undefined, t: Translate): string {
  const ref = resolved ?? image;
  const lines = [role === 'other' ? t('**Image** `{0}`', ref) : t('**{0} image** `{1}`', role, ref)];
  if (/\/(coreapp|web)(:|$)/.test(ref)) {
    lines.push(
      '',
      t(
        'WhatsApp Business API image. Masters and dbupgrade also run `coreapp` (with `WA_MASTER_NODE=1` / `WA_DB_UPGRADE=1`). All nodes must run one version.',
      ),
    );
  }
  if (image.includes('${WA_API_VERSION') && /:v\$\{WA_API_VERSION/.test(image)) {
    lines.push('', t('The tag is `v` + `WA_API_VERSION`: set the variable to the bare number (e.g. `2.41.2`).'));
  }
  return lines.join('\n');
}
