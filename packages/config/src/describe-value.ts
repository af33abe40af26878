const MAX_LENGTH = 120;

/**
 * Renders a received value for an error message, JSON-like: strings quoted, numbers as
 * written, objects as JSON. Long renderings are cut, and the password of a URL is masked
 * (`postgres://app:***@db/app`), so a message can be logged as it is.
 */
export function describeValue(value: unknown): string {
  return truncate(maskCredentials(render(value)));
}

function render(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
    case 'undefined':
    case 'symbol':
      return String(value);
    case 'function':
      return 'a function';
    default:
      return renderObject(value as object | null);
  }
}

function renderObject(value: object | null): string {
  if (value === null) return 'null';
  try {
    const json = JSON.stringify(value, (_key, item: unknown) =>
      typeof item === 'bigint' ? `${item}n` : item,
    );
    if (json !== undefined) return json;
  } catch {
    // Circular or otherwise unserialisable: fall through to the type tag.
  }
  return Object.prototype.toString.call(value);
}

/** `scheme://user:password@` becomes `scheme://user:***@`. */
function maskCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^/?#@\s:"]*:)[^/?#@\s"]*@/gi, '$1***@');
}

function truncate(text: string): string {
  return text.length <= MAX_LENGTH ? text : `${text.slice(0, MAX_LENGTH - 1)}…`;
}
