/**
 * Claims: globs over repo-relative POSIX paths.
 *
 * Matching is picomatch's, with `dot: true` (so `**` and `*` take dotfiles), POSIX
 * brackets (`[!a]` negates), brackets always a character class (`literalBrackets:
 * false`) and `.` matching newlines too (names may contain them). A backslash escapes
 * the next character. A claim without glob syntax is a plain path: it is matched
 * literally (quotes, spaces, `|` and all) and covers the path itself and everything
 * under it, i.e. `X` claims `X` and `X/**`.
 *
 * Two claims overlap when some path can match both. The check is exact for the usual
 * syntax (`*`, `?`, `[...]`, `**`, `{a,b}`), by a search over pairs of path segments
 * and, within a segment, over pairs of pattern positions. Syntax it does not model is
 * treated as overlapping everything, which can refuse a claim but never lets two
 * conflicting claims through: negation (`!x`), extglobs and parentheses (`+(a|b)`,
 * `(a)`, `|`), double quotes, brace ranges (`{1..3}`), `**` inside a longer segment
 * (`**.ts` crosses directories in picomatch), classes spanning a `/`, and more than
 * {@link MAX_ALTERNATIVES} brace alternatives.
 */
import type picomatchModule = require('picomatch/posix');

/** Loaded on first use: the hooks match plain paths and `dir/**` claims, the common case, without it. */
let loaded: typeof picomatchModule | undefined;
const picomatch = () => (loaded ??= require('picomatch/posix') as typeof picomatchModule);
import { UsageError } from '../../errors';

