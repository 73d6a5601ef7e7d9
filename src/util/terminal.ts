/**
 * Text that came from outside (node names, health error texts, Docker messages, file contents)
 * made safe for a terminal: C0/C1 control characters (ESC, CSI, BEL, CR, backspace…) and the
 * Unicode bidirectional overrides are shown as `\xNN` / `\u{NNNN}` escapes instead of being obeyed,
 * so an answer cannot move the cursor, recolour, retitle or hide text in the user's terminal.
 * Newlines are escaped too: one value stays on one line of a table.
 */
export function forTerminal(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.codePointAt(0)!;
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0').toUpperCase()}`
      : `\\u{${code.toString(16).toUpperCase()}}`;
  });
}
