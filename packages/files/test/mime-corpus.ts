/**
 * Tiny but real files of common types, built in code (no binary fixtures in the repository):
 * each one is what libmagic and file-type recognise, with the name (and so the extension) it
 * would have on disk.
 */
import { createHash } from 'node:crypto';
import { deflateSync, gzipSync } from 'node:zlib';
import { crc32, zip } from './zip.js';

/** A file of the corpus. */
export interface Sample {
  /** The file's name, extension included. */
  readonly name: string;
  readonly content: Uint8Array;
}

function bytes(...parts: readonly (string | number[] | Uint8Array)[]): Buffer {
  return Buffer.concat(
    parts.map((part) =>
      typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part as Uint8Array),
    ),
  );
}

function u32be(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

function u32le(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value);
  return buffer;
}

function u16le(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16LE(value);
  return buffer;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const typed = bytes(type, data);
  return bytes(u32be(data.length), typed, u32be(crc32(typed)));
}

/** A valid 1×1 grey PNG. */
export function png(): Buffer {
  const header = bytes(u32be(1), u32be(1), [8, 0, 0, 0, 0]); // 8-bit greyscale
  return bytes(
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.from([0, 0x80]))),
    pngChunk('IEND', new Uint8Array(0)),
  );
}

/** A valid 1×1 GIF89a. */
export function gif(): Buffer {
  return Buffer.from(
    '47494638396101000100800000ffffff00000021f90401000000002c00000000010001000002024401003b',
    'hex',
  );
}

/** A JPEG start: SOI, a JFIF APP0 segment, EOI. */
export function jpeg(): Buffer {
  return bytes(
    [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10],
    'JFIF\0',
    [0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00],
    [0xff, 0xd9],
  );
}

/** A valid 1×1 lossless WebP. */
export function webp(): Buffer {
  const vp8l = Buffer.from('2f00000010071011118888fe0700', 'hex');
  const body = bytes('WEBP', 'VP8L', u32le(vp8l.length - 1), vp8l);
  return bytes('RIFF', u32le(body.length), body);
}

/** A valid WAV: 8 kHz, 8-bit mono PCM, 64 samples of silence. */
export function wav(): Buffer {
  const samples = Buffer.alloc(64, 0x80);
  const format = bytes(u16le(1), u16le(1), u32le(8000), u32le(8000), u16le(1), u16le(8));
  const body = bytes(
    'WAVE',
    'fmt ',
    u32le(format.length),
    format,
    'data',
    u32le(samples.length),
    samples,
  );
  return bytes('RIFF', u32le(body.length), body);
}

/** An MP3: an ID3v2.3 tag, then MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz) of silence. */
export function mp3(): Buffer {
  const frame = Buffer.alloc(417);
  frame.set([0xff, 0xfb, 0x90, 0x00]);
  return bytes('ID3', [3, 0, 0, 0, 0, 0, 0], frame, frame, frame);
}

/** An MP4 start: an `ftyp` box (isom) and an empty `mdat` box. */
export function mp4(): Buffer {
  const ftyp = bytes('ftyp', 'isom', u32be(0x200), 'isom', 'iso2', 'mp41');
  return bytes(u32be(ftyp.length + 4), ftyp, u32be(8), 'mdat');
}

