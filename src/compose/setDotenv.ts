/**
 * `text` of a `.env` with `key=value` set: the first definition replaced (an `export ` prefix
 * kept), further ones removed, every other line kept, line endings kept; appended when missing.
 */
export function setDotenvValue(text: string, key: string, value: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.length > 0 ? text.split(/\r?\n/) : [];
  const finalNewline = lines.length > 0 && lines[lines.length - 1] === '';
  if (finalNewline) {
    lines.pop();
  }
  const def = new RegExp(`^(\\s*(?:export\\s+)?)${key.replace(/[.]/g, '\\.')}\\s*=`);
  let done = false;
  const out: string[] = [];
  for (const line of lines) {
    const m = def.exec(line);
    if (!m) {
      out.push(line);
    } else if (!done) {
      out.push(`${m[1] ?? ''}${key}=${value}`);
      done = true;
    }
  }
  if (!done) {
    out.push(`${key}=${value}`);
  }
  return out.join(eol) + eol;
}
