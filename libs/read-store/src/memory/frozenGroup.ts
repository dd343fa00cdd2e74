import type { ReadModelDocument } from '../readStore';

type Doc = ReadModelDocument & Record<string, unknown>;

/** Reads one field of a row: only asked for rows whose shape has the field. */
type Getter = (row: number) => unknown;

/**
 * One index group that will not change again, held column by column in the group's order instead of as
 * one object per document (MemoryReadStore.freeze). Row r is the document at rank r. A document read
 * back has the same fields, values and key order as the one frozen, but is a new object each time.
 *
 * The columns are derived from the documents, whatever the collection:
 * - Each distinct key order ("shape") is kept once; each row holds the number of its shape when there
 *   are several.
 * - Each field takes the most compact column its values allow: one value for the whole group; a
 *   dictionary with 8- or 16-bit codes when few values repeat; integers as offsets from the smallest in
 *   the narrowest unsigned typed array; other numbers in a Float64Array; ISO timestamps that format back
 *   to the very same string as numbers (ms); other strings concatenated into one string with end offsets.
 * - Values no column of the field takes (objects such as metadata, a boolean among numbers, undefined)
 *   are kept as they are, in a sparse list of (row, value) sorted by row.
 * - `byId`, the rows sorted by `_id`, finds a document's row, which is its rank, by binary search.
 */
export class FrozenGroup {
  /** The smallest and largest `_id` of the group: which groups may hold an id. */
  readonly minId: string;
  readonly maxId: string;
  /** One object reused by `countUpTo`: a row's `orderBy` fields, what the index's comparison reads. */
  private readonly probe: Record<string, unknown> = {};
  /** The field number of each `orderBy` field (-1: no document has it). */
  private readonly orderNumbers: number[];
  private readonly idNumber: number;
  /** Compares a row's `_id` with a string in place, when its column allows and every row has one. */
  private readonly compareIdInPlace: ((row: number, id: string) => number) | undefined;

  private constructor(
    readonly size: number,
    private readonly fields: readonly Field[],
    private readonly shapes: readonly Shape[],
    /** Each row's shape, when there are several. */
    private readonly rowShape: Uint8Array | Uint16Array | undefined,
    /** The rows in `_id` order. */
    private readonly byId: Uint32Array,
    private readonly orderFields: readonly string[],
  ) {
    const numberOf = (name: string) => fields.findIndex((field) => field.name === name);
    this.orderNumbers = orderFields.map(numberOf);
    this.idNumber = numberOf('_id');
    const everyRowHasId = shapes.every(({ has }) => has[this.idNumber] === 1);
    this.compareIdInPlace = everyRowHasId ? fields[this.idNumber].compareAt : undefined;
    for (const field of orderFields) this.probe[field] = undefined;
    this.minId = this.idAt(byId[0]);
    this.maxId = this.idAt(byId[size - 1]);
  }

  /**
   * Freezes `docs`, which are in the group's order (`orderFields` are its `orderBy` fields). Undefined
   * when there are none, or when they cannot be held so (more than 65,535 key orders).
   */
  static build(docs: readonly Doc[], orderFields: readonly string[]): FrozenGroup | undefined {
    return finish(FrozenGroup.building(docs, orderFields));
  }

