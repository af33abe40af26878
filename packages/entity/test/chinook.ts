import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  QueryTypes,
  type Sequelize,
} from 'sequelize';

/** The published PostgreSQL script of the Chinook sample database (see fixtures/chinook/README.md). */
export const CHINOOK_SQL: URL = new URL(
  './fixtures/chinook/Chinook_PostgreSql.sql',
  import.meta.url,
);

/** SHA-256 of the script as published: the loader refuses an edited copy. */
export const CHINOOK_SHA256: string =
  'e3fde5c1a5b51a2a91429a702c9ca6e69ba56e6c7f5e112724d70c3d03db695e';

/** Rows per table in Chinook 1.4.5, as its INSERT statements write them. */
export const CHINOOK_ROWS: Readonly<Record<string, number>> = {
  artist: 275,
  album: 347,
  track: 3503,
  genre: 25,
  media_type: 5,
  customer: 59,
  employee: 8,
  invoice: 412,
  invoice_line: 2240,
  playlist: 18,
  playlist_track: 8715,
};

/** What {@link loadChinook} did. */
export interface ChinookLoad {
  /** The lines left out: the script's own DROP/CREATE DATABASE and its `\c` into it. */
  readonly skipped: readonly string[];
  /** Milliseconds the statements took on the server (reading the file excluded). */
  readonly milliseconds: number;
}

// The script creates a database named chinook and connects to it; a test loads the rest into
// its own private database instead.
const SKIPPED = [/^DROP DATABASE /, /^CREATE DATABASE /, /^\\c /];

/** The statements of the script without its database-level lines, and those lines. */
export function chinookStatements(script: string): { body: string; skipped: string[] } {
  const skipped: string[] = [];
  const kept: string[] = [];
  for (const line of script.split('\n')) {
    const trimmed = line.trim();
    if (SKIPPED.some((pattern) => pattern.test(trimmed))) skipped.push(trimmed);
    else if (trimmed.startsWith('\\')) {
      throw new Error(`Chinook script: unexpected psql meta-command ${JSON.stringify(trimmed)}`);
    } else kept.push(line);
  }
  if (skipped.length !== SKIPPED.length) {
    throw new Error(
      `Chinook script: expected ${SKIPPED.length} database-level lines, found ${JSON.stringify(skipped)}`,
    );
  }
  return { body: kept.join('\n'), skipped };
}

/**
 * Creates and fills the Chinook tables in the database `sequelize` is connected to
 * (PostgreSQL). The whole script goes as one multi-statement query: one round trip, and the
 * server runs it as a single implicit transaction.
 */
export async function loadChinook(sequelize: Sequelize): Promise<ChinookLoad> {
  const script = await readFile(CHINOOK_SQL);
  const digest = createHash('sha256').update(script).digest('hex');
  if (digest !== CHINOOK_SHA256) {
    throw new Error(`Chinook script changed: sha256 ${digest}, expected ${CHINOOK_SHA256}`);
  }
  const { body, skipped } = chinookStatements(script.toString('utf8'));
  const started = performance.now();
  await sequelize.query(body, { type: QueryTypes.RAW });
  return { skipped, milliseconds: performance.now() - started };
}

export class Artist extends Model<InferAttributes<Artist>, InferCreationAttributes<Artist>> {
  declare artistId: number;
  declare name: string | null;
}

export class Album extends Model<InferAttributes<Album>, InferCreationAttributes<Album>> {
  declare albumId: number;
  declare title: string;
  declare artistId: number;
}

export class Genre extends Model<InferAttributes<Genre>, InferCreationAttributes<Genre>> {
  declare genreId: number;
  declare name: string | null;
}

export class MediaType extends Model<
  InferAttributes<MediaType>,
  InferCreationAttributes<MediaType>
> {
  declare mediaTypeId: number;
  declare name: string | null;
}

export class Track extends Model<InferAttributes<Track>, InferCreationAttributes<Track>> {
  declare trackId: number;
  declare name: string;
  declare albumId: number | null;
  declare mediaTypeId: number;
  declare genreId: number | null;
  declare composer: string | null;
  declare milliseconds: number;
  declare bytes: number | null;
  /** NUMERIC(10,2): pg returns it as text. */
  declare unitPrice: string;
}

export class Employee extends Model<InferAttributes<Employee>, InferCreationAttributes<Employee>> {
  declare employeeId: number;
  declare lastName: string;
  declare firstName: string;
  declare title: string | null;
  declare reportsTo: number | null;
  declare country: string | null;
  declare email: string | null;
}

