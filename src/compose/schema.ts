import { z } from 'zod';

/**
 * The Compose specification's structure (compose-spec `compose-spec.json` at 170098ba), as zod
 * schemas: every documented key, with the types the specification allows. Unknown keys are
 * reported (`x-*` extension keys are allowed everywhere the specification allows them).
 * Values that are strings in the spec may also be interpolated, so numbers/booleans that the spec
 * types as `["number","string"]` accept both.
 */

/** An object with exactly these keys (plus `x-*` extensions): unknown keys are issues. */
function strict<S extends z.ZodRawShape>(shape: S) {
  return z.preprocess((v) => (isPlainObject(v) ? stripExtensions(v) : v), z.strictObject(shape));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stripExtensions(v: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) {
    if (!k.startsWith('x-')) {
      out[k] = val;
    }
  }
  return out;
}

const str = z.string();
const num = z.number();
const bool = z.boolean();
const strOrNum = z.union([str, num]);
const boolish = z.union([bool, str]);
const any = z.unknown();
const obj = z.record(z.string(), any);
const listOfStrings = z.array(str);
const stringOrList = z.union([str, listOfStrings]);
const scalarOrNull = z.union([str, num, bool, z.null()]);
const listOrDict = z.union([z.record(z.string(), scalarOrNull), z.array(str)]);
const command = z.union([z.null(), str, z.array(str)]);
const externalish = z.union([bool, str, obj]);

const portLong = strict({
  name: str.optional(),
  mode: str.optional(),
  host_ip: str.optional(),
  target: strOrNum.optional(),
  published: strOrNum.optional(),
  protocol: str.optional(),
  app_protocol: str.optional(),
});

const volumeLong = strict({
  type: str,
  source: str.optional(),
  target: str.optional(),
  read_only: boolish.optional(),
  consistency: str.optional(),
  bind: obj.optional(),
  volume: obj.optional(),
  tmpfs: obj.optional(),
  image: obj.optional(),
});

const dependsOnLong = strict({ condition: str, restart: boolish.optional(), required: bool.optional() });

const serviceNetwork = z.union([
  z.null(),
  strict({
    aliases: listOfStrings.optional(),
    interface_name: str.optional(),
    ipv4_address: str.optional(),
    ipv6_address: str.optional(),
    link_local_ips: listOfStrings.optional(),
    mac_address: str.optional(),
    driver_opts: obj.optional(),
    priority: num.optional(),
    gw_priority: num.optional(),
  }),
]);

const envFile = z.union([
  str,
  z.array(z.union([str, strict({ path: str, format: str.optional(), required: boolish.optional() })])),
]);

const healthcheck = strict({
  disable: boolish.optional(),
  interval: str.optional(),
  retries: strOrNum.optional(),
  test: z.union([str, listOfStrings]).optional(),
  timeout: str.optional(),
  start_period: str.optional(),
  start_interval: str.optional(),
});

const deploy = strict({
  mode: str.optional(),
  endpoint_mode: str.optional(),
  replicas: strOrNum.optional(),
  labels: listOrDict.optional(),
  rollback_config: obj.optional(),
  update_config: obj.optional(),
  resources: obj.optional(),
  restart_policy: obj.optional(),
  placement: obj.optional(),
});

const serviceConfigOrSecret = z.array(
  z.union([
    str,
    strict({
      source: str,
      target: str.optional(),
      uid: str.optional(),
      gid: str.optional(),
      mode: strOrNum.optional(),
    }),
  ]),
);

const build = z.union([
  str,
  strict({
    context: str.optional(),
    dockerfile: str.optional(),
    dockerfile_inline: str.optional(),
    entitlements: any.optional(),
    args: listOrDict.optional(),
    ssh: any.optional(),
    labels: listOrDict.optional(),
    cache_from: any.optional(),
    cache_to: any.optional(),
    no_cache: boolish.optional(),
    additional_contexts: any.optional(),
    network: str.optional(),
    provenance: any.optional(),
    sbom: any.optional(),
    pull: boolish.optional(),
    target: str.optional(),
    shm_size: strOrNum.optional(),
    extra_hosts: any.optional(),
    isolation: str.optional(),
    privileged: boolish.optional(),
    secrets: any.optional(),
    tags: listOfStrings.optional(),
    ulimits: any.optional(),
    platforms: listOfStrings.optional(),
  }),
]);