  /**
   * `build` in steps: each `yield` is a point where the caller may let other work run, `STEP_ROWS` rows
   * of a pass over the rows or the building of one column apart (a million entries take seconds).
   */
  static *building(docs: readonly Doc[], orderFields: readonly string[]): Steps<FrozenGroup | undefined> {
    const size = docs.length;
    if (size === 0) return undefined;

    // 1. One pass over the documents (each read once): its shape, its values by field, its id.
    const shapeKeys: string[][] = [];
    const shapeNumbers = new Map<string, number>();
    /** Per shape, where each field is among its keys (-1, or past the end: not there), as Object.values has it. */
    const positions: number[][] = [];
    const fieldNumbers = new Map<string, number>();
    const columns: unknown[][] = [];
    const rowShape = new Uint16Array(size);
    const ids: string[] = [];
    let last = -1;
    for (let row = 0; row < size; row++) {
      if (row % STEP_ROWS === STEP_ROWS - 1) yield;
      const doc = docs[row];
      const keys = Object.keys(doc);
      // Consecutive documents mostly share a shape, so the last one is tried first.
      if (last < 0 || !sameKeys(shapeKeys[last], keys)) {
        const signature = JSON.stringify(keys);
        let shape = shapeNumbers.get(signature);
        if (shape === undefined) {
          if (shapeKeys.length === 0x10000) return undefined;
          shape = shapeKeys.push(keys) - 1;
          shapeNumbers.set(signature, shape);
          for (const key of keys) {
            if (fieldNumbers.has(key)) continue;
            fieldNumbers.set(key, columns.length);
            columns.push(new Array<unknown>(row).fill(ABSENT)); // a field new at this row
          }
          const at = new Array<number>(columns.length).fill(-1);
          keys.forEach((key, i) => (at[fieldNumbers.get(key)!] = i));
          positions.push(at);
        }
        last = shape;
      }
      rowShape[row] = last;
      const values = Object.values(doc);
      const at = positions[last];
      for (let field = 0; field < columns.length; field++) {
        const i = field < at.length ? at[field] : -1;
        columns[field].push(i < 0 ? ABSENT : values[i]);
      }
      ids.push(doc._id);
    }

    // 2. A column per field, then the documents of each shape built from them.
    const fields: Field[] = [];
    for (const [name, number] of fieldNumbers) {
      yield;
      fields.push(yield* buildingField(name, columns[number]));
      columns[number] = []; // garbage as soon as it is held
    }
    const shapes = shapeKeys.map((keys, shape) => {
      const has = new Uint8Array(fields.length);
      positions[shape].forEach((i, field) => (has[field] = i < 0 ? 0 : 1));
      const getters = keys.map((key) => fields[fieldNumbers.get(key)!].get);
      return { keys, has, build: compileBuilder(keys, getters) };
    });

    // 3. The rows in `_id` order.
    const byId = yield* idOrdering(ids);

    const rowShapes =
      shapeKeys.length === 1 ? undefined : shapeKeys.length <= 0x100 ? Uint8Array.from(rowShape) : rowShape;
    return new FrozenGroup(size, fields, shapes, rowShapes, byId, orderFields);
  }

  /** How each field is held (its column, and how many values the sparse list holds), by name. */
  layout(): Record<string, string> {
    return Object.fromEntries(this.fields.map((field) => [field.name, field.layout]));
  }

  /** The document at rank `row`. */
  at(row: number): Doc {
    return this.shapes[this.rowShape ? this.rowShape[row] : 0].build(row) as Doc;
  }

  /** Documents at ranks [from, from + count), as SortedList.slice. */
  slice(from: number, count: number): Doc[] {
    const start = Math.max(0, from);
    const end = Math.min(this.size, start + Math.max(0, count));
    const out: Doc[] = [];
    for (let row = start; row < end; row++) out.push(this.at(row));
    return out;
  }

