import { describe, expect, expectTypeOf, it } from 'vitest';
import { XError } from './x-error.js';

type XErrorModule = typeof import('./x-error.js');

/** Loads x-error.ts again as a separate module instance: a second installed copy of the package. */
async function importCopy(copy: number): Promise<XErrorModule> {
  const specifier = `./x-error.js?copy=${copy}`;
  return (await import(specifier)) as XErrorModule;
}

const BRAND = Symbol.for('@x/config/XError');

type CryptoErrorCode = 'INVALID_KEY' | 'DECRYPT_FAILED';

/** Defines the class afresh on each call, as each installed copy of a package would. */
function defineCryptoError(Base: XErrorModule['XError'] = XError) {
  return class CryptoError extends Base<CryptoErrorCode> {
    static override readonly brand: symbol = Symbol.for('@x/crypto/CryptoError');
  };
}

const CryptoError = defineCryptoError();

describe('XError', () => {
  it('keeps the code and message, and is an Error named after its class', () => {
    const error = new XError('SOMETHING_FAILED', 'something failed');
    expect(error.code).toBe('SOMETHING_FAILED');
    expect(error.message).toBe('something failed');
    expect(error.name).toBe('XError');
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(XError);
    expect(String(error)).toBe('XError: something failed');
    expect(error.stack).toContain('XError: something failed');
  });

  it('preserves the cause as the standard Error#cause', () => {
    const cause = new Error('connection refused');
    const error = new XError('UNAVAILABLE', 'cache unavailable', { cause });
    expect(error.cause).toBe(cause);
  });

  it('has no cause property when none is given', () => {
    expect('cause' in new XError('A', 'a')).toBe(false);
    expect('cause' in new XError('A', 'a', {})).toBe(false);
  });

  it('keeps an explicit undefined cause, like Error does', () => {
    const error = new XError('A', 'a', { cause: undefined });
    expect(Object.hasOwn(error, 'cause')).toBe(true);
    expect(error.cause).toBeUndefined();
  });

  it('names instances of a subclass after the subclass', () => {
    class StorageError extends XError {}
    expect(new StorageError('FULL', 'disk full').name).toBe('StorageError');
    expect(new CryptoError('INVALID_KEY', 'bad key').name).toBe('CryptoError');
  });

  it('keeps name non-enumerable, like Error#message, and code enumerable', () => {
    const error = new XError('A', 'a');
    expect(Object.keys(error)).toEqual(['code']);
  });

  describe('toJSON', () => {
    it('returns name, code and message', () => {
      expect(new XError('A_CODE', 'a message').toJSON()).toStrictEqual({
        name: 'XError',
        code: 'A_CODE',
        message: 'a message',
      });
    });

    it("adds the cause's message when the cause is an error", () => {
      const error = new CryptoError('DECRYPT_FAILED', 'could not decrypt', {
        cause: new Error('unsupported state or unable to authenticate data'),
      });
      expect(error.toJSON()).toStrictEqual({
        name: 'CryptoError',
        code: 'DECRYPT_FAILED',
        message: 'could not decrypt',
        cause: 'unsupported state or unable to authenticate data',
      });
    });

    it('adds a primitive cause as text, and leaves out a cause with no message', () => {
      expect(new XError('A', 'a', { cause: 'timeout' }).toJSON().cause).toBe('timeout');
      expect(new XError('A', 'a', { cause: 42 }).toJSON().cause).toBe('42');
      expect(new XError('A', 'a', { cause: { status: 500 } }).toJSON()).not.toHaveProperty('cause');
    });

    it('is what JSON.stringify uses', () => {
      expect(JSON.parse(JSON.stringify(new XError('A', 'a', { cause: new Error('b') })))).toEqual({
        name: 'XError',
        code: 'A',
        message: 'a',
        cause: 'b',
      });
    });
  });

  describe('is', () => {
    it('recognises instances of XError and of its subclasses', () => {
      expect(XError.is(new XError('A', 'a'))).toBe(true);
      expect(XError.is(new CryptoError('INVALID_KEY', 'bad key'))).toBe(true);
    });

    it.each([
      ['a plain Error', new Error('a')],
      ['a TypeError', new TypeError('a')],
      ['an object with only a code', { code: 'INVALID_KEY', message: 'bad key', name: 'XError' }],
      ['an object whose brand is not true', { [BRAND]: 'yes' }],
      ['null', null],
      ['undefined', undefined],
      ['a string', 'XError'],
      ['a number', 42],
      ['the class itself', XError],
    ])('rejects %s', (_label, value) => {
      expect(XError.is(value)).toBe(false);
    });

    it('checks a non-enumerable brand keyed by Symbol.for, not the prototype chain', () => {
      const error = new XError('A', 'a');
      expect(Object.getOwnPropertySymbols(error)).toContain(BRAND);
      expect(Object.prototype.propertyIsEnumerable.call(error, BRAND)).toBe(false);
      // Anything carrying the brand passes: that is what makes copies interoperate.
      const foreign = Object.create(Error.prototype) as object;
      Object.defineProperty(foreign, BRAND, { value: true });
      expect(XError.is(foreign)).toBe(true);
    });

    it('works detached from the class, checking the XError brand', () => {
      const values: unknown[] = [
        new XError('A', 'a'),
        new Error('b'),
        new CryptoError('INVALID_KEY', 'c'),
      ];
      expect(values.filter(XError.is)).toEqual([values[0], values[2]]);
      expect(values.filter(CryptoError.is)).toHaveLength(2);
    });

    it('narrows the type', () => {
      const value: unknown = new XError('A', 'a');
      if (XError.is(value)) {
        expectTypeOf(value).toEqualTypeOf<XError<string>>();
        expect(value.code).toBe('A');
      } else {
        expect.unreachable();
      }
    });
  });

  describe('two copies of the package', () => {
    it('are distinct classes that instanceof tells apart', async () => {
      const { XError: Copy } = await importCopy(2);
      expect(Copy).not.toBe(XError);
      expect(new Copy('A', 'a')).not.toBeInstanceOf(XError);
      expect(new XError('A', 'a')).not.toBeInstanceOf(Copy);
    });

    it('recognise each other through the brand', async () => {
      const { XError: Copy } = await importCopy(2);
      expect(XError.is(new Copy('A', 'a'))).toBe(true);
      expect(Copy.is(new XError('A', 'a'))).toBe(true);
    });

    it('recognise subclasses built on either copy', async () => {
      const { XError: Copy } = await importCopy(3);
      const CopyCryptoError = defineCryptoError(Copy);
      const error = new CopyCryptoError('INVALID_KEY', 'bad key');
      expect(XError.is(error)).toBe(true);
      expect(CryptoError.is(error)).toBe(true);
      expect(CopyCryptoError.is(new CryptoError('INVALID_KEY', 'bad key'))).toBe(true);
      expect(Copy.is(new CryptoError('INVALID_KEY', 'bad key'))).toBe(true);
    });

    it('still reject what is not branded', async () => {
      const { XError: Copy } = await importCopy(2);
      expect(Copy.is(new Error('a'))).toBe(false);
      expect(Copy.is({ code: 'A' })).toBe(false);
      expect(Copy.is(null)).toBe(false);
    });
  });

  describe('a subclass with its own brand', () => {
    it('narrows the code to its union', () => {
      const error = new CryptoError('INVALID_KEY', 'bad key');
      expectTypeOf(error.code).toEqualTypeOf<CryptoErrorCode>();
      // @ts-expect-error: not one of the subclass's codes
      new CryptoError('NOT_A_CODE', 'x');
    });

    it('gets an is() that recognises its instances only', () => {
      expect(CryptoError.is(new CryptoError('DECRYPT_FAILED', 'x'))).toBe(true);
      expect(CryptoError.is(new XError('DECRYPT_FAILED', 'x'))).toBe(false);
      expect(CryptoError.is(new Error('x'))).toBe(false);
      expect(CryptoError.is({ code: 'DECRYPT_FAILED' })).toBe(false);
    });

    it('recognises another copy of the subclass', () => {
      const OtherCopy = defineCryptoError();
      expect(OtherCopy).not.toBe(CryptoError);
      expect(new OtherCopy('INVALID_KEY', 'x')).not.toBeInstanceOf(CryptoError);
      expect(CryptoError.is(new OtherCopy('INVALID_KEY', 'x'))).toBe(true);
      expect(OtherCopy.is(new CryptoError('INVALID_KEY', 'x'))).toBe(true);
    });

    it('recognises instances of its own subclasses', () => {
      class InvalidKeyError extends CryptoError {
        static override readonly brand: symbol = Symbol.for('@x/crypto/InvalidKeyError');
        constructor(message: string) {
          super('INVALID_KEY', message);
        }
      }
      const error = new InvalidKeyError('key too short');
      expect(error.name).toBe('InvalidKeyError');
      expect(error.code).toBe('INVALID_KEY');
      expect(InvalidKeyError.is(error)).toBe(true);
      expect(CryptoError.is(error)).toBe(true);
      expect(XError.is(error)).toBe(true);
      expect(InvalidKeyError.is(new CryptoError('INVALID_KEY', 'x'))).toBe(false);
    });

    it('narrows the type to the subclass', () => {
      const value: unknown = new CryptoError('INVALID_KEY', 'bad key');
      if (CryptoError.is(value)) {
        expectTypeOf(value).toEqualTypeOf<InstanceType<typeof CryptoError>>();
        expectTypeOf(value.code).toEqualTypeOf<CryptoErrorCode>();
      } else {
        expect.unreachable();
      }
    });
  });

  describe('a subclass without a brand of its own', () => {
    class PlainError extends XError<'PLAIN'> {}

    it('is still recognised by XError.is', () => {
      expect(XError.is(new PlainError('PLAIN', 'x'))).toBe(true);
    });

    it('gets an is() that falls back to instanceof, never claiming a base instance', () => {
      expect(PlainError.is(new PlainError('PLAIN', 'x'))).toBe(true);
      expect(PlainError.is(new XError('PLAIN', 'x'))).toBe(false);
      expect(PlainError.is(new CryptoError('INVALID_KEY', 'x'))).toBe(false);
    });
  });
});
