/** Commit message trailers (`Key: value`) as git prints them, and the ones AgentSync reads. */

export interface Trailer {
  key: string;
  value: string;
}

/** Parses git's trailer lines (from `interpret-trailers --parse` or `%(trailers:only,unfold)`). */
export function parseTrailerLines(text: string): Trailer[] {
  return text
    .split('\n')
    .filter((line) => line.includes(':'))
    .map((line) => {
      const colon = line.indexOf(':');
      return { key: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() };
    });
}

/** The value of the first trailer named `key` (case-insensitive, as git compares keys), if non-empty. */
export function trailerValue(trailers: readonly Trailer[] | undefined, key: string): string | undefined {
  const wanted = key.toLowerCase();
  return trailers?.find((t) => t.key.toLowerCase() === wanted && t.value !== '')?.value;
}

/** The tier an `Agent-Tier:` trailer records, if it is one of 1 to 4. */
export function recordedTier(trailers: readonly Trailer[]): number | undefined {
  const value = trailerValue(trailers, 'Agent-Tier');
  return value && /^[1-4]$/.test(value) ? Number(value) : undefined;
}
