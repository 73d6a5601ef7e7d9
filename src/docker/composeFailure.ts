/**
 * The one line that says why a Compose command failed. Compose prints its warnings first (an
 * orphan container, an unset variable) and progress while it works; the real cause comes last
 * ("Error response from daemon: …", v1's "ERROR: for wacore  Cannot start service …"). The full
 * output stays in the "WA Cluster: Compose" channel; this picks the line to show.
 */

/** Lines that never are the cause: warnings, progress and v1's closing sentence. */
const NOISE: readonly RegExp[] = [
  /level=warning/,
  /^WARN(ING)?\b/i,
  /Found orphan containers/,
  /^(Creating|Recreating|Starting|Stopping|Removing|Pulling|Waiting|Container|Network|Volume)\b.*(\.\.\.|\s(Creating|Created|Starting|Started|Recreate|Recreated|Stopping|Stopped|Removing|Removed|Waiting|Healthy|Running|Pulling|Pulled)|\.\.\. (done|error))\s*$/i,
  /^\S+ (Pulling|Pulled|Waiting|Downloading|Extracting)\b/,
  /^Encountered errors while bringing up the project\.?$/,
  /^Host is already in use by another container$/,
];

/** Prefixes that mark the cause; the last such line wins. */
const ERROR_LINE = /^(ERROR:|Error response from daemon:|Error:|error:|time=\S+ level=(error|fatal)|\S+ Error\b)/;

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** Longer than this and the line is cut (the whole text is in the output channel). */
const MAX_LENGTH = 300;

/**
 * The cause of a Compose failure in one line, from its stderr (undefined when there is nothing to
 * go on, e.g. empty output).
 */
export function composeFailureCause(stderr: string): string | undefined {
  const lines = stderr
    .replace(ANSI, '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const meaningful = lines.filter((l) => !NOISE.some((n) => n.test(l)));
  const errors = meaningful.filter((l) => ERROR_LINE.test(l));
  const line = errors[errors.length - 1] ?? meaningful[meaningful.length - 1];
  return line === undefined ? undefined : tidy(line);
}

/** Without the error prefixes and the 64-hex endpoint ids that only make the line long. */
function tidy(line: string): string {
  let s = line;
  const logfmt = /^time=\S+ level=\w+ msg="(.*)"$/.exec(s);
  if (logfmt) {
    s = logfmt[1]!.replace(/\\"/g, '"');
  }
  s = s
    .replace(/^ERROR:\s*(for \S+\s+)?/, '')
    .replace(/^\S+ Error\s+/, '')
    .replace(/^Error response from daemon:\s*/, '')
    .replace(/^Error:\s*/, '')
    .replace(/\s*\([0-9a-f]{64}\)/g, '')
    .trim();
  // Docker repeats "no such image: X: No such image: X".
  const half = (s.length - 2) / 2;
  if (
    Number.isInteger(half) &&
    s.slice(half, half + 2) === ': ' &&
    s.slice(0, half).toLowerCase() === s.slice(half + 2).toLowerCase()
  ) {
    s = s.slice(half + 2);
  }
  return s.length > MAX_LENGTH ? `${s.slice(0, MAX_LENGTH - 1)}…` : s;
}