export const serviceSchema = strict({
  develop: any.optional(),
  deploy: deploy.optional(),
  annotations: listOrDict.optional(),
  attach: boolish.optional(),
  build: build.optional(),
  blkio_config: obj.optional(),
  cap_add: z.array(str).optional(),
  cap_drop: z.array(str).optional(),
  cgroup: str.optional(),
  cgroup_parent: str.optional(),
  command: command.optional(),
  configs: serviceConfigOrSecret.optional(),
  container_name: str.optional(),
  cpu_count: strOrNum.optional(),
  cpu_percent: strOrNum.optional(),
  cpu_shares: strOrNum.optional(),
  cpu_quota: strOrNum.optional(),
  cpu_period: strOrNum.optional(),
  cpu_rt_period: strOrNum.optional(),
  cpu_rt_runtime: strOrNum.optional(),
  cpus: strOrNum.optional(),
  cpuset: str.optional(),
  credential_spec: obj.optional(),
  depends_on: z.union([listOfStrings, z.record(z.string(), dependsOnLong)]).optional(),
  device_cgroup_rules: listOfStrings.optional(),
  devices: z.array(z.union([str, obj])).optional(),
  dns: stringOrList.optional(),
  dns_opt: z.array(str).optional(),
  dns_search: stringOrList.optional(),
  domainname: str.optional(),
  entrypoint: command.optional(),
  env_file: envFile.optional(),
  label_file: stringOrList.optional(),
  environment: listOrDict.optional(),
  expose: z.array(strOrNum).optional(),
  extends: z.union([str, strict({ service: str, file: str.optional() })]).optional(),
  provider: obj.optional(),
  external_links: z.array(str).optional(),
  extra_hosts: z.union([z.record(z.string(), z.union([str, z.array(str)])), z.array(str)]).optional(),
  gpus: z.union([str, z.array(obj)]).optional(),
  group_add: z.array(strOrNum).optional(),
  healthcheck: healthcheck.optional(),
  hostname: str.optional(),
  image: str.optional(),
  init: boolish.optional(),
  ipc: str.optional(),
  isolation: str.optional(),
  labels: listOrDict.optional(),
  links: z.array(str).optional(),
  logging: obj.optional(),
  mac_address: str.optional(),
  mem_limit: strOrNum.optional(),
  mem_reservation: strOrNum.optional(),
  mem_swappiness: strOrNum.optional(),
  memswap_limit: strOrNum.optional(),
  network_mode: str.optional(),
  models: z.union([listOfStrings, obj]).optional(),
  networks: z.union([listOfStrings, z.record(z.string(), serviceNetwork)]).optional(),
  oom_kill_disable: boolish.optional(),
  oom_score_adj: strOrNum.optional(),
  pid: z.union([str, z.null()]).optional(),
  pids_limit: strOrNum.optional(),
  platform: str.optional(),
  ports: z.array(z.union([num, str, portLong])).optional(),
  post_start: z.array(obj).optional(),
  pre_stop: z.array(obj).optional(),
  privileged: boolish.optional(),
  profiles: listOfStrings.optional(),
  pull_policy: str.optional(),
  pull_refresh_after: str.optional(),
  read_only: boolish.optional(),
  restart: str.optional(),
  runtime: str.optional(),
  scale: strOrNum.optional(),
  security_opt: z.array(str).optional(),
  shm_size: strOrNum.optional(),
  secrets: serviceConfigOrSecret.optional(),
  sysctls: listOrDict.optional(),
  stdin_open: boolish.optional(),
  stop_grace_period: str.optional(),
  stop_signal: str.optional(),
  storage_opt: obj.optional(),
  tmpfs: stringOrList.optional(),
  tty: boolish.optional(),
  ulimits: z.record(z.string(), z.union([strOrNum, strict({ hard: strOrNum, soft: strOrNum })])).optional(),
  use_api_socket: bool.optional(),
  user: str.optional(),
  uts: str.optional(),
  userns_mode: str.optional(),
  volumes: z.array(z.union([str, volumeLong])).optional(),
  volumes_from: z.array(str).optional(),
  working_dir: str.optional(),
});

const network = z.union([
  z.null(),
  strict({
    name: str.optional(),
    driver: str.optional(),
    driver_opts: obj.optional(),
    ipam: obj.optional(),
    external: externalish.optional(),
    internal: boolish.optional(),
    enable_ipv4: boolish.optional(),
    enable_ipv6: boolish.optional(),
    attachable: boolish.optional(),
    labels: listOrDict.optional(),
  }),
]);

const volume = z.union([
  z.null(),
  strict({
    name: str.optional(),
    driver: str.optional(),
    driver_opts: obj.optional(),
    external: externalish.optional(),
    labels: listOrDict.optional(),
  }),
]);

const secret = strict({
  name: str.optional(),
  environment: str.optional(),
  file: str.optional(),
  external: externalish.optional(),
  labels: listOrDict.optional(),
  driver: str.optional(),
  driver_opts: obj.optional(),
  template_driver: str.optional(),
});

const config = strict({
  name: str.optional(),
  content: str.optional(),
  environment: str.optional(),
  file: str.optional(),
  external: externalish.optional(),
  labels: listOrDict.optional(),
  template_driver: str.optional(),
});

const NAME_RE = /^[a-zA-Z0-9._-]+$/;
const named = <T extends z.ZodType>(item: T) =>
  z.record(z.string().regex(NAME_RE, 'names may use only letters, digits, ".", "_" and "-"'), item);

export const composeFileSchema = strict({
  version: str.optional(),
  name: str.optional(),
  include: z.array(z.union([str, obj])).optional(),
  services: z.union([z.null(), named(serviceSchema)]).optional(),
  models: z.union([z.null(), obj]).optional(),
  networks: z.union([z.null(), named(network)]).optional(),
  volumes: z.union([z.null(), named(volume)]).optional(),
  secrets: z.union([z.null(), named(secret)]).optional(),
  configs: z.union([z.null(), named(config)]).optional(),
});

/** Keys a service may have (for hovers/completions). */
export const SERVICE_KEYS: readonly string[] = Object.keys(
  (serviceSchema as unknown as { _zod: { def: { out: { shape: object } } } })._zod.def.out.shape,
);