  /** The rank of the document with this `_id`, -1 when the group has none. */
  rowOf(id: string): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const row = this.byId[mid];
      const order = this.compareIdInPlace
        ? this.compareIdInPlace(row, id)
        : compareStrings(this.idAt(row), id);
      if (order === 0) return row;
      if (order < 0) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }

  /** The `_id` of the k-th document in `_id` order. */
  idInOrder(k: number): string {
    return this.idAt(this.byId[k]);
  }

  /**
   * Number of documents that sort at or before `key` by `compare` (the index's order, or its order on a
   * prefix of `orderBy`), as SortedList.countUpTo.
   */
  countUpTo(key: Doc, compare: (a: Doc, b: Doc) => number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.probeAt(mid), key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Every document in rank order, as new objects that hold nothing of the frozen form (strings are
   * copied out of the concatenated columns, not sliced from them): the group's live form again.
   */
  thaw(): Doc[] {
    const builders = this.shapes.map(({ keys }) =>
      compileBuilder(
        keys,
        keys.map((key) => this.fields.find((field) => field.name === key)!.flat()),
      ),
    );
    const docs: Doc[] = [];
    for (let row = 0; row < this.size; row++)
      docs.push(builders[this.rowShape ? this.rowShape[row] : 0](row) as Doc);
    return docs;
  }

  private probeAt(row: number): Doc {
    const { probe, orderFields, orderNumbers } = this;
    for (let i = 0; i < orderFields.length; i++) probe[orderFields[i]] = this.valueAt(row, orderNumbers[i]);
    return probe as Doc;
  }

  /** Field `number`'s value in `row`, undefined when the row does not have the field. */
  private valueAt(row: number, number: number): unknown {
    if (number < 0 || this.shapes[this.rowShape ? this.rowShape[row] : 0].has[number] === 0) return undefined;
    return this.fields[number].get(row);
  }

  private idAt(row: number): string {
    return String(this.valueAt(row, this.idNumber));
  }
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Work done in steps (see `FrozenGroup.building`), and its result. */
export type Steps<R> = Generator<void, R, void>;

/** Rows between two steps of a pass over the rows. */
const STEP_ROWS = 32_768;

/** Runs every step at once. */
const finish = <R>(steps: Steps<R>): R => {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
};

/** Characters after the common prefix that `idOrder` sorts on: one byte-sized digit each, or fewer wider ones. */
const KEY_DIGITS = 6;
const WIDE_KEY_DIGITS = 2;

/**
 * The positions of `ids` in `<` order (by UTF-16 code unit). Ids of one group mostly share a prefix (a
 * leaderboard's `board|period|`), which a comparison sort would compare again and again: this sorts by
 * the few characters after the prefix all ids share (an LSD radix sort, a digit per character: its code
 * + 1, 0 past the end), then only runs that agree on all of them by the whole id.
 */
export const idOrder = (ids: readonly string[]): Uint32Array => finish(idOrdering(ids));

function* idOrdering(ids: readonly string[]): Steps<Uint32Array> {
  const size = ids.length;
  const first = ids[0] ?? '';
  let common = first.length;
  for (let row = 0; row < size; row++) {
    if (row % STEP_ROWS === STEP_ROWS - 1) yield;
    const id = ids[row];
    if (id.length < common) common = id.length;
    for (let i = 0; i < common; i++) {
      if (id.charCodeAt(i) !== first.charCodeAt(i)) {
        common = i;
        break;
      }
    }
  }
  let wide = false;
  for (const id of ids) {
    for (let i = common; i < Math.min(id.length, common + KEY_DIGITS); i++)
      if (id.charCodeAt(i) > 0xff) wide = true;
  }
  const digitCount = wide ? WIDE_KEY_DIGITS : KEY_DIGITS;
  const base = wide ? 0x10001 : 0x101;
  // Each id read once for all its digits (one cache miss per id, not one per digit).
  const digits = Array.from({ length: digitCount }, () => new Uint32Array(size));
  for (let row = 0; row < size; row++) {
    if (row % STEP_ROWS === STEP_ROWS - 1) yield;
    const id = ids[row];
    for (let d = 0; d < digitCount; d++)
      digits[d][row] = common + d < id.length ? id.charCodeAt(common + d) + 1 : 0;
  }
  yield;

  let order = new Uint32Array(size);
  for (let row = 0; row < size; row++) order[row] = row;
  let next = new Uint32Array(size);
  const starts = new Uint32Array(base + 1);
  for (let d = digitCount - 1; d >= 0; d--) {
    const digit = digits[d];
    starts.fill(0);
    for (let row = 0; row < size; row++) starts[digit[row] + 1] += 1;
    for (let b = 1; b <= base; b++) starts[b] += starts[b - 1];
    for (let i = 0; i < size; i++) next[starts[digit[order[i]]]++] = order[i];
    [order, next] = [next, order];
    yield;
  }

  const sameKey = (a: number, b: number) => {
    for (const digit of digits) if (digit[a] !== digit[b]) return false;
    return true;
  };
  const byWholeId = (a: number, b: number) => compareStrings(ids[a], ids[b]);
  for (let from = 0, stepEnd = STEP_ROWS; from < size;) {
    if (from >= stepEnd) {
      yield;
      stepEnd = from + STEP_ROWS;
    }
    let to = from + 1;
    while (to < size && sameKey(order[from], order[to])) to += 1;
    if (to - from > 1) order.subarray(from, to).sort(byWholeId);
    from = to;
  }
  return order;
}

type Shape = {
  keys: readonly string[];
  /** Per field number, 1 when the shape has the field. */
  has: Uint8Array;
  build: (row: number) => object;
};

type Field = {
  name: string;
  /** How the field is held, e.g. `integer 16 + sparse 3` (see `layout`). */
  layout: string;
  get: Getter;
  /** A getter whose strings share nothing with the columns (for thawing). */
  flat: () => Getter;
  /** Compares a row's value with a string without building it, when the column allows. */
  compareAt?: (row: number, value: string) => number;
};

/** A row whose shape does not have the field. */
const ABSENT = Symbol('absent');
/** -0 as a dictionary key (a Map's keys would take it for 0). */
const NEGATIVE_ZERO = Symbol('-0');

const sameKeys = (a: readonly string[], b: readonly string[]): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/**
 * Builds documents of one shape: an object literal with the shape's keys in order, each value read by
 * its field's getter. Keys are JSON string literals, so any name is safe; `__proto__` is computed, so it
 * stays an own property as in the document frozen.
 */
const compileBuilder = (keys: readonly string[], getters: readonly Getter[]): ((row: number) => object) => {
  const properties = keys.map((key, i) => {
    const name = key === '__proto__' ? `[${JSON.stringify(key)}]` : JSON.stringify(key);
    return `${name}: g[${i}](row)`;
  });
  const source = `return function build(row) { return { ${properties.join(', ')} }; };`;
  return new Function('g', source)(getters) as (row: number) => object;
};

/** Most distinct values a dictionary holds (16-bit codes). */
const MAX_DICTIONARY = 0x10000;
/** Longest string a text column concatenates (V8 refuses strings of 2^29 characters and more). */
const MAX_PACKED = 2 ** 28;

const isObject = (value: unknown): boolean =>
  (typeof value === 'object' && value !== null) || typeof value === 'function';

/** What one field's present values are. */
type Survey = {
  present: number;
  objects: number;
  numbers: number;
  strings: number;
  /** The distinct primitive values and their codes; undefined when there are more than a dictionary holds. */
  distinct: Map<unknown, number> | undefined;
};

function* surveying(values: readonly unknown[]): Steps<Survey> {
  const found: Survey = { present: 0, objects: 0, numbers: 0, strings: 0, distinct: new Map() };
  for (let row = 0; row < values.length; row++) {
    if (row % STEP_ROWS === STEP_ROWS - 1) yield;
    const value = values[row];
    if (value === ABSENT) continue;
    found.present += 1;
    if (isObject(value)) {
      found.objects += 1;
      continue;
    }
    if (typeof value === 'number') found.numbers += 1;
    else if (typeof value === 'string') found.strings += 1;
    const { distinct } = found;
    const key = dictionaryKey(value);
    if (distinct && !distinct.has(key)) {
      if (distinct.size === MAX_DICTIONARY) found.distinct = undefined;
      else distinct.set(key, distinct.size);
    }
  }
  return found;
}

const dictionaryKey = (value: unknown): unknown => (Object.is(value, -0) ? NEGATIVE_ZERO : value);
const isPrimitive = (value: unknown): boolean => value !== ABSENT && !isObject(value);
const isNumber = (value: unknown): boolean => typeof value === 'number';
const isString = (value: unknown): boolean => typeof value === 'string';

/** A field's column and which of its values the column holds; undefined when it holds none. */
type Choice = { column: Column; holds: (value: unknown) => boolean } | undefined;

/**
 * The most compact column for a field's values: one value; a dictionary when values repeat (at least
 * four rows per value) and its codes are narrower than integer offsets; numbers; strings. The type
 * most values have wins; values of other types go to the sparse list.
 */
function chooseColumn(values: readonly unknown[], found: Survey): Choice {
  const { distinct, numbers, strings } = found;
  const primitives = found.present - found.objects;
  if (primitives === 0) return undefined;
  if (distinct?.size === 1) {
    const [key] = distinct.keys();
    const value = key === NEGATIVE_ZERO ? -0 : key;
    return { column: new ConstantColumn(value), holds: sameValueAs(value) };
  }
  const dictionaryPays = distinct !== undefined && distinct.size * 4 <= primitives;
  const dictionary = (): Choice => ({ column: dictionaryColumn(values, distinct!), holds: isPrimitive });
  const numeric = (): Choice => ({ column: numberColumn(values), holds: isNumber });
  if (numbers === primitives) {
    const integers = integerWidth(values);
    const codeWidth = distinct && distinct.size <= 0x100 ? 1 : 2;
    return dictionaryPays && (!integers || codeWidth < integers.width) ? dictionary() : numeric();
  }
  if (dictionaryPays) return dictionary();
  if (strings > 0 && strings >= numbers) return { column: stringColumn(values), holds: isString };
  if (numbers > 0) return numeric();
  // Only booleans, null and undefined: a few values.
  return distinct ? dictionary() : undefined;
}

const sameValueAs =
  (value: unknown) =>
  (other: unknown): boolean =>
    Object.is(other, value);

/**
 * The field's getters over its column and its sparse list of the values the column does not hold. (No
 * closure kept here sees `values`: it would keep every original value alive.)
 */
function* buildingField(name: string, values: readonly unknown[]): Steps<Field> {
  const choice = chooseColumn(values, yield* surveying(values));
  yield;
  const column = choice?.column;
  const sparseRows: number[] = [];
  const sparseValues: unknown[] = [];
  for (let row = 0; row < values.length; row++) {
    if (row % STEP_ROWS === STEP_ROWS - 1) yield;
    const value = values[row];
    if (value !== ABSENT && !choice?.holds(value)) {
      sparseRows.push(row);
      sparseValues.push(value);
    }
  }
  const sparse =
    sparseRows.length > 0 ? { rows: Uint32Array.from(sparseRows), values: sparseValues } : undefined;
  return {
    name,
    layout: [column?.layout, sparse && `sparse ${sparse.rows.length}`].filter(Boolean).join(' + '),
    get: withSparse(sparse, column?.getter()),
    flat: () => withSparse(sparse, column?.flatGetter()),
    compareAt: !sparse && column instanceof TextColumn ? column.compareAt : undefined,
  };
}

type Sparse = { rows: Uint32Array; values: readonly unknown[] };

/** Reads the sparse list's value where it has one, else the column's. */
const withSparse = (sparse: Sparse | undefined, get: Getter | undefined): Getter => {
  if (!sparse) return get!;
  const { rows, values } = sparse;
  return (row) => {
    const i = search(rows, row);
    return i >= 0 ? values[i] : get!(row);
  };
};

/** Index of `row` in the sorted `rows`, -1 when absent. */
const search = (rows: Uint32Array, row: number): number => {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid] < row) lo = mid + 1;
    else hi = mid;
  }
  return lo < rows.length && rows[lo] === row ? lo : -1;
};

