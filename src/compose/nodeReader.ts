import * as fs from 'node:fs';
import type { FileReader } from './types';

/** Reads files from disk (the CLI, tests); the editor layers open documents on top. */
export const nodeFileReader: FileReader = {
  read(path: string): string | undefined {
    try {
      return fs.readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
};
