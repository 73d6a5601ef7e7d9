import type { ReadRefusal } from '../../compose/types';
import type { Translate } from '../../util/translate';
import type { Rule } from '../rule';

function why(r: ReadRefusal, t: Translate): string {
  switch (r.reason) {
    case 'tooLarge':
      return t(
        'it is {0} MB, more than the {1} MB a compose or env file can sensibly be',
        (r.size / 1048576).toFixed(1),
        Math.round(r.limit / 1048576),
      );
    case 'directory':
      return t('it is a directory');
    case 'fifo':
      return t('it is a named pipe (FIFO): reading it would wait forever');
    case 'device':
      return t('it is a device: reading it may never end');
    default:
      return t('it is not a regular file');
  }
}

export const unreadableFile: Rule = {
  id: 'unreadable-file',
  severity: 'error',
  description:
    'An `env_file`, `.env`/`--env-file`, `extends.file` or `include` that is not a regular file (FIFO, device, directory) or is too large.',
  check({ project, report, t }) {
    for (const u of project.unreadable) {
      report({
        span: u.span,
        message: t('`{0}` is not read: {1}. Point to a regular text file.', u.path, why(u.refusal, t)),
      });
    }
  },
};
