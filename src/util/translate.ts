/**
 * Pure modules word their messages through a {@link Translate} function: the editor passes
 * `vscode.l10n.t`, plain Node (tests, the CLI) the English {@link english}. Every literal given to
 * such a `t` is collected into the l10n bundle (scripts/l10n-literals.mjs lists the files).
 */

/** `vscode.l10n.t`'s shape: a message with `{0}`-style placeholders, and its arguments. */
export type Translate = (message: string, ...args: (string | number)[]) => string;

/** The English messages as written, placeholders filled in. */
export const english: Translate = (message, ...args) =>
  message.replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] !== undefined ? String(args[Number(i)]) : m));