interface Column {
  /** The column's kind and width in bits per row. */
  readonly layout: string;
  getter(): Getter;
  flatGetter(): Getter;
}

class ConstantColumn implements Column {
  readonly layout = 'constant';
  constructor(private readonly value: unknown) {}
  getter(): Getter {
    const { value } = this;
    return () => value;
  }
  flatGetter(): Getter {
    return this.getter();
  }
}

class DictionaryColumn implements Column {
  get layout(): string {
    return `dictionary ${this.codes.BYTES_PER_ELEMENT * 8} (${this.values.length} values)`;
  }
  constructor(
    private readonly values: readonly unknown[],
    private readonly codes: Uint8Array | Uint16Array,
  ) {}
  getter(): Getter {
    const { values, codes } = this;
    return (row) => values[codes[row]];
  }
  flatGetter(): Getter {
    return this.getter();
  }
}

class IntegerColumn implements Column {
  get layout(): string {
    return `integer ${this.offsets.BYTES_PER_ELEMENT * 8}`;
  }
  constructor(
    private readonly base: number,
    private readonly offsets: Uint8Array | Uint16Array | Uint32Array,
  ) {}
  getter(): Getter {
    const { base, offsets } = this;
    return (row) => base + offsets[row];
  }
  flatGetter(): Getter {
    return this.getter();
  }
}

