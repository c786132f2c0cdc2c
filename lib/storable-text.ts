// Text as PostgreSQL stores it and gives back unchanged. A text column refuses NUL. jsonb refuses both NUL and a lone
// surrogate, which JSON.stringify writes as an escape (\ud800). A lone surrogate sent as a text parameter reaches the
// database as U+FFFD, because Node encodes it to UTF-8 that way. Every string that goes to the database inside a JSON
// parameter goes through here first, so a value a text column would take, jsonb takes too. Without this, one editor's
// cancel reason could wedge an order's projection writes for good.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The string without NUL, each lone surrogate as U+FFFD. */
export function storableText(v: string): string {
  return v.split('\u0000').join('').replace(LONE_SURROGATE, '\uFFFD');
}

/** A value as one JSON parameter for `${…}::jsonb` (or jsonb_to_record), every string in it storable. */
export function jsonParam(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? storableText(v) : v));
}
