import type { Rule } from '../rule';

export const requiredVariable: Rule = {
  id: 'required-variable',
  severity: 'warning',
  description: '`${VAR:?}` / `${VAR?}` whose variable is not set: Compose would abort.',
  check({ project, report, t }) {
    for (const u of project.varUses) {
      if (!u.ref.missingRequired) {
        continue;
      }
      const args = [u.ref.name, project.dotenv ? project.dotenvPath : t('the project `.env`'), u.ref.arg ?? ''];
      let message: string;
      if (u.ref.op === ':?' && u.ref.set) {
        message = u.ref.arg
          ? t(
              "`{0}` is empty in {1} or the environment: Compose would stop with “{2}”. Set {0}=… in the project's .env file (or export it) before running Compose.",
              ...args,
            )
          : t(
              "`{0}` is empty in {1} or the environment: Compose would stop. Set {0}=… in the project's .env file (or export it) before running Compose.",
              ...args,
            );
      } else {
        message = u.ref.arg
          ? t(
              "`{0}` is not set in {1} or the environment: Compose would stop with “{2}”. Set {0}=… in the project's .env file (or export it) before running Compose.",
              ...args,
            )
          : t(
              "`{0}` is not set in {1} or the environment: Compose would stop. Set {0}=… in the project's .env file (or export it) before running Compose.",
              ...args,
            );
      }
      report({ span: u.span, message });
    }
  },
};