/** A ustar archive holding `hello.txt`. */
export function tar(): Buffer {
  const content = Buffer.from('hello tar\n');
  const header = Buffer.alloc(512);
  const field = (text: string, offset: number) => header.write(text, offset, 'latin1');
  field('hello.txt', 0);
  field('0000644\0', 100);
  field('0001750\0', 108);
  field('0001750\0', 116);
  field(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
  field('14712345670\0', 136);
  field('        ', 148); // the checksum counts its own field as spaces
  field('0', 156);
  field('ustar\0', 257);
  field('00', 263);
  field('user', 265);
  field('user', 297);
  let sum = 0;
  for (const byte of header) sum += byte;
  field(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const data = Buffer.alloc(512);
  content.copy(data);
  return bytes(header, data, Buffer.alloc(1024));
}

/** An empty SQLite 3 database file: the 100-byte header in a 4 KiB page. */
export function sqlite(): Buffer {
  const page = Buffer.alloc(4096);
  page.write('SQLite format 3\0', 0, 'latin1');
  page.writeUInt16BE(4096, 16); // page size
  page.set([1, 1, 0, 64, 32, 32], 18); // versions, reserved, payload fractions
  page.writeUInt32BE(1, 24); // change counter
  page.writeUInt32BE(1, 28); // pages in the database
  page.writeUInt32BE(4, 44); // schema format
  page.writeUInt32BE(1, 56); // text encoding: UTF-8
  page.writeUInt32BE(1, 92);
  page.writeUInt32BE(3045000, 96); // SQLite version
  page[100] = 0x0d; // an empty table b-tree leaf page
  page.writeUInt16BE(4096, 105);
  return page;
}

/** The smallest WebAssembly module: the magic and version 1. */
export function wasm(): Buffer {
  return Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
}

/** A 4×4 24-bit BMP (rows of 12 bytes: no padding) with noise for pixels. */
export function bmp(): Buffer {
  const pixels = noise(4 * 4 * 3);
  const info = bytes(u32le(40), u32le(4), u32le(4), u16le(1), u16le(24), u32le(0));
  const dib = bytes(info, u32le(pixels.length), u32le(2835), u32le(2835), Buffer.alloc(8));
  return bytes('BM', u32le(14 + dib.length + pixels.length), u32le(0), u32le(54), dib, pixels);
}

/** A one-page PDF with no content. */
export function pdf(): Buffer {
  return Buffer.from(
    [
      '%PDF-1.4',
      '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
      '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj',
      '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >> endobj',
      'trailer << /Root 1 0 R >>',
      '%%EOF',
      '',
    ].join('\n'),
    'latin1',
  );
}

const RELS =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
  '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="PART"/>' +
  '</Relationships>';

function contentTypes(part: string, type: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    `<Override PartName="/${part}" ContentType="${type}"/>` +
    '</Types>'
  );
}

/** A minimal OOXML package: content types, relationships, and its main part. */
function ooxml(part: string, type: string, body: string): Buffer {
  return zip([
    { name: '[Content_Types].xml', content: contentTypes(part, type) },
    { name: '_rels/.rels', content: RELS.replace('PART', part) },
    { name: part, content: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${body}` },
  ]);
}

/** A minimal Word document (OOXML). */
export function docx(): Buffer {
  return ooxml(
    'word/document.xml',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml',
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">' +
      '<w:body><w:p><w:r><w:t>Hello</w:t></w:r></w:p></w:body></w:document>',
  );
}

/** A minimal Excel workbook (OOXML). */
export function xlsx(): Buffer {
  return ooxml(
    'xl/workbook.xml',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml',
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>',
  );
}

/** A plain ZIP archive holding one text file. */
export function plainZip(): Buffer {
  return zip([{ name: 'hello.txt', content: 'hello zip\n' }]);
}

/** A gzip stream of some text. */
export function gzip(): Buffer {
  return gzipSync(Buffer.from('hello gzip\n'.repeat(10)));
}

/** The kinds of text samples. */
export type TextKind =
  | 'csv'
  | 'json'
  | 'svg'
  | 'html'
  | 'xml'
  | 'markdown'
  | 'python'
  | 'shell'
  | 'javascript'
  | 'text';

const TEXTS: Readonly<Record<TextKind, string>> = {
  csv: 'name,age,city\nAda,36,London\nAlan,41,Wilmslow\nGrace,85,Arlington\n',
  json: '{\n  "name": "Ada",\n  "tags": ["math", "engines"],\n  "born": 1815\n}\n',
  svg:
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" viewBox="0 0 10 10">\n' +
    '  <rect width="10" height="10" fill="red"/>\n</svg>\n',
  html:
    '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Hello</title></head>\n' +
    '<body><p>Hello, world.</p></body>\n</html>\n',
  xml: '<?xml version="1.0" encoding="UTF-8"?>\n<note>\n  <to>Ada</to>\n  <body>Hello</body>\n</note>\n',
  markdown:
    '# Notes\n\nSome *emphasis*, a [link](https://example.com) and a list:\n\n- one\n- two\n',
  python:
    '#!/usr/bin/env python3\nimport sys\n\n\ndef main():\n    print("hello", sys.argv)\n\n\nif __name__ == "__main__":\n    main()\n',
  shell: '#!/bin/sh\nset -eu\necho "hello $1"\n',
  javascript: "#!/usr/bin/env node\n'use strict';\nconsole.log('hello', process.argv.slice(2));\n",
  text: 'Just a few words of plain text,\nover two lines.\n',
};

/** The text samples, by kind. */
export function text(kind: TextKind): Buffer {
  return Buffer.from(TEXTS[kind], 'utf8');
}

/**
 * `size` bytes that look random but are always the same (SHA-256 in counter mode), so that no
 * run can meet a prefix that some detector takes for a signature.
 */
export function noise(size: number): Buffer {
  const blocks: Buffer[] = [];
  for (let n = 0; n * 32 < size; n++)
    blocks.push(createHash('sha256').update(`noise ${n}`).digest());
  return Buffer.concat(blocks).subarray(0, size);
}
