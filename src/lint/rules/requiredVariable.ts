import type { Rule } from '../rule';

export const requiredVariable: Rule = {
  id: 'required-variable',
  severity: 'warning',
  description: '`${VAR:?}` / `${VAR?}` whose variable is not set: Compose would abort.',
  check({ project, report }) {
    for (const u of project.varUses) {
      if (!u.ref.missingRequired) {
        continue;
      }
      const why = u.ref.op === ':?' && u.ref.set ? 'is empty' : 'is not set';
      const msg = u.ref.arg ? ` with “${u.ref.arg}”` : '';
      report({
        span: u.span,
        message: `\`${u.ref.name}\` ${why} in ${project.dotenv ? project.dotenvPath : 'the project `.env`'} or the environment: Compose would stop${msg}. Set ${u.ref.name}=… in the project's .env file (or export it) before running Compose.`,
      });
    }
  },
};