class FloatColumn implements Column {
  readonly layout = 'float 64';
  constructor(private readonly values: Float64Array) {}
  getter(): Getter {
    const { values } = this;
    return (row) => values[row];
  }
  flatGetter(): Getter {
    return this.getter();
  }
}

/** ISO timestamps as ms since the epoch, formatted back on read. */
class TimestampColumn implements Column {
  get layout(): string {
    return `timestamp as ${this.ms.layout}`;
  }
  constructor(private readonly ms: Column) {}
  getter(): Getter {
    const ms = this.ms.getter();
    return (row) => isoString(ms(row) as number);
  }
  flatGetter(): Getter {
    return this.getter();
  }
}

/**
 * Strings concatenated into one, with each row's end offset, or none when every string has the same
 * length. A value read is a slice of the concatenation (V8 may keep it as a view of it).
 */
class TextColumn implements Column {
  get layout(): string {
    return this.ends ? 'text' : `text of width ${this.width}`;
  }
  constructor(
    private readonly packed: string,
    private readonly ends: Uint32Array | undefined,
    private readonly width: number,
  ) {}
  getter(): Getter {
    const { packed, ends, width } = this;
    return ends
      ? (row) => packed.slice(row === 0 ? 0 : ends[row - 1], ends[row])
      : (row) => packed.slice(row * width, (row + 1) * width);
  }
  /** Decodes each value from a byte copy: a new string, not a view that would keep the whole column. */
  flatGetter(): Getter {
    const { ends, width } = this;
    // Latin-1 keeps one byte per character where every character fits, as the strings had.
    // eslint-disable-next-line no-control-regex
    const encoding = /[^\u0000-\u00ff]/.test(this.packed) ? 'utf16le' : 'latin1';
    const unit = encoding === 'latin1' ? 1 : 2;
    const bytes = Buffer.from(this.packed, encoding);
    return (row) => {
      const start = ends ? (row === 0 ? 0 : ends[row - 1]) : row * width;
      const end = ends ? ends[row] : start + width;
      return bytes.toString(encoding, start * unit, end * unit);
    };
  }
  compareAt = (row: number, value: string): number => {
    const { packed, ends, width } = this;
    const start = ends ? (row === 0 ? 0 : ends[row - 1]) : row * width;
    const length = (ends ? ends[row] : start + width) - start;
    const common = Math.min(length, value.length);
    for (let i = 0; i < common; i++) {
      const order = packed.charCodeAt(start + i) - value.charCodeAt(i);
      if (order !== 0) return order;
    }
    return length - value.length;
  };
}

