// A small corpus of mixed file types for the mimetype suite, built from the test corpus's
// generators (no binary fixtures in the repository). Each entry is a few bytes to a few KiB,
// like the uploads a service sniffs (avatars, attachments, exports).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as samples from '../test/mime-corpus.js';

/** One file of the corpus and the type FileManager.mimetype must report for it. */
export interface CorpusEntry {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** FileManager's answer under its naming policy (`null`: nothing knows). */
  readonly expected: string | null;
  /** Whether file-type's signatures know the format (false for text and empty files). */
  readonly binary: boolean;
}

/** A file whose format file-type's signatures know, and FileManager's answer for it. */
function binary(name: string, bytes: Uint8Array, expected: string): CorpusEntry {
  return { name, bytes, expected, binary: true };
}

/** A file with no signature (text, empty, noise), and FileManager's answer for it. */
function other(name: string, bytes: Uint8Array, expected: string | null): CorpusEntry {
  return { name, bytes, expected, binary: false };
}

/** The corpus: 22 files, binary and text, one of them empty. */
export function corpus(): CorpusEntry[] {
  const { text } = samples;
  return [
    binary('avatar.png', samples.png(), 'image/png'),
    binary('photo.jpg', samples.jpeg(), 'image/jpeg'),
    binary('pixel.gif', samples.gif(), 'image/gif'),
    binary('icon.bmp', samples.bmp(), 'image/bmp'),
    binary('report.pdf', samples.pdf(), 'application/pdf'),
    binary('archive.zip', samples.plainZip(), 'application/zip'),
    binary('notes.txt.gz', samples.gzip(), 'application/gzip'),
    binary('beep.wav', samples.wav(), 'audio/wav'),
    other('users.csv', text('csv'), 'text/csv'),
    other('users.json', text('json'), 'application/json'),
    other('logo.svg', text('svg'), 'image/svg+xml'),
    other('invoice.html', text('html'), 'text/html'),
    other('catalog.xml', text('xml'), 'application/xml'),
    other('NOTES.md', text('markdown'), 'text/markdown'),
    other('sizes.py', text('python'), 'text/x-python'),
    other('sizes.sh', text('shell'), 'text/x-shellscript'),
    other('sizes.js', text('javascript'), 'text/javascript'),
    other('minutes.txt', text('text'), 'text/plain'),
    other('wrong-extension.png', text('text'), 'text/plain'),
    other('unknown-text', Buffer.from('key=value\nother=thing\n'), 'text/plain'),
    other('empty.txt', new Uint8Array(0), 'text/plain'),
    other('blob', samples.noise(4096), null),
  ];
}

/** Writes the corpus into `folder` and returns the absolute paths, in corpus order. */
export async function writeCorpus(
  folder: string,
  entries: readonly CorpusEntry[],
): Promise<string[]> {
  const paths = entries.map((entry) => path.join(folder, entry.name));
  await Promise.all(entries.map((entry, i) => writeFile(paths[i] as string, entry.bytes)));
  return paths;
}
