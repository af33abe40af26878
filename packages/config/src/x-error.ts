/** Options of the {@link XError} constructor: the standard `cause` of `ErrorOptions`. */
export interface XErrorOptions {
  /** The error (or value) that led to this one; kept as the standard `Error#cause`. */
  readonly cause?: unknown;
}

/** What {@link XError#toJSON} returns: a log-friendly, serialisable summary of the error. */
export interface XErrorJSON<Code extends string = string> {
  readonly name: string;
  readonly code: Code;
  readonly message: string;
  /** The message of the cause, when there is one (an error's message, or a primitive as text). */
  readonly cause?: string;
}

/** The class side of an {@link XError} subclass, as seen by {@link XError.is}. */
export type XErrorClass<T extends XError> = (abstract new (
  ...args: never[]
) => T) & { readonly brand?: symbol };

const XERROR_BRAND: unique symbol = Symbol.for('@x/config/XError');

/**
 * The base of every error a caller can act on, across all @x packages: a stable, machine
 * readable `code` next to the human `message`.
 *
 * Recognise one with {@link XError.is}, not `instanceof`: `is()` checks a brand keyed by a
 * global symbol (`Symbol.for`), so it also holds when two copies of a package are installed.
 *
 * A subclass narrows `code` with the type parameter and declares its own brand to get a
 * precise `is()` (inherited, nothing else to write):
 *
 * @example
 * type CryptoErrorCode = 'INVALID_KEY' | 'DECRYPT_FAILED';
 * class CryptoError extends XError<CryptoErrorCode> {
 *   static override readonly brand: symbol = Symbol.for('@x/crypto/CryptoError');
 * }
 * CryptoError.is(error); // true for a CryptoError from any copy of @x/crypto
 */
export class XError<Code extends string = string> extends Error {
  /**
   * The brand every instance of this class carries (a `Symbol.for` key, so that copies of the
   * class in different copies of the package share it). A subclass that declares its own
   * `static override readonly brand` gets an `is()` that recognises exactly its instances.
   */
  static readonly brand: symbol = XERROR_BRAND;

  /** A stable identifier of the failure, e.g. `'INVALID_CONFIG'`; switch on this. */
  readonly code: Code;

  constructor(code: Code, message: string, options?: XErrorOptions) {
    super(message, options !== undefined && 'cause' in options ? { cause: options.cause } : {});
    this.code = code;
    Object.defineProperty(this, 'name', {
      value: new.target.name,
      writable: true,
      enumerable: false,
      configurable: true,
    });
    // Brand the instance with the brand of every class in its chain that declares one.
    for (
      let ctor: unknown = new.target;
      typeof ctor === 'function' && ctor !== Error;
      ctor = Object.getPrototypeOf(ctor)
    ) {
      const brand = ownBrand(ctor);
      if (brand !== undefined)
        Object.defineProperty(this, brand, { value: true, enumerable: false });
    }
  }

  /**
   * Whether `value` is an instance of this class, from any copy of the package: checks the
   * class's brand. Called on a subclass that declares no brand of its own, it falls back to
   * `instanceof`, which never claims more than it knows. Call it on the class
   * (`CryptoError.is(error)`): detached from it (`errors.filter(XError.is)`), it checks the
   * XError brand only.
   */
  static is<T extends XError>(this: XErrorClass<T>, value: unknown): value is T {
    // biome-ignore lint/complexity/noThisInStatic: inherited by subclasses; `this` is the class it is called on.
    return isInstance(this, value);
  }

  /** A serialisable summary for logs: name, code, message and the cause's message. */
  toJSON(): XErrorJSON<Code> {
    const cause = describeCause(this.cause);
    return cause === undefined
      ? { name: this.name, code: this.code, message: this.message }
      : { name: this.name, code: this.code, message: this.message, cause };
  }
}

/** The brand a class declares itself (not inherited), if any. */
function ownBrand(ctor: object): symbol | undefined {
  if (!Object.hasOwn(ctor, 'brand')) return undefined;
  const brand: unknown = (ctor as { readonly brand?: unknown }).brand;
  return typeof brand === 'symbol' ? brand : undefined;
}

function isInstance(ctor: XErrorClass<XError> | undefined, value: unknown): boolean {
  // Called detached (`errors.filter(XError.is)`), there is no class to go by: check the base brand.
  if (typeof ctor !== 'function') return hasBrand(value, XERROR_BRAND);
  const brand = ownBrand(ctor);
  return brand === undefined ? value instanceof ctor : hasBrand(value, brand);
}

function hasBrand(value: unknown, brand: symbol): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    (value as Record<symbol, unknown>)[brand] === true
  );
}

function describeCause(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  if (typeof cause === 'object' && cause !== null) {
    const message = (cause as { readonly message?: unknown }).message;
    return typeof message === 'string' ? message : undefined;
  }
  return typeof cause === 'function' ? undefined : String(cause);
}
