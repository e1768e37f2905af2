/** AgentTracker.md's data: regions, entries and snapshot rows. */

export const REGION_NAMES = ['sessions', 'claims', 'next', 'notes', 'handoffs'] as const;
export type RegionName = (typeof REGION_NAMES)[number];

/** How the parser checks a field, and so its TypeScript type: `?` marks an optional one. */
export type FieldType = 'string' | 'string?' | 'number?' | 'strings';

const COMMON = {
  id: 'string',
  /** ISO timestamp of creation. */
  at: 'string',
  /** ISO timestamp of the last change; the later one wins when branches merge. */
  updatedAt: 'string',
  agent: 'string',
} as const satisfies Record<string, FieldType>;

/** Each entry kind's fields, once: the entry types below and the parser's field check both come from here. */
export const ENTRY_FIELDS = {
  /** Partial work written down during a session (`agentsync note`). */
  note: { ...COMMON, session: 'string?', text: 'string' },
  /** One piece of suggested next work. */
  next: { ...COMMON, text: 'string' },
  /** What a session leaves behind for the next one (`agentsync end`). */
  handoff: {
    ...COMMON,
    session: 'string?',
    goal: 'string?',
    tier: 'number?',
    summary: 'string',
    done: 'strings',
    next: 'strings',
    blockers: 'strings',
    failed: 'strings',
    tokens: 'number?',
    budget: 'string?',
    health: 'string?',
    note: 'string?',
  },
} as const satisfies Record<string, Record<string, FieldType>>;

type ValueOf<T extends FieldType> = T extends 'strings' ? string[] : T extends 'number?' ? number : string;
type Optional<F> = { [K in keyof F]: F[K] extends `${string}?` ? K : never }[keyof F];
/** The entry type a field table describes, with its `kind`. */
type EntryShape<K extends keyof typeof ENTRY_FIELDS, F = (typeof ENTRY_FIELDS)[K]> = { kind: K } & {
  -readonly [P in Exclude<keyof F, Optional<F>>]: F[P] extends FieldType ? ValueOf<F[P]> : never;
} & { -readonly [P in Optional<F>]?: F[P] extends FieldType ? ValueOf<F[P]> : never };

/** Partial work written down during a session (`agentsync note`). */
export type NoteEntry = EntryShape<'note'>;
/** One piece of suggested next work. */
export type NextEntry = EntryShape<'next'>;
/** What a session leaves behind for the next one (`agentsync end`). */
export type HandoffEntry = EntryShape<'handoff'>;

export type TrackerEntry = NoteEntry | NextEntry | HandoffEntry;
export type EntryKind = TrackerEntry['kind'];
export type EntryOf<K extends EntryKind> = Extract<TrackerEntry, { kind: K }>;

export interface SessionRow {
  id: string;
  agent: string;
  goal: string;
  tier: number;
  branch: string;
  /** ISO timestamp. */
  started: string;
}

export interface ClaimRow {
  holder: string;
  glob: string;
  mode: 'exclusive' | 'shared';
  /** ISO timestamp. */
  expires: string;
  session?: string;
}

interface RegionBase {
  /** The region's text as parsed and as it would render then: kept verbatim while its data is unchanged. */
  source?: { raw: string; rendered: string };
}

export type Region =
  | (RegionBase & { name: 'sessions'; rows: SessionRow[] })
  | (RegionBase & { name: 'claims'; rows: ClaimRow[] })
  | (RegionBase & { name: 'next'; entries: NextEntry[] })
  | (RegionBase & { name: 'notes'; entries: NoteEntry[] })
  | (RegionBase & { name: 'handoffs'; entries: HandoffEntry[] });
export type RegionOf<N extends RegionName> = Extract<Region, { name: N }>;
export type EntryRegionName = (typeof REGION_OF_KIND)[EntryKind];

export interface TrackerDoc {
  /** File name used in error messages. */
  file: string;
  /** The file's line ending, used for all generated text. */
  eol: '\n' | '\r\n';
  /** Verbatim prose (strings) and managed regions, in document order. */
  blocks: Array<string | Region>;
}

/** The region each entry kind lives in. */
export const REGION_OF_KIND = { note: 'notes', next: 'next', handoff: 'handoffs' } as const satisfies Record<
  EntryKind,
  RegionName
>;
/** Each region's heading, written when a region is added. */
export const HEADINGS: Record<RegionName, string> = {
  sessions: 'Active sessions',
  claims: 'Claims',
  next: 'Suggested next work',
  notes: 'Notes (partial work)',
  handoffs: 'Handoffs',
};