const MATCH_OPTIONS: picomatchModule.PicomatchOptions = { dot: true, posix: true, literalBrackets: false, flags: 's' };
const MAX_ALTERNATIVES = 64;
/** Characters with a meaning to picomatch somewhere. */
const SYNTAX = /[\\*?[\]{}()!+@|"]/;
const ALL_SYNTAX = new RegExp(SYNTAX.source, 'g');

/** How to write a glob, for the messages about one that is wrong. */
export const GLOB_HINT = 'Globs are relative to the repository root, such as `src/api/**` or `docs/guide.md`; escape a literal `[`, `{` or `*` with a backslash.';

/** `input` without `.` and empty segments: `./src//api/` → `src/api`. */
export const cleanGlob = (input: string) => input.split('/').filter((segment) => segment !== '' && segment !== '.').join('/');

/**
 * What makes `input` protect nothing, or undefined when it is a usable glob:
 * absolute, holding a NUL, leaving the repository with `..`, empty, unparsable (an unclosed
 * `[`, `{` or `(`, even where picomatch would read it literally), or a pattern
 * no path can match (`[z-a]`). A path that does
 * not exist yet is fine: it may be about to be created. The one rule for claims
 * and the config's globs alike.
 */
export function globProblem(input: string): string | undefined {
  if (input.startsWith('/') || /^[A-Za-z]:[\\/]/.test(input)) return 'is an absolute path';
  // No path holds one (git ends a name there), and the store keys a claim as holder NUL glob.
  if (input.includes('\0')) return 'holds a NUL character, which no path can';
  if (input.split('/').includes('..')) return 'leaves the repository with ".."';
  const glob = cleanGlob(input);
  if (glob === '') return 'is empty (to mean the whole repository, use `**`)';
  // Not isPlain(): picomatch.scan reads an unclosed `[` as a literal, and a claim on a file named `[` is a typo.
  if (!GLOB_CHARS.test(glob)) return undefined;
  let source: string;
  try {
    source = picomatch().makeRe(glob, { ...MATCH_OPTIONS, strictBrackets: true }).source;
  } catch (error) {
    return `is not a valid glob: ${(error as Error).message.replace(/ - use .*$/, '')}`;
  }
  return source === '$^' ? 'matches no path' : undefined;
}

/** Normalizes a claim glob; throws UsageError (exit 2) when {@link globProblem} finds one. */
export function normalizeGlob(input: string): string {
  const problem = globProblem(input);
  if (problem) throw new UsageError(`Claim "${input}" ${problem}.`, { where: input, hint: GLOB_HINT });
  return cleanGlob(input);
}

/** The claim glob that names exactly `path` (and what is under it), its glob characters escaped: `app/[id].tsx` stays a file. */
export function literalGlob(path: string): string {
  return path.replace(ALL_SYNTAX, '\\$&');
}

/** The picomatch patterns a claim covers: a plain path `X` covers `X` and `X/**`. */
export function claimPatterns(glob: string): string[] {
  if (!isPlain(glob)) return [glob];
  const escaped = unescape(glob).replace(ALL_SYNTAX, '\\$&');
  return [escaped, `${escaped}/**`];
}

/** A predicate telling whether a repo-relative path falls under the claim. */
export function claimMatcher(glob: string): (path: string) => boolean {
  if (isPlain(glob)) {
    const literal = unescape(glob);
    return (path) => path === literal || path.startsWith(`${literal}/`);
  }
  const re = picomatch().makeRe(glob, MATCH_OPTIONS);
  return (path) => re.test(path);
}

/** Whether some path can match both claims (see the rule at the top of this file). */
export function globsOverlap(a: string, b: string): boolean {
  return overlapsWith(a)(b);
}

/**
 * {@link globsOverlap} with `a` fixed: what `a` needs is worked out once, for
 * testing one new claim against thousands of held ones.
 */
export function overlapsWith(a: string): (b: string) => boolean {
  const prefix = MAYBE_UNMODELLED.test(a) ? undefined : literalPrefix(a);
  let left: Segment[][] | undefined | null = null;
  return (b) => {
    if (prefix && literalPrefixesDiffer(prefix, b)) return false;
    if (left === null) left = segmentLists(a);
    const right = segmentLists(b);
    if (!left || !right) return true;
    return left.some((x) => right.some((y) => segmentListsOverlap(x, y)));
  };
}

/** Syntax that may make the full test say "overlaps everything" (extglobs, quotes, braces, classes, `**` inside a segment). */
const MAYBE_UNMODELLED = /[()|!"{[]|\*\*[^/]|[^/]\*\*/;

/** The leading segments of a glob that hold no glob syntax. */
function literalPrefix(glob: string): string[] {
  const segments = glob.split('/');
  const syntax = segments.findIndex((segment) => SYNTAX.test(segment));
  return syntax < 0 ? segments : segments.slice(0, syntax);
}

/**
 * A quick no: two globs whose leading segments without glob syntax differ
 * somewhere (`src/api/**` and `docs/*`) match no common path. Saves the full
 * test against most of thousands of held claims; globs whose syntax the full
 * test may not model go to it, so the answer is always the same.
 */
function literalPrefixesDiffer(prefix: readonly string[], b: string): boolean {
  for (let i = 0, start = 0; i < prefix.length; i++) {
    const end = b.indexOf('/', start);
    const segment = b.slice(start, end < 0 ? undefined : end);
    // An equal segment is literal as the prefix's is; the regexes run only on the few that decide.
    if (segment !== prefix[i]) return !SYNTAX.test(segment) && !MAYBE_UNMODELLED.test(b);
    if (end < 0) return false;
    start = end + 1;
  }
  return false;
}

interface IndexEntry<T> {
  value: T;
  /** Absent when reaching the entry's bucket from a path is the match (`X`, `X/**`, `**`). */
  glob?: string;
  /** Cheap tests before the regex: the number of segments of every match, if fixed, and its literal ending. */
  depth?: number;
  suffix?: string;
  test?: (path: string) => boolean;
}

/** Finds the claims covering a path, testing only the claims rooted at the path's ancestors. */
export class ClaimIndex<T> {
  private readonly buckets = new Map<string, IndexEntry<T>[]>();

  constructor(entries: ReadonlyArray<{ glob: string; value: T }>) {
    for (const { glob, value } of entries) {
      const { base, whole, depth, suffix } = indexKey(glob);
      const bucket = this.buckets.get(base) ?? [];
      bucket.push(whole ? { value } : { value, glob, depth, suffix });
      this.buckets.set(base, bucket);
    }
  }

  /** The values of every claim covering `path`. */
  match(path: string): T[] {
    const found: T[] = [];
    let depth = 1;
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) depth++;
    this.collect('', path, depth, found);
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      this.collect(path.slice(0, slash), path, depth, found);
    }
    this.collect(path, path, depth, found);
    return found;
  }

  private collect(base: string, path: string, depth: number, found: T[]): void {
    const bucket = this.buckets.get(base);
    if (bucket === undefined) return;
    for (const entry of bucket) {
      if (entry.glob === undefined) {
        found.push(entry.value);
        continue;
      }
      if ((entry.depth !== undefined && entry.depth !== depth) || !path.endsWith(entry.suffix as string)) continue;
      entry.test ??= claimMatcher(entry.glob);
      if (entry.test(path)) found.push(entry.value);
    }
  }
}

/** Characters that can make a glob more than a path; without any, picomatch.scan need not run. */
const GLOB_CHARS = /[*?[\]{}()!+@|\\]/;
/** Syntax picomatch.scan reads in ways of its own (unclosed brackets and braces, escapes, extglobs). */
const SCAN_CHARS = /[[\]{}()!+@|\\]/;