export class Customer extends Model<InferAttributes<Customer>, InferCreationAttributes<Customer>> {
  declare customerId: number;
  declare firstName: string;
  declare lastName: string;
  declare company: string | null;
  declare city: string | null;
  declare state: string | null;
  declare country: string | null;
  declare email: string;
  declare supportRepId: number | null;
}

export class Invoice extends Model<InferAttributes<Invoice>, InferCreationAttributes<Invoice>> {
  declare invoiceId: number;
  declare customerId: number;
  /** TIMESTAMP (without time zone) holding UTC wall-clock times. */
  declare invoiceDate: Date;
  declare billingCity: string | null;
  declare billingState: string | null;
  declare billingCountry: string | null;
  /** NUMERIC(10,2): pg returns it as text. */
  declare total: string;
}

export class InvoiceLine extends Model<
  InferAttributes<InvoiceLine>,
  InferCreationAttributes<InvoiceLine>
> {
  declare invoiceLineId: number;
  declare invoiceId: number;
  declare trackId: number;
  declare unitPrice: string;
  declare quantity: number;
}

/** Binds the Chinook models to `sequelize`; attribute names are camelCase, columns snake_case. */
export function initChinookModels(sequelize: Sequelize): void {
  const options = { sequelize, underscored: true, timestamps: false } as const;
  // A fresh object per model: Sequelize writes the column name into the definition it is given.
  const key = () => ({ type: DataTypes.INTEGER, primaryKey: true, allowNull: false });
  Artist.init(
    { artistId: key(), name: DataTypes.STRING(120) },
    { ...options, tableName: 'artist' },
  );
  Album.init(
    {
      albumId: key(),
      title: { type: DataTypes.STRING(160), allowNull: false },
      artistId: { type: DataTypes.INTEGER, allowNull: false },
    },
    { ...options, tableName: 'album' },
  );
  Genre.init({ genreId: key(), name: DataTypes.STRING(120) }, { ...options, tableName: 'genre' });
  MediaType.init(
    { mediaTypeId: key(), name: DataTypes.STRING(120) },
    { ...options, tableName: 'media_type' },
  );
  Track.init(
    {
      trackId: key(),
      name: { type: DataTypes.STRING(200), allowNull: false },
      albumId: DataTypes.INTEGER,
      mediaTypeId: { type: DataTypes.INTEGER, allowNull: false },
      genreId: DataTypes.INTEGER,
      composer: DataTypes.STRING(220),
      milliseconds: { type: DataTypes.INTEGER, allowNull: false },
      bytes: DataTypes.INTEGER,
      unitPrice: { type: DataTypes.DECIMAL(10, 2), allowNull: false },
    },
    { ...options, tableName: 'track' },
  );
  Employee.init(
    {
      employeeId: key(),
      lastName: { type: DataTypes.STRING(20), allowNull: false },
      firstName: { type: DataTypes.STRING(20), allowNull: false },
      title: DataTypes.STRING(30),
      reportsTo: DataTypes.INTEGER,
      country: DataTypes.STRING(40),
      email: DataTypes.STRING(60),
    },
    { ...options, tableName: 'employee' },
  );
  Customer.init(
    {
      customerId: key(),
      firstName: { type: DataTypes.STRING(40), allowNull: false },
      lastName: { type: DataTypes.STRING(20), allowNull: false },
      company: DataTypes.STRING(80),
      city: DataTypes.STRING(40),
      state: DataTypes.STRING(40),
      country: DataTypes.STRING(40),
      email: { type: DataTypes.STRING(60), allowNull: false },
      supportRepId: DataTypes.INTEGER,
    },
    { ...options, tableName: 'customer' },
  );
  Invoice.init(
    {
      invoiceId: key(),
      customerId: { type: DataTypes.INTEGER, allowNull: false },
      invoiceDate: { type: DataTypes.DATE, allowNull: false },
      billingCity: DataTypes.STRING(40),
      billingState: DataTypes.STRING(40),
      billingCountry: DataTypes.STRING(40),
      total: { type: DataTypes.DECIMAL(10, 2), allowNull: false },
    },
    { ...options, tableName: 'invoice' },
  );
  InvoiceLine.init(
    {
      invoiceLineId: key(),
      invoiceId: { type: DataTypes.INTEGER, allowNull: false },
      trackId: { type: DataTypes.INTEGER, allowNull: false },
      unitPrice: { type: DataTypes.DECIMAL(10, 2), allowNull: false },
      quantity: { type: DataTypes.INTEGER, allowNull: false },
    },
    { ...options, tableName: 'invoice_line' },
  );
}
