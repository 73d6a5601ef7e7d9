import { isScalar } from 'yaml';
import { parseImage } from '../../compose/image';
import { addServiceKey } from '../edits';
import type { Rule, SpanEdit } from '../rule';

const FLAG = '--default-authentication-plugin=mysql_native_password';

export const waMysql8Auth: Rule = {
  id: 'wa-mysql8-auth',
  severity: 'warning',
  description: 'A MySQL 8 image without `--default-authentication-plugin=mysql_native_password`.',
  check({ project, report, t }) {
    for (const svc of project.services.values()) {
      if (!svc.image || svc.image.unresolved) {
        continue;
      }
      const ref = parseImage(svc.image.value);
      if (!['mysql', 'mysql-server'].includes(ref.name) || !/^8(\.0)?(\.|$|-)/.test(ref.tag ?? '')) {
        continue;
      }
      const cmd = svc.command?.value ?? '';
      if (/mysql_native_password|mysql-native-password=on/i.test(cmd)) {
        continue;
      }
      let edit: SpanEdit | undefined;
      if (!svc.command) {
        edit = addServiceKey(svc, 'command', [FLAG]);
      } else if (isScalar(svc.command.node)) {
        const src = svc.command.source;
        const quoted = /^["']/.test(src.text.slice(svc.command.span.start, svc.command.span.end));
        const at = quoted ? svc.command.span.end - 1 : svc.command.span.end;
        edit = { span: { file: src.path, start: at, end: at }, newText: ` ${FLAG}` };
      }
      report({
        span: svc.image.span,
        message: t(
          '`{0}` runs MySQL {1}, whose default authentication (caching_sha2_password) the WhatsApp client cannot use. Add `command: {2}`.',
          svc.name,
          ref.tag ?? '8',
          FLAG,
        ),
        ...(edit ? { fix: { title: t('Use mysql_native_password'), edits: [edit] } } : {}),
      });
    }
  },
};
