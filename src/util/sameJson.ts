/**
 * Whether two JSON-like values would serialise to the same JSON, without serialising them: the
 * snapshot diff compares 35+ nodes every poll, and two `JSON.stringify` calls per node made most
 * of the garbage a quiet poll leaves. As in JSON, a property whose value is `undefined` (or a
 * function) counts as absent, such an array element as `null`, and NaN and ±Infinity as `null`;
 * unlike a string comparison, the order of an object's keys does not matter.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  const x = asJson(a);
  const y = asJson(b);
  if (x === y) {
    return true;
  }
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) {
    return false;
  }
  if (Array.isArray(x) || Array.isArray(y)) {
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) {
      return false;
    }
    for (let i = 0; i < x.length; i++) {
      if (!sameJson(inArray(x[i]), inArray(y[i]))) {
        return false;
      }
    }
    return true;
  }
  const xo = x as Record<string, unknown>;
  const yo = y as Record<string, unknown>;
  let count = 0;
  for (const k of Object.keys(xo)) {
    if (present(xo[k])) {
      count++;
      if (!sameJson(xo[k], yo[k])) {
        return false;
      }
    }
  }
  for (const k of Object.keys(yo)) {
    if (present(yo[k])) {
      count--;
    }
  }
  return count === 0;
}

/** What JSON.stringify writes for a value: its `toJSON()` (a Date's ISO string), non-finite numbers as null. */
function asJson(v: unknown): unknown {
  if (typeof v === 'number') {
    return Number.isFinite(v) ? v : null;
  }
  if (typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    return (v as { toJSON: () => unknown }).toJSON();
  }
  return v;
}

function present(v: unknown): boolean {
  return v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
}

function inArray(v: unknown): unknown {
  return present(v) ? v : null;
}
