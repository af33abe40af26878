/** A text encoding the crypto helpers use to turn strings into bytes (Node `BufferEncoding` names). */
export type Charset = 'utf8' | 'utf16le' | 'latin1' | 'ascii';

/**
 * The names accepted for a {@link Charset}: the canonical ones and their aliases (`utf-8` is
 * `utf8`; `utf-16le`, `ucs2` and `ucs-2` are `utf16le`; `binary` is `latin1`), in lower or
 * upper case. At run time any case is accepted (`'Utf-8'` too).
 */
export type CharsetName =
  | Charset
  | 'utf-8'
  | 'utf-16le'
  | 'ucs2'
  | 'ucs-2'
  | 'binary'
  | Uppercase<Charset | 'utf-8' | 'utf-16le' | 'ucs2' | 'ucs-2' | 'binary'>;

/** The ciphertext format: `'v1'` (versioned envelope) or `'raw'` (bare AEAD output). */
export type CryptoFormat = 'v1' | 'raw';

/**
 * What to do when secure deletion cannot be guaranteed: `'require'` fails the operation,
 * `'fallback'` deletes the file anyway.
 */
export type ShredMode = 'require' | 'fallback';

/** The `crypto` section. */
export interface CryptoConfig {
  /** Derive the encryption key with HKDF rather than using the key bytes directly. */
  readonly hkdf: boolean;
  /** The HKDF `info` string (non-empty). */
  readonly hkdfInfo: string;
  /** Associated data authenticated (not encrypted) with every message; may be empty. */
  readonly associatedData: string;
  /** The encoding of strings given to or returned by the crypto helpers. */
  readonly charset: Charset;
  /** The ciphertext format. */
  readonly format: CryptoFormat;
}

/** The `cache` section. */
export interface CacheConfig {
  /** The Redis server: a `redis://` or `rediss://` URL. */
  readonly url: string;
  /** Default time to live of an entry, in whole seconds (>= 1). */
  readonly ttl: number;
  /** Prefix of every key (non-empty, no whitespace). */
  readonly prefix: string;
  /** Root nodes of a Redis Cluster (`redis://` or `rediss://` URLs); empty when not a cluster. */
  readonly cluster: readonly string[];
}

/** The `database` section. */
export interface DatabaseConfig {
  /**
   * The database server: a `postgres:`, `postgresql:`, `mariadb:` or `mysql:` URL, or
   * `undefined` for the embedded default.
   */
  readonly url: string | undefined;
}

/** The `files` section. */
export interface FilesConfig {
  /** The directory every file path is confined to (absolute, normalised), or `undefined` for none. */
  readonly root: string | undefined;
  /** Size of the chunks files are streamed in, in bytes (4 KiB to 256 MiB). */
  readonly chunkSize: number;
  /** How many times a file is overwritten before it is deleted (1 to 35). */
  readonly shredPasses: number;
  /** Flush data to stable storage (fsync) before reporting a write as done. */
  readonly durable: boolean;
  /** What to do when secure deletion cannot be guaranteed. */
  readonly shred: ShredMode;
}

/** The whole configuration, as returned (deeply frozen) by `defineConfig` and `loadConfig`. */
export interface Config {
  readonly crypto: CryptoConfig;
  readonly cache: CacheConfig;
  readonly database: DatabaseConfig;
  readonly files: FilesConfig;
}

/**
 * The input of a section: every field of it optional (`undefined` means the default). Derived
 * from the section's type, so the two cannot drift apart.
 */
export type SectionInput<Section> = {
  readonly [Field in keyof Section]?: Section[Field] | undefined;
};

/** The input of the `crypto` section; `charset` also takes the aliases of {@link CharsetName}. */
export type CryptoConfigInput = Omit<SectionInput<CryptoConfig>, 'charset'> & {
  readonly charset?: CharsetName | undefined;
};

/** The input of the `cache` section. */
export type CacheConfigInput = SectionInput<CacheConfig>;

/** The input of the `database` section. */
export type DatabaseConfigInput = SectionInput<DatabaseConfig>;

/** The input of the `files` section. */
export type FilesConfigInput = SectionInput<FilesConfig>;

/**
 * What `defineConfig` accepts (and `loadConfig` takes as overrides): a deep partial of
 * {@link Config}. A `Config` is itself a valid input.
 */
export interface ConfigInput {
  readonly crypto?: CryptoConfigInput | undefined;
  readonly cache?: CacheConfigInput | undefined;
  readonly database?: DatabaseConfigInput | undefined;
  readonly files?: FilesConfigInput | undefined;
}