/** Strings kept one by one, when their concatenation would be too long for one string. */
class ArrayColumn implements Column {
  readonly layout = 'strings';
  constructor(private readonly values: readonly unknown[]) {}
  getter(): Getter {
    const { values } = this;
    return (row) => values[row];
  }
  flatGetter(): Getter {
    return this.getter();
  }
}

type IntegerWidth = { min: number; width: 1 | 2 | 4 };

/**
 * The offset width that holds every number of `values`, when all are safe integers (not -0) within
 * 2^32 of the smallest.
 */
function integerWidth(values: readonly unknown[]): IntegerWidth | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (typeof value !== 'number') continue;
    if (!Number.isSafeInteger(value) || Object.is(value, -0)) return undefined;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const range = max - min;
  if (range < 0x100) return { min, width: 1 };
  if (range < 0x10000) return { min, width: 2 };
  return range < 2 ** 32 ? { min, width: 4 } : undefined;
}

/** The numbers of `values`: integer offsets when they fit, else doubles (0 where a row holds none). */
function numberColumn(values: readonly unknown[]): Column {
  const integers = integerWidth(values);
  if (!integers) {
    const doubles = new Float64Array(values.length);
    for (let row = 0; row < values.length; row++)
      if (typeof values[row] === 'number') doubles[row] = values[row] as number;
    return new FloatColumn(doubles);
  }
  const { min, width } = integers;
  const { length } = values;
  const offsets =
    width === 1 ? new Uint8Array(length) : width === 2 ? new Uint16Array(length) : new Uint32Array(length);
  values.forEach((value, row) => {
    if (typeof value === 'number') offsets[row] = value - min;
  });
  return new IntegerColumn(min, offsets);
}