function isPlain(glob: string): boolean {
  if (!GLOB_CHARS.test(glob)) return true;
  // Only `*` and `?`: a glob for sure (globs.spec checks that against picomatch.scan), and the
  // common claims such as `src/*.ts` are indexed without loading picomatch.
  if (!SCAN_CHARS.test(glob)) return false;
  return !glob.startsWith('!') && !picomatch().scan(glob).isGlob;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/gsu, '$1');
}

/**
 * Where a claim sits in the index: the leading directories every match starts with
 * (`''` when unknown), whether it covers everything below them, the number of
 * segments of every match (when fixed) and the literal text every match ends with.
 */
function indexKey(glob: string): { base: string; whole: boolean; depth?: number; suffix: string } {
  if (isPlain(glob)) return { base: unescape(glob), whole: true, suffix: '' };
  // `dir/**` and `**`, the common folder claims, need no parsing.
  if (glob === '**') return { base: '', whole: true, suffix: '' };
  if (glob.endsWith('/**') && !GLOB_CHARS.test(glob.slice(0, -3))) return { base: glob.slice(0, -3), whole: true, suffix: '' };
  const lists = segmentLists(glob);
  if (!lists) return { base: '', whole: false, suffix: '' };
  const lengths = new Set(lists.map((list) => (list.includes(GLOBSTAR) ? -1 : list.length)));
  const [length] = lengths;
  const depth = lengths.size === 1 && length !== -1 ? length : undefined;
  const segments = glob.split('/');
  const literal = segments.findIndex((segment) => SYNTAX.test(segment));
  const base = segments.slice(0, literal === -1 ? segments.length : literal).join('/');
  const last = lists.length === 1 ? lists[0].at(-1) : undefined;
  let suffix = '';
  for (let i = Array.isArray(last) ? last.length - 1 : -1; i >= 0; i--) {
    const token = (last as Token[])[i];
    if (token.kind !== 'char') break;
    suffix = token.char + suffix;
  }
  return { base, whole: glob === (base ? `${base}/**` : '**'), depth, suffix };
}

// --- Overlap analysis -------------------------------------------------------

type Token =
  | { kind: 'char'; char: string }
  | { kind: 'any' }
  | { kind: 'star' }
  | { kind: 'class'; re: RegExp; candidates: string[] };
const GLOBSTAR = 'globstar';
type Segment = Token[] | typeof GLOBSTAR;

/** A claim as brace alternatives of path segments; undefined when it is not analysed. */
function segmentLists(glob: string): Segment[][] | undefined {
  if (isPlain(glob)) {
    const literal = unescape(glob).split('/');
    return [[...literal.map((segment): Segment => Array.from(segment, (char) => ({ kind: 'char', char }))), GLOBSTAR]];
  }
  if (glob.startsWith('!')) return undefined;
  const alternatives = expandBraces(glob);
  if (!alternatives) return undefined;
  const lists: Segment[][] = [];
  for (const alternative of alternatives) {
    const parts = alternative.split('/');
    const list: Segment[] = [];
    for (const [i, part] of parts.entries()) {
      const segment = part === '**' ? GLOBSTAR : tokenize(part, parts.slice(i + 1).join('/'));
      if (!segment) return undefined;
      list.push(segment);
    }
    lists.push(list);
  }
  return lists;
}

/** Expands `{a,b}` alternatives; undefined for ranges or too many alternatives. */
function expandBraces(glob: string): string[] | undefined {
  const done: string[] = [];
  const pending = [glob];
  while (pending.length > 0) {
    const text = pending.pop() as string;
    const group = firstBraceGroup(text);
    if (group === 'range') return undefined;
    if (!group) {
      done.push(text);
      continue;
    }
    const bounds = [group.open, ...group.commas, group.close];
    for (let i = 0; i + 1 < bounds.length; i++) {
      pending.push(text.slice(0, group.open) + text.slice(bounds[i] + 1, bounds[i + 1]) + text.slice(group.close + 1));
    }
    if (done.length + pending.length > MAX_ALTERNATIVES) return undefined;
  }
  return done;
}

interface BraceGroup {
  open: number;
  close: number;
  commas: number[];
}

/** The first balanced `{…}` with a top-level comma; a group without one is literal to picomatch. */
function firstBraceGroup(text: string): BraceGroup | 'range' | undefined {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '[') i = Math.max(i, classEnd(text, i));
    else if (text[i] === '{') {
      const group = braceGroupAt(text, i);
      if (group === 'range' || (group && group.commas.length > 0)) return group;
    }
  }
  return undefined;
}

