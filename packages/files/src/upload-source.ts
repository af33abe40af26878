import { FileError } from './file-error.js';

/** An object with a `read(size)` method, like the upload objects of web frameworks. */
export interface ByteReader {
  read(
    size?: number,
  ): Uint8Array | string | null | undefined | Promise<Uint8Array | string | null | undefined>;
}

/** What `upload` reads from. */
export type UploadSource =
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array>
  | ReadableStream<Uint8Array>
  | Blob
  | ByteReader;

/** The bytes of any supported source, as an async iterable of chunks. */
export function chunksOf(source: UploadSource, chunkSize: number): AsyncIterable<Uint8Array> {
  if (source instanceof Blob)
    return toBytes(source.stream() as unknown as AsyncIterable<Uint8Array>);
  if (isObject(source) && Symbol.asyncIterator in source) {
    if (isEmitter(source)) return fromEmitter(source as AsyncIterable<Uint8Array> & Emitter);
    return toBytes(source as AsyncIterable<Uint8Array>);
  }
  if (isObject(source) && typeof (source as { getReader?: unknown }).getReader === 'function') {
    return readStream(source as unknown as ReadableStream<Uint8Array>);
  }
  if (isObject(source) && typeof (source as ByteReader).read === 'function') {
    return readReader(source as ByteReader, chunkSize);
  }
  if (isObject(source) && Symbol.iterator in source && !(source instanceof Uint8Array)) {
    return toBytes(source as Iterable<Uint8Array>);
  }
  throw new FileError(
    'INVALID_INPUT',
    'upload takes an async iterable of bytes, a web ReadableStream, a Node Readable, a Blob, or an object with read(size).',
  );
}

interface Emitter {
  on(event: 'error', listener: (error: unknown) => void): unknown;
  off(event: 'error', listener: (error: unknown) => void): unknown;
}

function isEmitter(value: object): value is Emitter {
  const candidate = value as { on?: unknown; off?: unknown };
  return typeof candidate.on === 'function' && typeof candidate.off === 'function';
}

/**
 * A Node Readable (any EventEmitter that iterates) may fail before the upload starts reading
 * it: the target's folder and temp file come first. An 'error' event with no listener would
 * crash the process, so one is attached at once; the error it catches is the upload's error.
 */
function fromEmitter(source: AsyncIterable<Uint8Array> & Emitter): AsyncIterable<Uint8Array> {
  const failures: unknown[] = [];
  const record = (error: unknown) => {
    failures.push(error);
  };
  source.on('error', record);
  return (async function* () {
    try {
      if (failures.length > 0) throw failures[0];
      yield* toBytes(source);
      if (failures.length > 0) throw failures[0];
    } finally {
      source.off('error', record);
    }
  })();
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

async function* toBytes(
  chunks: AsyncIterable<unknown> | Iterable<unknown>,
): AsyncIterable<Uint8Array> {
  for await (const chunk of chunks) yield asBytes(chunk);
}

async function* readStream(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield asBytes(value);
    }
  } finally {
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

async function* readReader(reader: ByteReader, chunkSize: number): AsyncIterable<Uint8Array> {
  for (;;) {
    const chunk = await reader.read(chunkSize);
    if (chunk === null || chunk === undefined) return;
    const bytes = asBytes(chunk);
    if (bytes.byteLength === 0) return;
    yield bytes;
  }
}

function asBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new FileError(
    'INVALID_INPUT',
    `upload: a chunk of the source is not bytes (got ${typeof chunk}).`,
  );
}