/** The primitive values of `values` as codes into `distinct`'s values. */
function dictionaryColumn(values: readonly unknown[], distinct: Map<unknown, number>): Column {
  const entries = [...distinct.keys()].map((key) => (key === NEGATIVE_ZERO ? -0 : key));
  const codes = entries.length <= 0x100 ? new Uint8Array(values.length) : new Uint16Array(values.length);
  values.forEach((value, row) => {
    if (isPrimitive(value)) codes[row] = distinct.get(dictionaryKey(value))!;
  });
  return new DictionaryColumn(entries, codes);
}

/** Timestamps as numbers when every string is one that formats back exactly, else the strings. */
function stringColumn(values: readonly unknown[]): Column {
  const ms: unknown[] = [];
  for (const value of values) {
    const parsed = typeof value === 'string' ? parseTimestamp(value) : ABSENT;
    if (parsed === undefined) break;
    ms.push(parsed);
  }
  if (ms.length === values.length) return new TimestampColumn(numberColumn(ms));
  let width = -1;
  let total = 0;
  for (const value of values) {
    if (typeof value !== 'string') continue;
    total += value.length;
    width = width === -1 || width === value.length ? value.length : -2;
  }
  if (total > MAX_PACKED)
    return new ArrayColumn(values.map((value) => (typeof value === 'string' ? value : undefined)));
  if (width >= 0) {
    // One length: a row without a string is padded to it, so row r starts at r * width.
    const filler = ' '.repeat(width);
    return new TextColumn(
      values.map((value) => (typeof value === 'string' ? value : filler)).join(''),
      undefined,
      width,
    );
  }
  const ends = new Uint32Array(values.length);
  let end = 0;
  values.forEach((value, row) => {
    if (typeof value === 'string') end += value.length;
    ends[row] = end;
  });
  return new TextColumn(values.map((value) => (typeof value === 'string' ? value : '')).join(''), ends, 0);
}

const DAY_MS = 86_400_000;
/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the years `isoString` writes in four digits. */
const MIN_TIMESTAMP = -62_167_219_200_000;
const MAX_TIMESTAMP = 253_402_300_799_999;

/** The ms of an ISO timestamp (`Date.prototype.toISOString`'s form) that formats back to the same string. */
export function parseTimestamp(value: string): number | undefined {
  if (value.length !== 24 || value.charCodeAt(23) !== 90 /* Z */) return undefined;
  const ms = Date.parse(value);
  return ms >= MIN_TIMESTAMP && ms <= MAX_TIMESTAMP && isoString(ms) === value ? ms : undefined;
}

/**
 * `new Date(ms).toISOString()` for years 0 to 9999, without a Date: the civil date from the day number
 * (Howard Hinnant's days_from_civil inverse), then one flat string of character codes.
 */
export function isoString(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  let time = ms - days * DAY_MS;
  const shifted = days + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const millis = time % 1000;
  time = (time - millis) / 1000;
  const second = time % 60;
  time = (time - second) / 60;
  const minute = time % 60;
  const hour = (time - minute) / 60;
  const d = (value: number) => 48 + value; // a digit's character code
  return String.fromCharCode(
    d((year / 1000) | 0),
    d(((year / 100) | 0) % 10),
    d(((year / 10) | 0) % 10),
    d(year % 10),
    45,
    d((month / 10) | 0),
    d(month % 10),
    45,
    d((day / 10) | 0),
    d(day % 10),
    84,
    d((hour / 10) | 0),
    d(hour % 10),
    58,
    d((minute / 10) | 0),
    d(minute % 10),
    58,
    d((second / 10) | 0),
    d(second % 10),
    46,
    d((millis / 100) | 0),
    d(((millis / 10) | 0) % 10),
    d(millis % 10),
    90,
  );
}