function braceGroupAt(text: string, open: number): BraceGroup | 'range' | undefined {
  const commas: number[] = [];
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const char = text[i];
    if (char === '\\') i++;
    else if (char === '[') i = Math.max(i, classEnd(text, i));
    else if (char === '{') depth++;
    else if (char === ',' && depth === 1) commas.push(i);
    else if (char === '}' && --depth === 0) {
      if (commas.length === 0 && text.slice(open + 1, i).includes('..')) return 'range';
      return { open, close: i, commas };
    }
  }
  return undefined;
}

/** Index of the `]` closing the class opened at `open`, or -1 (then the `[` is literal). */
function classEnd(text: string | string[], open: number): number {
  let i = open + 1;
  if (text[i] === '!' || text[i] === '^') i++;
  if (text[i] === ']') i++;
  for (; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '[' && text[i + 1] === ':') {
      for (let j = i + 2; j + 1 < text.length; j++) {
        if (text[j] === ':' && text[j + 1] === ']') {
          i = j + 1;
          break;
        }
      }
    } else if (text[i] === ']') return i;
  }
  return -1;
}

/** One path segment's pattern as tokens; undefined for syntax this analysis does not model. */
function tokenize(segment: string, rest: string): Token[] | undefined {
  const chars = Array.from(segment);
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i];
    if (char === '\\') {
      tokens.push({ kind: 'char', char: chars[++i] ?? '\\' });
    } else if (char === '"' || char === '(' || char === ')' || char === '|') {
      return undefined;
    } else if (char === '*') {
      if (chars[i + 1] === '*') return undefined;
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (char === '?') {
      tokens.push({ kind: 'any' });
    } else if (char === '[') {
      const end = classEnd(chars, i);
      if (end === -1) {
        // picomatch opens a class when a `]` follows anywhere, even past a `/`.
        if (rest.includes(']')) return undefined;
        tokens.push({ kind: 'char', char });
        continue;
      }
      tokens.push(classToken(chars.slice(i, end + 1).join('')));
      i = end;
    } else {
      tokens.push({ kind: 'char', char });
    }
  }
  return tokens;
}

const ASCII = Array.from({ length: 128 }, (_, code) => String.fromCodePoint(code));

function classToken(text: string): Token {
  // Two classes share a character iff they share one of: an ASCII character, a
  // character named in either, or a neighbour of one (the edges of ranges and gaps).
  const named = Array.from(text).flatMap((char) => {
    const code = char.codePointAt(0) as number;
    return [code - 1, code, code + 1].filter((c) => c >= 0 && c <= 0x10ffff).map((c) => String.fromCodePoint(c));
  });
  return { kind: 'class', re: picomatch().makeRe(text, MATCH_OPTIONS), candidates: [...ASCII, ...named] };
}

/** Whether some single character (never `/`) is accepted by both tokens. */
function shareChar(a: Token, b: Token): boolean {
  if (a.kind === 'star' || a.kind === 'any' || b.kind === 'star' || b.kind === 'any') return true;
  if (a.kind === 'char') return b.kind === 'char' ? a.char === b.char : b.re.test(a.char);
  if (b.kind === 'char') return a.re.test(b.char);
  return [...a.candidates, ...b.candidates].some((char) => char !== '/' && a.re.test(char) && b.re.test(char));
}

/** Whether two segment patterns accept a common string: a search over pairs of positions. */
function segmentsOverlap(a: Token[], b: Token[]): boolean {
  const width = b.length + 1;
  const seen = new Set<number>();
  const pending: Array<[number, number]> = [[0, 0]];
  while (pending.length > 0) {
    const [i, j] = pending.pop() as [number, number];
    if (seen.has(i * width + j)) continue;
    seen.add(i * width + j);
    if (i === a.length && j === b.length) return true;
    const x = a[i];
    const y = b[j];
    if (x?.kind === 'star') pending.push([i + 1, j]);
    if (y?.kind === 'star') pending.push([i, j + 1]);
    if (x && y && shareChar(x, y)) pending.push([x.kind === 'star' ? i : i + 1, y.kind === 'star' ? j : j + 1]);
  }
  return false;
}

/** Whether two segment lists accept a common path; `**` takes zero or more segments. */
function segmentListsOverlap(a: Segment[], b: Segment[]): boolean {
  const memo = new Map<number, boolean>();
  const width = b.length + 1;
  const overlap = (i: number, j: number): boolean => {
    const key = i * width + j;
    let result = memo.get(key);
    if (result !== undefined) return result;
    const x = a[i];
    const y = b[j];
    if (x === undefined && y === undefined) result = true;
    else if (x === GLOBSTAR) result = overlap(i + 1, j) || (y !== undefined && overlap(i, j + 1));
    else if (y === GLOBSTAR) result = overlap(i, j + 1) || (x !== undefined && overlap(i + 1, j));
    else result = x !== undefined && y !== undefined && segmentsOverlap(x, y) && overlap(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return overlap(0, 0);
}
