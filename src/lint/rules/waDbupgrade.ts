import { replaceScalar, setServiceEnv } from '../edits';
import type { Rule } from '../rule';
import { isServiceLikeName, isTruthyFlag, serviceByHost, servicesWithRole } from '../wa';

export const waDbupgrade: Rule = {
  id: 'wa-dbupgrade',
  severity: 'error',
  description:
    'An upgrade service without `WA_DB_UPGRADE=1`, that would restart in a loop, or that cannot reach the DB.',
  check({ project, report, t }) {
    for (const svc of servicesWithRole(project, 'dbupgrade')) {
      const flag = svc.environment.get('WA_DB_UPGRADE');
      if (!flag || (!flag.unresolved && !isTruthyFlag(flag.value))) {
        const edit = setServiceEnv(svc, 'WA_DB_UPGRADE', '1');
        report({
          span: flag && flag.valueSpan.end > flag.valueSpan.start ? flag.valueSpan : svc.keySpan,
          message: flag
            ? t(
                '`{0}` looks like the database upgrade service but sets WA_DB_UPGRADE={1}: it would start as an ordinary coreapp. Set WA_DB_UPGRADE=1.',
                svc.name,
                flag.value ?? '',
              )
            : t(
                '`{0}` looks like the database upgrade service but does not set WA_DB_UPGRADE: it would start as an ordinary coreapp. Set WA_DB_UPGRADE=1.',
                svc.name,
              ),
          ...(edit ? { fix: { title: t('Set {0}={1}', 'WA_DB_UPGRADE', 1), edits: [edit] } } : {}),
        });
      }
      const restart = svc.restart;
      const exitOnSuccess = svc.environment.get('EXIT_ON_SUCCESS')?.value;
      if (
        restart &&
        /^(always|unless-stopped)$/.test(restart.value.trim()) &&
        exitOnSuccess?.toUpperCase() !== 'FALSE'
      ) {
        const edit = replaceScalar(restart.source, restart.span, 'on-failure');
        report({
          span: restart.span,
          message: t(
            '`{0}` has restart: {1}: the upgrade container exits with 0 when it succeeds and would be started again and again. Use restart: on-failure, or set EXIT_ON_SUCCESS=FALSE so it stays up after success.',
            svc.name,
            restart.value,
          ),
          fix: { title: t('Use restart: on-failure'), edits: [edit] },
        });
      }
      const hostV = svc.environment.get('WA_DB_HOSTNAME');
      const host = hostV?.value?.trim();
      if (!hostV || !host || hostV.unresolved) {
        continue;
      }
      const target = serviceByHost(project, host);
      if (svc.networkMode?.value === 'bridge' && (target || isServiceLikeName(host))) {
        report({
          span: svc.networkMode.span,
          message: t(
            "`{0}` runs on the default bridge (network_mode: bridge) and cannot resolve WA_DB_HOSTNAME={1}: the upgrade never reaches the database. Remove network_mode: bridge and run it with the cluster's compose files (or on the cluster's network).",
            svc.name,
            host,
          ),
        });
      } else if (
        !target &&
        isServiceLikeName(host) &&
        !svc.networks.some((n) => project.networks.get(n.value)?.external) &&
        svc.networkMode === undefined
      ) {
        report({
          span: svc.keySpan,
          message: t(
            "`{0}` reaches the database as `{1}`, which is not a service of this project: run on its own, the upgrade is on a separate network and cannot resolve it. Run it together with the cluster's compose files (-f cluster.yml -f {2}) or join the cluster's network (networks: external).",
            svc.name,
            host,
            svc.keySpan.file.split(/[\\/]/).pop() ?? 'dbupgrade-compose.yml',
          ),
        });
      }
    }
  },
};
