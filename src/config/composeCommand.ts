import { parse } from 'shell-quote';

/**
 * Splits the `waCluster.compose.command` setting into a command and its arguments with the shell's
 * word rules (shell-quote), so that `"/opt/my tools/docker" compose` keeps its path whole. Nothing
 * is expanded: no shell runs it, so `$HOME`, globs and operators are refused rather than guessed.
 */
export function parseComposeCommandSetting(setting: string): string[] {
  const words = parse(setting, (name) => `$${name}`);
  return words.map((w) => {
    if (typeof w === 'string') {
      return w;
    }
    throw new Error(
      `waCluster.compose.command: "${setting}" has shell syntax (${'op' in w ? w.op : 'comment'}) that is not supported here; write the command and its arguments only, quoting paths with spaces.`,
    );
  });
}
