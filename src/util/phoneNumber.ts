/**
 * Phone numbers as people type them: `631 555-0200`, `(631) 555.0200`. The separators are
 * dropped; what is left must be the 4 to 15 digits the API takes (wa-api.md §2.4). A leading `+`
 * is the country code, which has its own field.
 */
export type PhoneNumberParse =
  | { readonly ok: true; readonly digits: string }
  | { readonly ok: false; readonly problem: 'countryCode' | 'notDigits' | 'length' };

const SEPARATORS = /[\s\-()./]/g;

export function normalisePhoneNumber(text: string): PhoneNumberParse {
  const compact = text.replace(SEPARATORS, '');
  if (compact.startsWith('+') || compact.startsWith('00')) {
    return { ok: false, problem: 'countryCode' };
  }
  if (!/^\d*$/.test(compact)) {
    return { ok: false, problem: 'notDigits' };
  }
  return compact.length >= 4 && compact.length <= 15 ? { ok: true, digits: compact } : { ok: false, problem: 'length' };
}

/** The country calling code as typed (`+1`, `1`, `+49 `): 1 to 4 digits, without `+`; undefined when it is none. */
export function normaliseCountryCode(text: string): string | undefined {
  const compact = text.replace(SEPARATORS, '').replace(/^\+/, '');
  return /^[1-9]\d{0,3}$/.test(compact) ? compact : undefined;
}
