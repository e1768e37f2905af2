/** Health checks: defining and running them, caching passes per tree, comparing with the baseline. */
export * from './checks';
export { readCachedResults, writeCachedResult } from './cache';
export * from './health';
export * from '../domain/verdicts';
