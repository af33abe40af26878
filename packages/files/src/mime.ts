import { open } from 'node:fs/promises';
import path from 'node:path';

/** How many bytes of a file's head libmagic reads. */
const HEAD_BYTES = 256 * 1024;

/** libmagic answers that say little: another detector, then the extension, may know better. */
const GENERIC = new Set([
  'application/octet-stream',
  'text/plain',
  'application/x-empty',
  'inode/x-empty',
  'application/zip',
  'application/cdfv2',
  'application/x-ole-storage',
]);

/**
 * One name per type: where libmagic, file-type and mime-types disagree, the IANA-registered
 * name wins; where none is registered, the most common name does.
 */
export const MIME_ALIASES: Readonly<Record<string, string>> = {
  'audio/x-hx-aac-adts': 'audio/aac',
  'audio/x-aac': 'audio/aac',
  'video/x-msvideo': 'video/vnd.avi',
  'video/avi': 'video/vnd.avi',
  'audio/x-wav': 'audio/wav',
  'audio/vnd.wave': 'audio/wav',
  'audio/x-flac': 'audio/flac',
  'audio/x-m4a': 'audio/mp4',
  'image/x-ms-bmp': 'image/bmp',
  'image/x-icon': 'image/vnd.microsoft.icon',
  'application/x-gzip': 'application/gzip',
  'application/x-sqlite3': 'application/vnd.sqlite3',
  'application/x-wasm': 'application/wasm',
  'application/x-bzip2': 'application/x-bzip2',
  'text/xml': 'application/xml',
  'application/x-zip-compressed': 'application/zip',
  'text/x-script.python': 'text/x-python',
  'application/x-sh': 'text/x-shellscript',
  'application/x-javascript': 'text/javascript',
  'application/javascript': 'text/javascript',
  'text/x-markdown': 'text/markdown',
  'application/x-pdf': 'application/pdf',
  'video/x-matroska': 'video/matroska',
  'application/x-rar': 'application/vnd.rar',
  'application/x-rar-compressed': 'application/vnd.rar',
  'application/x-7z-compressed': 'application/x-7z-compressed',
};

/** The name of a type under the alias policy. */
export function canonicalMime(mime: string): string {
  const lower = mime.toLowerCase();
  return MIME_ALIASES[lower] ?? MIME_ALIASES[mime] ?? lower;
}

/** Types that are text, for matching an extension's claim with what the content looks like. */
function isTextual(mime: string): boolean {
  return (
    mime.startsWith('text/') ||
    /[+/](json|xml)$/.test(mime) ||
    mime === 'application/javascript' ||
    mime === 'image/svg+xml' ||
    mime === 'application/x-sh'
  );
}

type Detect = (head: Uint8Array) => string;
interface Detectors {
  readonly libmagic: Detect;
  readonly fileType: (file: string) => Promise<string | undefined>;
  readonly byExtension: (file: string) => string | false;
}

/** Loads libmagic (WebAssembly, about 50 ms), file-type and mime-types once, when first needed. */
export class MimeDetector {
  #detectors: Promise<Detectors> | undefined;

  #load(): Promise<Detectors> {
    this.#detectors ??= (async () => {
      const [{ WASMagic }, { fileTypeFromFile }, { default: mimeTypes }] = await Promise.all([
        import('wasmagic'),
        import('file-type'),
        import('mime-types'),
      ]);
      const magic = await WASMagic.create();
      return {
        libmagic: (head) => magic.detect(head),
        fileType: async (file) => (await fileTypeFromFile(file))?.mime,
        byExtension: (file) => mimeTypes.lookup(file),
      };
    })();
    this.#detectors.catch(() => {
      this.#detectors = undefined;
    });
    return this.#detectors;
  }

  /**
   * The type of a file's content: libmagic on its head; when that is generic, file-type's
   * signatures; when still generic, the extension, if it agrees with what libmagic saw (text or
   * binary); `null` when nothing knows. Names follow {@link MIME_ALIASES}.
   */
  async detect(file: string): Promise<string | null> {
    const detectors = await this.#load();
    const head = await readHead(file);
    const magic = canonicalMime(detectors.libmagic(head));
    if (!GENERIC.has(magic)) return magic;

    if (head.length > 0) {
      const signature = await detectors.fileType(file);
      // Signatures are for binary formats: on what libmagic saw as text (UTF-16 with a byte-order
      // mark, say), a match is a coincidence of the first bytes.
      if (
        signature !== undefined &&
        (magic !== 'text/plain' || isTextual(canonicalMime(signature)))
      ) {
        return canonicalMime(signature);
      }
    }
    // A name without an extension ('pdf') is not one: mime-types would read it as one.
    const extension =
      path.extname(file) === '' ? false : detectors.byExtension(path.basename(file));
    if (extension !== false) {
      const claimed = canonicalMime(extension);
      // Empty content is valid text, but not a valid image or archive.
      const contentIsText = magic === 'text/plain' || head.length === 0;
      const contentIsBinary = magic === 'application/octet-stream';
      if ((!contentIsText && !contentIsBinary) || contentIsText === isTextual(claimed))
        return claimed;
    }
    return magic === 'application/octet-stream' ? null : magic;
  }
}

async function readHead(file: string): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(HEAD_BYTES);
    let length = 0;
    while (length < HEAD_BYTES) {
      const { bytesRead } = await handle.read(buffer, length, HEAD_BYTES - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}
