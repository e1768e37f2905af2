/** The git hooks' logic: pre-commit, commit-msg, pre-push. */
export * from './hooks';
