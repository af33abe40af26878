import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from 'sequelize';

/**
 * One stored document. The file itself lives under the storage root (`path`); the row holds
 * what the service needs to find, check and serve it. The owner's email is never stored in
 * clear: `ownerEmail` is its AES-GCM ciphertext, and `ownerHash`, a keyed hash of it, is the
 * blind index that finds an owner's documents without decrypting any row.
 */
export class Document extends Model<InferAttributes<Document>, InferCreationAttributes<Document>> {
  /** Chosen before the insert, so the encrypted email can be bound to its row. */
  declare id: string;
  /** The file's original name. */
  declare name: string;
  /** Ciphertext (Base64) with associated data `ownerEmailContext(id)`. */
  declare ownerEmail: string;
  /** HMAC-SHA-512 of the normalized email, 128 hex digits. */
  declare ownerHash: string;
  /** Where the file is, relative to the storage root. */
  declare path: string;
  declare size: number;
  /** MIME type, or null when nothing recognised the file. */
  declare type: string | null;
  declare sha256: string;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export const DOCUMENTS_TABLE = 'vault_documents';

export function defineDocument(sequelize: Sequelize): typeof Document {
  Document.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      name: { type: DataTypes.STRING(255), allowNull: false },
      ownerEmail: { type: DataTypes.TEXT, allowNull: false },
      ownerHash: { type: DataTypes.CHAR(128), allowNull: false },
      path: { type: DataTypes.STRING(1024), allowNull: false, unique: true },
      size: { type: DataTypes.INTEGER, allowNull: false },
      type: { type: DataTypes.STRING(255), allowNull: true },
      sha256: { type: DataTypes.CHAR(64), allowNull: false },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    {
      sequelize,
      tableName: DOCUMENTS_TABLE,
      underscored: true,
      indexes: [{ fields: ['owner_hash'] }],
    },
  );
  return Document;
}

/** Associated data of a document's encrypted email: the ciphertext only opens in its own row. */
export function ownerEmailContext(id: string): string {
  return `${DOCUMENTS_TABLE}.owner_email:${id}`;
}

/**
 * One spelling per address, so `Ada@Example.com ` and `ada@example.com` find the same rows.
 * NFC first: macOS hands out file and folder names decomposed (`e` + combining accent).
 */
export function normalizeEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}
