/** Health checks: running them, caching results per tree, comparing with the baseline. */
export * from './health';
