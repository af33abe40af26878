import { describe, expect, it } from 'vitest';
import { normalizeEmail, ownerEmailContext } from './document.js';

describe('normalizeEmail', () => {
  it('gives one spelling for the ways an address is typed', () => {
    expect(normalizeEmail('  Ada@Example.COM ')).toBe('ada@example.com');
  });

  it('composes decomposed letters, as macOS names folders', () => {
    expect(normalizeEmail('Jose\u0301@example.com')).toBe('jos\u00e9@example.com');
  });
});

describe('ownerEmailContext', () => {
  it('names the table, the column and the row', () => {
    expect(ownerEmailContext('1f0c')).toBe('vault_documents.owner_email:1f0c');
  });
});
