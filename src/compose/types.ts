/** Shared plain-data types of the compose model (pure: no vscode, no fs). */

/** A 0-based position (line and UTF-16 column), as editors count. */
export interface Position {
  line: number;
  column: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** A slice of one source file, by character offsets; converted to a {@link Range} at the edge. */
export interface Span {
  file: string;
  start: number;
  end: number;
}

export type Severity = 'error' | 'warning' | 'info';

/** One text replacement; offsets and range describe the same slice of `file`. */
export interface TextEdit {
  file: string;
  start: number;
  end: number;
  range: Range;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
}

/** What the linter reports; `range` is 0-based (the CLI prints 1-based). */
export interface Finding {
  file: string;
  rule: string;
  severity: Severity;
  message: string;
  range: Range;
  fix?: Fix;
}

/** Why a file that exists was not read: not a regular file (a FIFO would block, a device never ends), or too large. */
export type ReadRefusal =
  | { reason: 'directory' | 'fifo' | 'device' | 'socket' | 'special' }
  | { reason: 'tooLarge'; size: number; limit: number };

/** How the model reads files other than the ones given (env files, `extends.file`). */
export interface FileReader {
  /** Returns the text, or undefined when the file does not exist or cannot be read. */
  read(path: string): string | undefined;
  /** When `read` gave undefined for a file that exists: why (so the linter can say so). */
  refusal?(path: string): ReadRefusal | undefined;
}
