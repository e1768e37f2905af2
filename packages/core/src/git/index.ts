/** Running git: the one process runner (paths as arguments, NUL-separated output) and what is staged or committed. */
export * from './git';
export * from './changes';
export * from './log';
export * from './signing';
