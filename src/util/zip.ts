import fs from 'node:fs';
import path from 'node:path';

/**
 * Zips a folder (fflate's streaming ZIP writer): files are read and the archive written through
 * streams, chunk by chunk, so the extension host never blocks on the disk and neither the files
 * nor the archive are held in memory whole. Entry names are `prefix/relative/path`, sorted.
 * Resolves with the entry names; rejects (leaving no partial archive) when a read or write fails
 * or the signal aborts.
 */
export async function zipFolder(dir: string, zipPath: string, prefix = '', signal?: AbortSignal): Promise<string[]> {
  // Loaded here, not with the extension: fflate builds its Huffman tables when it loads.
  const { Zip, ZipDeflate } = await import('fflate');
  const files = (await fs.promises.readdir(dir, { withFileTypes: true, recursive: true }))
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  const names = files.map((f) => [prefix, ...path.relative(dir, f).split(path.sep)].filter(Boolean).join('/'));
  const out = fs.createWriteStream(zipPath);
  const written = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  // Awaited after the last entry; a write error before then must not count as unhandled.
  written.catch(() => undefined);
  let failed: Error | undefined;
  const zip = new Zip((err, chunk, final) => {
    if (err) {
      failed ??= err;
      out.destroy(err);
      return;
    }
    out.write(chunk);
    if (final) {
      out.end();
    }
  });
  try {
    for (const [i, file] of files.entries()) {
      signal?.throwIfAborted();
      const entry = new ZipDeflate(names[i]!, { level: 6 });
      entry.mtime = (await fs.promises.stat(file)).mtime;
      zip.add(entry);
      let last: Uint8Array | undefined;
      // One chunk behind, so the last one can be marked final.
      for await (const chunk of fs.createReadStream(file, { signal })) {
        if (last) {
          entry.push(last);
        }
        last = chunk as Buffer;
      }
      entry.push(last ?? new Uint8Array(0), true);
      if (out.writableNeedDrain) {
        await new Promise<void>((r) => out.once('drain', () => r()));
      }
    }
    zip.end();
    await written;
    if (failed) {
      throw failed;
    }
    return names;
  } catch (err) {
    zip.terminate();
    out.destroy();
    await fs.promises.rm(zipPath, { force: true });
    throw err;
  }
}
